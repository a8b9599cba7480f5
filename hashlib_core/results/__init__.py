"""Machine-written result records: one JSON per run, recomputable from its stored codes."""
from hashlib_core.results.codes import decode_codes, encode_codes
from hashlib_core.results.environment import run_environment
from hashlib_core.results.store import (PREDICTIONS, PROFILES, RecordError, build_record, default_results_dir,
                                        iter_records, read_record, recompute_metrics, record_codes, record_path,
                                        write_record)
from hashlib_core.results.summary import aggregate, summary_rows, write_summary

__all__ = ["PREDICTIONS", "PROFILES", "RecordError", "build_record", "default_results_dir", "iter_records",
           "read_record", "recompute_metrics", "record_codes", "record_path", "write_record", "encode_codes",
           "decode_codes", "run_environment", "aggregate", "summary_rows", "write_summary"]

"""Rewrite schema-1 result records (codes and labels base64 in the JSON) as schema 2 (.npz beside it).

Storage only: every other field is kept as it was, and each rewritten record is read back and
checked to decode to the same codes and labels and to hold the same fields, or the script stops.

    python scripts/migrate_results.py [results_dir]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from hashlib_core.results import default_results_dir, iter_records, read_record, record_codes, write_record


def migrate(results_dir: Path) -> int:
    """Migrate every schema-1 record under ``results_dir``; return how many were rewritten."""
    old = [r for r in iter_records(results_dir) if r["schema"] == 1]
    for record in tqdm(old, desc="records", unit="record"):
        path = Path(record["_path"])
        written = write_record(record, path.parents[2])
        if written != path:
            raise RuntimeError(f"{path} would move to {written}: not a storage-only change")
        back = read_record(written)
        before = {k: v for k, v in record.items() if k not in ("_path", "schema", "codes")}
        after = {k: v for k, v in back.items() if k not in ("schema", "codes")}
        if json.dumps(before, sort_keys=True) != json.dumps(after, sort_keys=True):
            raise RuntimeError(f"{path}: fields changed while migrating")
        if not all(np.array_equal(a, b) for a, b in zip(record_codes(record), record_codes(back))):
            raise RuntimeError(f"{path}: codes or labels changed while migrating")
    return len(old)


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else default_results_dir()
    print(f"rewrote {migrate(root)} schema-1 records under {root}")

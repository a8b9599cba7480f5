"""The results store: one JSON record per run, written only by the library.

Layout: ``<results_dir>/<profile>/<variant>-<protocol>/<method>-<n_bits>b-seed<seed>.json``.
A record holds the run's identity (paper, method, dataset variant, protocol + split digest,
bits, seed, profile), every metric and curve, the hyper-parameters, where it ran
(:func:`~hashlib_core.results.environment.run_environment`), and the query and database
codes with their labels, so every figure can be recomputed from the stored codes.

Labels are the same for every record of one split, so (schema 2) a record file refers to a
content-addressed labels file beside it, ``labels-<sha256 prefix>.json``, written once and shared;
:func:`read_record` puts the labels back, so a record in memory always holds them inline.
Schema-1 files (labels inline) are still read. Files are written atomically: a failed run never
leaves a partial file.
"""
from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import re
from pathlib import Path
from typing import Iterator

import numpy as np

from hashlib_core.io import atomic_write_text, repo_root
from hashlib_core.results.codes import decode_array, decode_codes, encode_array, encode_codes

__all__ = ["SCHEMA_VERSION", "READABLE_SCHEMAS", "PROFILES", "labels_digest", "default_results_dir", "record_path", "build_record",
           "write_record", "read_record", "iter_records", "record_codes", "recompute_metrics"]

SCHEMA_VERSION = 2
#: schemas this library reads (1: labels inline in every record)
READABLE_SCHEMAS = (1, 2)
_RECORD_NAME = re.compile(r".+-\d+b-seed\d+\.json")
_LABEL_KEYS = ("query_labels", "database_labels")
PROFILES = ("smoke", "reduced", "full")
_REQUIRED = ("paper", "method", "dataset", "variant", "protocol", "n_bits", "seed", "profile", "metrics")


def default_results_dir() -> Path:
    """``$HASHLIB_RESULTS`` or the checkout's ``results/`` folder."""
    return Path(os.environ.get("HASHLIB_RESULTS") or repo_root() / "results")


def record_path(results_dir: str | os.PathLike, *, profile: str, variant: str, protocol: str,
                method: str, n_bits: int, seed: int) -> Path:
    """Where the record of one grid cell lives (used to skip cells already done)."""
    return Path(results_dir) / profile / f"{variant}-{protocol}" / f"{method}-{n_bits}b-seed{seed}.json"


def _check_finite(metrics: dict) -> None:
    for key, value in metrics.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"metric {key!r} is {value}: refusing to write a record with a non-finite metric")


def build_record(*, paper: str, method: str, split, n_bits: int, profile: str, metrics: dict,
                 query_codes, db_codes, query_labels, db_labels, hyperparameters: dict,
                 environment: dict, timings: dict, features: str | None = None,
                 training: dict | None = None, notes: str = "") -> dict:
    """Assemble a record (a JSON-ready dict). ``metrics`` is the output of :func:`hashlib_core.evaluate`.

    Scalar metrics go to ``record["metrics"]``, curves (dict values) to ``record["curves"]``.
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; valid profiles: {', '.join(PROFILES)}")
    scalars = {k: v for k, v in metrics.items() if not isinstance(v, dict)}
    curves = {k: v for k, v in metrics.items() if isinstance(v, dict)}
    _check_finite({k: v for k, v in scalars.items() if isinstance(v, float)})
    return {
        "schema": SCHEMA_VERSION,
        "paper": paper, "method": method, "dataset": split.dataset, "variant": split.variant,
        "protocol": split.protocol, "split": split.describe(), "n_bits": int(n_bits),
        "seed": int(split.seed), "profile": profile, "features": features,
        "metrics": scalars, "curves": curves, "hyperparameters": hyperparameters,
        "training": training or {}, "timings": timings, "environment": environment, "notes": notes,
        "codes": {"query": encode_codes(query_codes), "database": encode_codes(db_codes),
                  "query_labels": encode_array(np.asarray(query_labels)),
                  "database_labels": encode_array(np.asarray(db_labels))},
    }


def labels_digest(query_labels: np.ndarray, db_labels: np.ndarray) -> str:
    """SHA-256 (hex) of the labels' dtypes, shapes and bytes: the name of their shared file."""
    digest = hashlib.sha256()
    for array in (query_labels, db_labels):
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{list(array.shape)}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def write_record(record: dict, results_dir: str | os.PathLike | None = None) -> Path:
    """Validate ``record`` and write it atomically to its place in ``results_dir``; return the path.

    The labels go to the shared ``labels-<digest>.json`` beside it (written only if absent);
    keys starting with ``_`` (such as ``_path`` from :func:`iter_records`) are not stored.
    """
    missing = [k for k in _REQUIRED if k not in record]
    if missing:
        raise ValueError(f"record lacks required fields {missing}")
    path = record_path(results_dir or default_results_dir(), profile=record["profile"],
                       variant=record["variant"], protocol=record["protocol"], method=record["method"],
                       n_bits=record["n_bits"], seed=record["seed"])
    codes = dict(record["codes"])
    labels = {k: codes.pop(k) for k in _LABEL_KEYS}
    digest = labels_digest(*(decode_array(labels[k]) for k in _LABEL_KEYS))
    codes["labels"] = {"file": f"labels-{digest[:16]}.json", "sha256": digest}
    stored = {k: v for k, v in record.items() if not k.startswith("_")}
    stored.update(schema=SCHEMA_VERSION, codes=codes)
    text = json.dumps(stored, indent=1, sort_keys=False, allow_nan=False)  # fails before anything is written
    labels_path = path.parent / codes["labels"]["file"]
    if not labels_path.exists():
        atomic_write_text(labels_path, json.dumps({"schema": SCHEMA_VERSION, "sha256": digest, **labels}) + "\n")
    return atomic_write_text(path, text + "\n")


@functools.lru_cache(maxsize=64)
def _read_labels(path: str, sha256: str) -> dict:
    with open(path) as f:
        labels = json.load(f)
    arrays = [decode_array(labels[k]) for k in _LABEL_KEYS]
    if labels_digest(*arrays) != sha256:
        raise ValueError(f"{path}: labels do not match the digest {sha256[:16]} the record names")
    return {k: labels[k] for k in _LABEL_KEYS}  # callers get copies (see read_record)


def read_record(path: str | os.PathLike) -> dict:
    """Read one record, labels included; ValueError for a file that is not a record of a known schema."""
    with open(path) as f:
        record = json.load(f)
    if record.get("schema") not in READABLE_SCHEMAS:
        raise ValueError(f"{path}: schema {record.get('schema')!r}, this library reads {READABLE_SCHEMAS}")
    codes = record.get("codes", {})
    if "labels" in codes:
        ref = codes.pop("labels")
        labels_path = Path(path).parent / ref["file"]
        if not labels_path.is_file():
            raise ValueError(f"{path}: its labels file {labels_path.name} is missing")
        codes.update({k: dict(v) for k, v in _read_labels(str(labels_path.resolve()), ref["sha256"]).items()})
    return record


def iter_records(results_dir: str | os.PathLike | None = None, profile: str | None = None) -> Iterator[dict]:
    """All records under ``results_dir`` (one profile's only when ``profile`` is given), sorted by path."""
    root = Path(results_dir or default_results_dir())
    if profile is not None:
        root = root / profile
    for path in sorted(p for p in root.rglob("*.json") if _RECORD_NAME.fullmatch(p.name)):
        record = read_record(path)
        record["_path"] = str(path)
        yield record


def record_codes(record: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Decode ``(query_codes, db_codes, query_labels, db_labels)`` from a record."""
    codes = record["codes"]
    return (decode_codes(codes["query"]), decode_codes(codes["database"]),
            decode_array(codes["query_labels"]), decode_array(codes["database_labels"]))


def recompute_metrics(record: dict, **evaluate_kwargs) -> dict:
    """Re-run :func:`hashlib_core.evaluate` on the stored codes with the record's settings."""
    from hashlib_core.eval import evaluate

    settings = dict(record.get("hyperparameters", {}).get("evaluation", {}))
    settings.update(evaluate_kwargs)
    return evaluate(*record_codes(record), **settings)

"""The results store: one JSON record per run, written only by the library.

Layout: ``<results_dir>/<profile>/<variant>-<protocol>/<method>-<n_bits>b-seed<seed>.json``.
A record holds the run's identity (paper, method, dataset variant, protocol + split digest,
bits, seed, profile), every metric and curve, the hyper-parameters, where it ran
(:func:`~hashlib_core.results.environment.run_environment`), and its query and database codes
with their labels, so every figure can be recomputed from what is stored.

Schema 2: the codes live beside the JSON in ``<method>-<n_bits>b-seed<seed>.codes.npz``, and the
labels, which are the same for every record of a split, once in a content-addressed
``labels-<sha256 prefix>.npz``; the JSON names both files with the SHA-256 of their arrays.
In memory (:func:`build_record`, :func:`read_record`) ``record["codes"]`` always holds the four
arrays. Schema-1 files (codes and labels base64-encoded inside the JSON) are still read.
Files are written atomically, the JSON last: a failed run never leaves a partial record.
"""
from __future__ import annotations

import functools
import json
import math
import os
import re
from pathlib import Path
from typing import Iterator

import numpy as np

from hashlib_core.io import atomic_write_text, repo_root
from hashlib_core.profiles import PROFILE_NAMES
from hashlib_core.results.codes import (arrays_digest, check_codes, decode_array, decode_codes, load_arrays,
                                        pack_codes, save_arrays, unpack_codes)

__all__ = ["SCHEMA_VERSION", "READABLE_SCHEMAS", "PROFILES", "default_results_dir", "record_path",
           "build_record", "write_record", "read_record", "iter_records", "record_codes", "recompute_metrics"]

SCHEMA_VERSION = 2
#: schemas this library reads (1: codes and labels base64-encoded inside the JSON)
READABLE_SCHEMAS = (1, 2)
PROFILES = PROFILE_NAMES  # one list: the TOML files in hashlib_core/profiles
_REQUIRED = ("paper", "method", "dataset", "variant", "protocol", "n_bits", "seed", "profile", "metrics")
_RECORD_NAME = re.compile(r".+-\d+b-seed\d+\.json")
_CODE_KEYS = ("query", "database")
_LABEL_KEYS = ("query_labels", "database_labels")


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
        "codes": {"query": check_codes(query_codes), "database": check_codes(db_codes),
                  "query_labels": np.asarray(query_labels), "database_labels": np.asarray(db_labels)},
    }


def write_record(record: dict, results_dir: str | os.PathLike | None = None) -> Path:
    """Validate ``record`` and write it atomically to its place in ``results_dir``; return the JSON's path.

    Writes the codes' ``.codes.npz``, the shared ``labels-<digest>.npz`` (only if absent) and then
    the JSON; keys starting with ``_`` (such as ``_path`` from :func:`iter_records`) are not stored.
    """
    missing = [k for k in _REQUIRED if k not in record]
    if missing:
        raise ValueError(f"record lacks required fields {missing}")
    path = record_path(results_dir or default_results_dir(), profile=record["profile"],
                       variant=record["variant"], protocol=record["protocol"], method=record["method"],
                       n_bits=record["n_bits"], seed=record["seed"])
    codes = {k: check_codes(record["codes"][k]) for k in _CODE_KEYS}
    labels = {k: np.ascontiguousarray(record["codes"][k]) for k in _LABEL_KEYS}
    if any(labels[k].dtype.kind not in "biu" for k in _LABEL_KEYS):
        raise ValueError(f"labels must be integer or bool arrays, got {[str(labels[k].dtype) for k in _LABEL_KEYS]}")
    labels_digest = arrays_digest(*labels.values())
    refs = {"file": path.name.replace(".json", ".codes.npz"), "sha256": arrays_digest(*codes.values()),
            "labels": {"file": f"labels-{labels_digest[:16]}.npz", "sha256": labels_digest}}
    stored = {k: v for k, v in record.items() if not k.startswith("_")}
    stored.update(schema=SCHEMA_VERSION, codes=refs)
    text = json.dumps(stored, indent=1, sort_keys=False, allow_nan=False)  # fails before anything is written
    labels_path = path.parent / refs["labels"]["file"]
    if not labels_path.exists():
        save_arrays(labels_path, labels)
    save_arrays(path.parent / refs["file"], {k: v for name in _CODE_KEYS for k, v in pack_codes(codes[name], name).items()})
    return atomic_write_text(path, text + "\n")


def _check_digest(path: Path, arrays: list[np.ndarray], sha256: str) -> None:
    if arrays_digest(*arrays) != sha256:
        raise ValueError(f"{path}: its arrays do not match the digest {sha256[:16]} the record names")


@functools.lru_cache(maxsize=16)
def _read_labels(path: Path, sha256: str) -> tuple[np.ndarray, ...]:
    arrays = load_arrays(path)
    labels = [arrays[k] for k in _LABEL_KEYS]
    _check_digest(path, labels, sha256)
    return tuple(labels)


def _sidecar(record_file: Path, name: str) -> Path:
    path = record_file.parent / name
    if not path.is_file():
        raise ValueError(f"{record_file}: the file {name} it names is missing")
    return path.resolve()


def read_record(path: str | os.PathLike) -> dict:
    """Read one record, codes and labels included as arrays; ValueError for a file that is not a record."""
    path = Path(path)
    with open(path) as f:
        record = json.load(f)
    if record.get("schema") not in READABLE_SCHEMAS:
        raise ValueError(f"{path}: schema {record.get('schema')!r}, this library reads {READABLE_SCHEMAS}")
    refs = record.get("codes", {})
    if record["schema"] == 1:
        record["codes"] = {"query": decode_codes(refs["query"]), "database": decode_codes(refs["database"]),
                           "query_labels": decode_array(refs["query_labels"]),
                           "database_labels": decode_array(refs["database_labels"])}
        return record
    codes_path = _sidecar(path, refs["file"])
    arrays = load_arrays(codes_path)
    codes = {name: unpack_codes(arrays, name) for name in _CODE_KEYS}
    _check_digest(codes_path, list(codes.values()), refs["sha256"])
    labels_ref = refs["labels"]
    labels = _read_labels(_sidecar(path, labels_ref["file"]), labels_ref["sha256"])
    record["codes"] = {**codes, **{k: v.copy() for k, v in zip(_LABEL_KEYS, labels)}}  # the cache keeps its own
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
    """``(query_codes (n_query, n_bits), db_codes (n_db, n_bits), query_labels, db_labels)`` of a record."""
    codes = record["codes"]
    return codes["query"], codes["database"], codes["query_labels"], codes["database_labels"]


def recompute_metrics(record: dict, **evaluate_kwargs) -> dict:
    """Re-run :func:`hashlib_core.evaluate` on the stored codes with the record's settings."""
    from hashlib_core.eval import evaluate

    settings = dict(record.get("hyperparameters", {}).get("evaluation", {}))
    settings.update(evaluate_kwargs)
    return evaluate(*record_codes(record), **settings)

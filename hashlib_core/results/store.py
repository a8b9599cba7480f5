"""The results store: one JSON record per run, written only by the library.

Layout: ``<results_dir>/<profile>/<variant>-<protocol>/<method>-<n_bits>b-seed<seed>.json``.
A record holds the run's identity (paper, method, dataset variant, protocol + split digest,
bits, seed, profile), every metric and curve, the hyper-parameters, where it ran
(:func:`~hashlib_core.results.environment.run_environment`), and its query and database codes
with their labels, so every figure can be recomputed from what is stored.

Schema 2: the codes (and, for models with a classifier, the queries' predicted labels) live beside
the JSON in a content-addressed ``<method>-<n_bits>b-seed<seed>.codes-<sha256 prefix>.npz`` (records
written before that are named ``<stem>.codes.npz`` and still read: the JSON names its file), and the
labels, which are the same for every record of a split, once in a content-addressed
``labels-<sha256 prefix>.npz``; the JSON names both files with the SHA-256 of their arrays.
In memory (:func:`build_record`, :func:`read_record`) ``record["codes"]`` always holds the four
arrays (five with ``query_predictions``). Schema-1 files (codes and labels base64-encoded inside the
JSON) are still read.

The JSON is the only commit point: the side files are written first under names that depend on
their content, then the JSON that names them replaces the old one atomically, so a killed or
failed write leaves the previous record whole, and two processes writing the same record leave one
of their records whole. Writers of one folder take turns (:func:`~hashlib_core.files.folder_lock`),
and each removes the codes files of its record that the new JSON no longer names.
:func:`read_record` raises one :class:`RecordError` naming the file for anything that does not read or check.
"""
from __future__ import annotations

import contextlib
import functools
import glob
import itertools
import json
import math
import os
import re
import zipfile
import zlib
from pathlib import Path
from typing import Iterator

import numpy as np

from hashlib_core.eval.codes import to_bit_array
from hashlib_core.files import RESULTS_FOLDER, arrays_digest, atomic_write_text, folder_lock, repo_root
from hashlib_core.profiles import PROFILE_NAMES
from hashlib_core.results.codes import (code_arrays_for_storage, codes_from_storage, decode_array,
                                        decode_codes, load_arrays, save_arrays)

__all__ = ["SCHEMA_VERSION", "READABLE_SCHEMAS", "PROFILES", "default_results_dir", "record_path",
           "build_record", "write_record", "read_record", "iter_records", "record_codes", "recompute_metrics",
           "RecordError", "PREDICTIONS"]

SCHEMA_VERSION = 2
#: schemas this library reads (1: codes and labels base64-encoded inside the JSON)
READABLE_SCHEMAS = (1, 2)
PROFILES = PROFILE_NAMES  # one list: the TOML files in hashlib_core/profiles
_REQUIRED = ("paper", "method", "dataset", "variant", "protocol", "n_bits", "seed", "profile", "metrics")
_RECORD_NAME = re.compile(r".+-\d+b-seed\d+\.json")
_CODE_KEYS = ("query", "database")
_LABEL_KEYS = ("query_labels", "database_labels")
#: optional: the queries' predicted labels (models with a classifier), from which accuracy is recomputed
PREDICTIONS = "query_predictions"
#: a side file named by a record: a plain ``.npz`` file name in the record's folder, nothing else
_SIDE_FILE = re.compile(r"[\w-][\w.-]*\.npz")
_READ_ERRORS = (OSError, ValueError, KeyError, TypeError, IndexError, EOFError, zipfile.BadZipFile, zlib.error)
#: a reader retries when a writer replaced the record while it was being read
_READ_ATTEMPTS = 5


class RecordError(ValueError):
    """A record that does not read or does not check; the message names the file and what is wrong."""


def default_results_dir() -> Path:
    """``$HASHLIB_RESULTS`` or the checkout's ``results/`` folder."""
    return Path(os.environ.get("HASHLIB_RESULTS") or repo_root() / RESULTS_FOLDER)


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
                 training: dict | None = None, notes: str = "", query_predictions=None) -> dict:
    """Assemble a record (a JSON-ready dict). ``metrics`` is the output of :func:`hashlib_core.evaluate`.

    Scalar metrics go to ``record["metrics"]``, curves (dict values) to ``record["curves"]``.
    ``query_codes (n_q, n_bits)`` and ``db_codes (n_db, n_bits)`` must be {0,1} (any dtype, or
    :class:`~hashlib_core.eval.codes.PackedCodes`; checked by :func:`~hashlib_core.eval.codes.to_bit_array`)
    and are kept as uint8 arrays (without a copy when they already are). ``query_predictions`` (the
    classifier's labels for the queries) is stored with the codes so that the accuracy metric can be
    recomputed.
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
        "codes": {"query": _bits(query_codes, "query"), "database": _bits(db_codes, "database"),
                  "query_labels": np.asarray(query_labels), "database_labels": np.asarray(db_labels),
                  **({} if query_predictions is None else {PREDICTIONS: np.asarray(query_predictions)})},
    }


def _bits(codes, key: str) -> np.ndarray:
    """A record's ``key`` ("query" or "database") codes as uint8 {0,1} ``(n, n_bits)``; {-1,+1} is refused."""
    return to_bit_array(codes, f"{key} codes", signed=False)


def _code_arrays(codes: dict) -> dict[str, np.ndarray]:
    """The arrays of a record's codes file, in digest order: query, database[, query_predictions].

    The codes are checked again (the record may have been edited since :func:`build_record`), which
    for its uint8 arrays is one pass over them, no copy.
    """
    arrays = {k: _bits(codes[k], k) for k in _CODE_KEYS}
    if codes.get(PREDICTIONS) is not None:
        predictions = np.ascontiguousarray(codes[PREDICTIONS])
        if predictions.dtype.kind not in "iu" or predictions.shape != (len(arrays["query"]),):
            raise ValueError(f"{PREDICTIONS} must be integer labels, one per query ({len(arrays['query'])},), "
                             f"got {predictions.dtype} {predictions.shape}")
        arrays[PREDICTIONS] = predictions
    return arrays


def _packed(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    packed = {k: v for name in _CODE_KEYS for k, v in code_arrays_for_storage(arrays[name], name).items()}
    return {**packed, **{k: v for k, v in arrays.items() if k not in _CODE_KEYS}}


def _remove_unreferenced_codes(path: Path, keep: str) -> None:
    """Delete the codes files of ``path``'s record other than ``keep`` (older versions, killed writers)."""
    stem = glob.escape(path.name[:-len(".json")])
    for old in path.parent.glob(f"{stem}.codes*.npz"):
        if old.name != keep:
            old.unlink(missing_ok=True)


def write_record(record: dict, results_dir: str | os.PathLike | None = None) -> Path:
    """Validate ``record`` and write it atomically to its place in ``results_dir``; return the JSON's path.

    Writes the content-addressed codes file, the shared ``labels-<digest>.npz`` (only if absent) and
    then the JSON, the commit point; keys starting with ``_`` (such as ``_path`` from
    :func:`iter_records`) are not stored.
    """
    missing = [k for k in _REQUIRED if k not in record]
    if missing:
        raise ValueError(f"record lacks required fields {missing}")
    path = record_path(results_dir or default_results_dir(), profile=record["profile"],
                       variant=record["variant"], protocol=record["protocol"], method=record["method"],
                       n_bits=record["n_bits"], seed=record["seed"])
    arrays = _code_arrays(record["codes"])
    labels = {k: np.ascontiguousarray(record["codes"][k]) for k in _LABEL_KEYS}
    if any(labels[k].dtype.kind not in "biu" for k in _LABEL_KEYS):
        raise ValueError(f"labels must be integer or bool arrays, got {[str(labels[k].dtype) for k in _LABEL_KEYS]}")
    labels_digest, codes_digest = arrays_digest(*labels.values()), arrays_digest(*arrays.values())
    refs = {"file": f"{path.name[:-len('.json')]}.codes-{codes_digest[:16]}.npz", "sha256": codes_digest,
            "labels": {"file": f"labels-{labels_digest[:16]}.npz", "sha256": labels_digest}}
    stored = {k: v for k, v in record.items() if not k.startswith("_")}
    stored.update(schema=SCHEMA_VERSION, codes=refs)
    text = json.dumps(stored, indent=1, sort_keys=False, allow_nan=False)  # fails before anything is written
    path.parent.mkdir(parents=True, exist_ok=True)
    with folder_lock(path.parent):
        labels_path = path.parent / refs["labels"]["file"]
        if not labels_path.exists():
            save_arrays(labels_path, labels)
        save_arrays(path.parent / refs["file"], _packed(arrays))
        atomic_write_text(path, text + "\n")  # the commit point
        _remove_unreferenced_codes(path, refs["file"])
    return path


def _why(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


@contextlib.contextmanager
def _reading(record_file: Path, what: str) -> Iterator[None]:
    """Turn any read failure inside the block into one RecordError: ``<record_file>: <what> (<why>)``."""
    try:
        yield
    except RecordError:
        raise
    except _READ_ERRORS as exc:
        raise RecordError(f"{record_file}: {what} ({_why(exc)})") from None


def _check_digest(record_file: Path, side_file: Path, arrays: list[np.ndarray], sha256: str) -> None:
    if arrays_digest(*arrays) != sha256:
        raise RecordError(f"{record_file}: the arrays of {side_file.name} do not match the digest {sha256[:16]} "
                          "the record names (the file was altered or replaced)")


@functools.lru_cache(maxsize=16)
def _load_labels(path: Path, stamp: tuple[int, int]) -> tuple[np.ndarray, ...]:
    """The arrays of a shared labels file (cached per file version: ``stamp`` is its mtime and size)."""
    arrays = load_arrays(path)
    return tuple(arrays[k] for k in _LABEL_KEYS)


def _sidecar(record_file: Path, name) -> Path:
    if not isinstance(name, str) or not _SIDE_FILE.fullmatch(name):
        raise RecordError(f"{record_file}: names the side file {name!r}, which is not a plain .npz file name "
                          "in the record's folder")
    path = record_file.parent / name
    if not path.is_file():
        raise RecordError(f"{record_file}: the file {name} it names is missing")
    return path.resolve()


def _schema1_codes(refs: dict) -> dict[str, np.ndarray]:
    return {"query": decode_codes(refs["query"]), "database": decode_codes(refs["database"]),
            "query_labels": decode_array(refs["query_labels"]),
            "database_labels": decode_array(refs["database_labels"])}


def _side_file_codes(record_file: Path, refs: dict) -> dict[str, np.ndarray]:
    codes_path = _sidecar(record_file, refs["file"])
    with _reading(record_file, f"its codes file {codes_path.name} is corrupt"):
        arrays = load_arrays(codes_path)
        codes = {name: codes_from_storage(arrays, name) for name in _CODE_KEYS}
        codes.update({k: arrays[k] for k in (PREDICTIONS,) if k in arrays})
    _check_digest(record_file, codes_path, list(codes.values()), refs["sha256"])
    labels_path = _sidecar(record_file, refs["labels"]["file"])
    with _reading(record_file, f"its labels file {labels_path.name} is corrupt"):
        stat = labels_path.stat()
        labels = _load_labels(labels_path, (stat.st_mtime_ns, stat.st_size))
    _check_digest(record_file, labels_path, list(labels), refs["labels"]["sha256"])
    return {**codes, **{k: v.copy() for k, v in zip(_LABEL_KEYS, labels)}}  # the cache keeps its own


def _record_from_text(path: Path, text: str) -> dict:
    with _reading(path, "not valid JSON (truncated or edited?)"):
        record = json.loads(text)
    schema = record.get("schema") if isinstance(record, dict) else None
    if schema not in READABLE_SCHEMAS:
        raise RecordError(f"{path}: schema {schema!r}, this library reads {READABLE_SCHEMAS}")
    missing = [k for k in (*_REQUIRED, "codes") if k not in record]
    if missing:
        raise RecordError(f"{path}: not a complete record, it lacks {missing}")
    with _reading(path, "its codes could not be read"):
        record["codes"] = _schema1_codes(record["codes"]) if schema == 1 else _side_file_codes(path, record["codes"])
    return record


def _read_text(path: Path) -> str:
    with _reading(path, "cannot read the record"):
        return path.read_text(encoding="utf-8")


def read_record(path: str | os.PathLike) -> dict:
    """Read one record, codes and labels included as arrays, with every digest checked.

    Raises:
        RecordError: (a ValueError) for anything that is not a whole, unaltered record: the message
            names the file and what is wrong (missing, truncated JSON, corrupt or altered side file).
    """
    path = Path(path)
    for attempt in itertools.count(1):
        text = _read_text(path)
        try:
            return _record_from_text(path, text)
        except RecordError:
            if attempt >= _READ_ATTEMPTS or _read_text(path) == text:
                raise  # the record did not change meanwhile: it is broken


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

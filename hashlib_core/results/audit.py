"""The audit: every stored metric and curve of a record recomputed from its stored codes.

:func:`audit_record` recomputes the record's metrics with :func:`~hashlib_core.evaluate` on the
stored codes and labels (its own evaluation settings) and compares every stored scalar (mAP@all,
each mAP@K, P@r2, the counts and settings) and every curve; the classification accuracy is
recomputed from the stored predicted labels of the queries. Records written before predictions
were stored say :data:`NOT_RECOMPUTABLE` instead of failing. :func:`stale_settings` compares the
settings a record was made with against its profile's TOML today: the tables describe a record by
its profile, so a record whose profile has changed since (more epochs, another margin) is stale
and must be rerun, or kept under an ablation profile that still says how it was made.
:func:`raise_on_mismatch` turns any difference or stale setting into one :class:`AuditError` naming
each record and metric (the book build and ``summary --audit`` use it).
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from hashlib_core.methods import METHODS
from hashlib_core.profiles import PROFILE_NAMES, load_profile, method_settings
from hashlib_core.results.store import PREDICTIONS, recompute_metrics
from hashlib_core.train.config import OPERATIONAL_FIELDS

__all__ = ["AuditError", "RecordAudit", "audit_record", "raise_on_mismatch", "prediction_accuracy",
           "stale_settings", "NOT_RECOMPUTABLE", "TOLERANCE"]

#: largest |stored − recomputed| accepted (float rounding only: the engine is deterministic)
TOLERANCE = 1e-9
NOT_RECOMPUTABLE = "accuracy not recomputable (no stored predictions)"
_SHOWN = 20


class AuditError(ValueError):
    """Stored metrics that differ from their recomputation; the message names each record and metric."""


@dataclass
class RecordAudit:
    """One record's audit: ``differences`` maps each checked name to |stored − recomputed| (inf: not equal);
    ``mismatches`` and ``stale`` say, in words, what differs from the recomputation and from the profile."""

    path: str
    differences: dict[str, float] = field(default_factory=dict)
    mismatches: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def prediction_accuracy(predictions, labels) -> float:
    """Fraction of queries whose predicted label is their label (the records' ``accuracy``)."""
    return float((np.asarray(predictions) == np.asarray(labels)).mean())


def _difference(stored, fresh) -> float:
    """max |stored − fresh| over numbers, lists and dicts; inf where they differ otherwise."""
    number = lambda v: isinstance(v, numbers.Real) and not isinstance(v, bool)
    if number(stored) and number(fresh):
        gap = abs(float(stored) - float(fresh))
        return gap if math.isfinite(gap) else math.inf
    if isinstance(stored, dict) and isinstance(fresh, dict):
        if stored.keys() != fresh.keys():
            return math.inf
        return max((_difference(stored[k], fresh[k]) for k in stored), default=0.0)
    if isinstance(stored, (list, tuple)) and isinstance(fresh, (list, tuple, np.ndarray)):
        if len(stored) != len(fresh):
            return math.inf
        return max((_difference(a, b) for a, b in zip(stored, fresh)), default=0.0)
    if isinstance(fresh, np.ndarray):
        return _difference(stored, fresh.tolist())
    return 0.0 if stored == fresh else math.inf


def stale_settings(record: dict) -> list[str]:
    """Each setting that ``record`` was made with and its profile's TOML no longer has, in words.

    ``[]`` when the profile still describes the record, and for records of a profile that no longer
    exists or that store no settings (nothing to compare against). Operational settings (threads,
    progress bars, checkpoints: ``OPERATIONAL_FIELDS``) do not change a result and are not compared."""
    stored = record.get("hyperparameters", {}).get("profile_settings")
    if stored is None or record["profile"] not in PROFILE_NAMES or record["method"] not in METHODS:
        return []
    now = method_settings(load_profile(record["profile"]), record["method"], record["dataset"],
                          METHODS[record["method"]].settings_section, record["protocol"])
    return [f"made with {name} = {stored.get(name)!r}, the {record['profile']} profile now says {now.get(name)!r}"
            for name in sorted(set(stored) | set(now))
            if name not in OPERATIONAL_FIELDS and stored.get(name) != now.get(name)]


def _describe(name: str, stored, fresh, gap: float) -> str:
    if fresh is None:
        return f"{name} is stored but cannot be recomputed from the stored codes"
    if isinstance(stored, numbers.Real) and isinstance(fresh, numbers.Real) and not isinstance(stored, dict):
        return f"{name} stored {stored!r}, recomputed {fresh!r}"
    return f"{name} differs from its recomputation (max |Δ| {gap:.3g})"


def audit_record(record: dict, tolerance: float = TOLERANCE) -> RecordAudit:
    """Recompute every metric and curve of ``record`` (as read by ``read_record``) and compare.

    Quiet: the caller shows progress over records, not the engine over one record's queries."""
    fresh = dict(recompute_metrics(record, progress=False))
    codes = record["codes"]
    if codes.get(PREDICTIONS) is not None:
        fresh["accuracy"] = prediction_accuracy(codes[PREDICTIONS], codes["query_labels"])
    audit = RecordAudit(path=str(record.get("_path", f"{record['method']}-{record['n_bits']}b-seed{record['seed']}")))
    for name, stored in {**record["metrics"], **record.get("curves", {})}.items():
        if name == "accuracy" and name not in fresh:
            audit.notes.append(NOT_RECOMPUTABLE)
            continue
        gap = _difference(stored, fresh[name]) if name in fresh else math.inf
        audit.differences[name] = gap
        if not gap <= tolerance:
            audit.mismatches.append(f"{audit.path}: {_describe(name, stored, fresh.get(name), gap)}")
    audit.stale = [f"{audit.path}: {why}" for why in stale_settings(record)]
    return audit


def raise_on_mismatch(audits: Iterable[RecordAudit]) -> None:
    """Raise one AuditError listing every stored value that differs from its recomputation and every
    record whose profile no longer describes it (rerun it, or keep it under an ablation profile)."""
    audits = list(audits)
    problems = [m for audit in audits for m in audit.mismatches]
    stale = [s for audit in audits for s in audit.stale]
    parts = []
    if problems:
        parts.append(f"{len(problems)} stored metric(s) differ from their recomputation from the stored codes: "
                     + _listed(problems))
    if stale:
        parts.append(f"{len(stale)} setting(s) of records differ from their profile today (rerun those cells, "
                     "or give the old settings an ablation profile): " + _listed(stale))
    if parts:
        raise AuditError(". ".join(parts))


def _listed(items: list[str]) -> str:
    more = f"; and {len(items) - _SHOWN} more" if len(items) > _SHOWN else ""
    return "; ".join(items[:_SHOWN]) + more

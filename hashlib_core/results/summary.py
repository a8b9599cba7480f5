"""The summary table (CSV), generated from the records and never edited by hand."""
from __future__ import annotations

import csv
import io
import os
import statistics
from pathlib import Path

from hashlib_core.files import atomic_write_text
from hashlib_core.results.store import default_results_dir, iter_records

__all__ = ["summary_rows", "write_summary", "aggregate", "wall_time", "images_seen"]

_COLUMNS = ("profile", "paper", "method", "dataset", "variant", "protocol", "features", "n_bits", "seed",
            "map@all", "map@1000", "p@r2", "accuracy", "wall_time_s", "images_seen", "device", "commit", "path")


def summary_rows(results_dir: str | os.PathLike | None = None, profile: str | None = None) -> list[dict]:
    """One flat row per record (the columns of ``summary.csv``)."""
    rows = []
    root = Path(results_dir or default_results_dir())
    for rec in iter_records(root, profile):
        metrics = rec["metrics"]
        rows.append({
            "profile": rec["profile"], "paper": rec["paper"], "method": rec["method"],
            "dataset": rec["dataset"], "variant": rec["variant"], "protocol": rec["protocol"],
            "features": rec.get("features") or "", "n_bits": rec["n_bits"], "seed": rec["seed"],
            "map@all": metrics.get("map@all"), "map@1000": metrics.get("map@1000"), "p@r2": metrics.get("p@r2"),
            "accuracy": metrics.get("accuracy"), "wall_time_s": wall_time(rec),
            "images_seen": images_seen(rec),
            "device": rec["environment"].get("device"), "commit": rec["environment"].get("commit", "")[:10],
            "path": os.path.relpath(rec["_path"], root),
        })
    return rows


def wall_time(record: dict) -> float | None:
    """Seconds the cell took: its own ``total_s``, or for a cell resumed from a checkpoint, whose
    last process timed only its own part, the epochs' training seconds plus encoding and evaluation."""
    timings = record["timings"]
    history = (record.get("training") or {}).get("history") or []
    epochs = sum(h.get("seconds", 0.0) for h in history) + timings.get("encode_s", 0.0) + timings.get("evaluate_s", 0.0)
    total = timings.get("total_s")
    return epochs if total is None else max(total, epochs)


def images_seen(record: dict) -> int | None:
    """Training images a deep record's network saw (pre-training included); None for a baseline."""
    training = record.get("training") or {}
    if "images_seen" in training:
        return int(training["images_seen"])
    history = training.get("history")
    return int(sum(h["images"] for h in history)) if history else None


def write_summary(results_dir: str | os.PathLike | None = None) -> Path:
    """(Re)generate ``<results_dir>/summary.csv`` from every record; return its path."""
    root = Path(results_dir or default_results_dir())
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in summary_rows(root):
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return atomic_write_text(root / "summary.csv", buffer.getvalue())


def aggregate(rows: list[dict], metric: str = "map@all") -> list[dict]:
    """Mean and sample std over seeds for each (profile, method, dataset, variant, protocol, features, n_bits),
    with the mean wall-clock seconds and training images of those runs (cost)."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        if row.get(metric) is None:
            continue
        key = tuple(row[k] for k in _GROUP)
        groups.setdefault(key, []).append(row)
    out = []
    for key, members in sorted(groups.items(), key=lambda kv: tuple(str(k) for k in kv[0])):
        values = [float(m[metric]) for m in members]
        entry = dict(zip(_GROUP, key))
        entry.update({"metric": metric, "mean": statistics.fmean(values),
                      "std": statistics.stdev(values) if len(values) > 1 else 0.0, "n_seeds": len(values),
                      "wall_time_s": _mean(m.get("wall_time_s") for m in members),
                      "images_seen": _mean(m.get("images_seen") for m in members)})
        out.append(entry)
    return out


_GROUP = ("profile", "paper", "method", "dataset", "variant", "protocol", "features", "n_bits")


def _mean(values) -> float | None:
    """Mean of the values that are present (None when none is)."""
    present = [float(v) for v in values if v not in (None, "")]
    return statistics.fmean(present) if present else None

"""The summary table (CSV), generated from the records and never edited by hand."""
from __future__ import annotations

import csv
import io
import os
import statistics
from pathlib import Path

from hashlib_core.io import atomic_write_text
from hashlib_core.results.store import default_results_dir, iter_records

__all__ = ["summary_rows", "write_summary", "aggregate"]

_COLUMNS = ("profile", "paper", "method", "dataset", "variant", "protocol", "features", "n_bits", "seed",
            "map@all", "map@1000", "p@r2", "accuracy", "wall_time_s", "device", "commit", "path")


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
            "accuracy": metrics.get("accuracy"), "wall_time_s": rec["timings"].get("total_s"),
            "device": rec["environment"].get("device"), "commit": rec["environment"].get("commit", "")[:10],
            "path": os.path.relpath(rec["_path"], root),
        })
    return rows


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
    """Mean and sample std over seeds for each (profile, method, dataset, variant, protocol, features, n_bits)."""
    groups: dict[tuple, list[float]] = {}
    for row in rows:
        if row.get(metric) is None:
            continue
        key = tuple(row[k] for k in ("profile", "paper", "method", "dataset", "variant", "protocol",
                                     "features", "n_bits"))
        groups.setdefault(key, []).append(float(row[metric]))
    out = []
    for key, values in sorted(groups.items(), key=lambda kv: tuple(str(k) for k in kv[0])):
        entry = dict(zip(("profile", "paper", "method", "dataset", "variant", "protocol", "features", "n_bits"), key))
        entry.update({"metric": metric, "mean": statistics.fmean(values),
                      "std": statistics.stdev(values) if len(values) > 1 else 0.0, "n_seeds": len(values)})
        out.append(entry)
    return out

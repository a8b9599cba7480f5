"""Training dynamics: validation mAP against images seen, read from the records' training histories.

Budget or recipe? A run whose validation mAP is still climbing when its budget ends is
under-trained (more images would help); one whose curve has flattened is limited by something
else (width, recipe, loss, pretraining). :func:`convergence_rows` says which, per record, with
the numbers; :func:`learning_curves` gives the points (drawn by :func:`hashlib_core.plots.plot_learning_curves`).
Validation mAP ranks the validation split against the training images, never the queries, so it is
higher than the test mAP.
"""
from __future__ import annotations

import os
from typing import Iterable

from hashlib_core.results.store import iter_records
from hashlib_core.results.summary import images_seen, wall_time

__all__ = ["RISING_GAIN", "LATE_FRACTION", "learning_curves", "convergence_rows"]

#: a run is "still rising" when its best validation mAP is at its last validation and it gained
#: more than this over the last LATE_FRACTION of its images
RISING_GAIN = 0.005
LATE_FRACTION = 0.25
#: the settings shown beside each run (from the record's training configuration)
_SETTINGS = ("width_mult", "epochs", "pretrain_epochs", "lr", "optimizer", "weight_decay", "lr_schedule", "augment", "amp",
             "epsilon", "margin", "dropout")


def _records(results_dir: str | os.PathLike, profiles: Iterable[str], **match) -> Iterable[dict]:
    for profile in profiles:
        if not os.path.isdir(os.path.join(results_dir, profile)):
            continue
        for record in iter_records(results_dir, profile):
            if record.get("training") and all(record.get(k) == v for k, v in match.items() if v is not None):
                yield record


def _validated(record: dict) -> list[tuple[int, int, float]]:
    """``(epoch, images seen so far, validation mAP)`` of every validated epoch of a record."""
    points, seen = [], 0
    for entry in record["training"]["history"]:
        seen += entry["images"]
        if entry.get("val_map") is not None:
            points.append((entry["epoch"], seen, entry["val_map"]))
    return points


def learning_curves(results_dir: str | os.PathLike, profiles: Iterable[str], *, dataset: str | None = None,
                    protocol: str | None = None, n_bits: int | None = None, method: str | None = None) -> list[dict]:
    """One row per validated epoch of every matching record: profile, method, n_bits, seed, epoch,
    images (seen so far, pre-training included), val_map."""
    rows = []
    for rec in _records(results_dir, profiles, dataset=dataset, protocol=protocol, n_bits=n_bits, method=method):
        for epoch, images, val_map in _validated(rec):
            rows.append({"profile": rec["profile"], "method": rec["method"], "n_bits": rec["n_bits"],
                         "seed": rec["seed"], "epoch": epoch, "images": images, "val_map": val_map})
    return rows


def _late_gain(points: list[tuple[int, int, float]]) -> float | None:
    """Validation mAP gained over the last LATE_FRACTION of the images (None with < 2 validations)."""
    if len(points) < 2:
        return None
    total = points[-1][1]
    earlier = [p for p in points[:-1] if p[1] <= (1 - LATE_FRACTION) * total] or points[:1]
    return points[-1][2] - earlier[-1][2]


def convergence_rows(results_dir: str | os.PathLike, profiles: Iterable[str], *, dataset: str | None = None,
                     protocol: str | None = None) -> list[dict]:
    """Per record: budget (epochs, images, hours and the machine they were measured on), best vs last
    validation, late gain, still rising?, test metrics and the training settings that differ between profiles."""
    rows = []
    for rec in _records(results_dir, profiles, dataset=dataset, protocol=protocol):
        points, training = _validated(rec), rec["training"]
        gain = _late_gain(points)
        last_epoch = points[-1][0] if points else None
        config = rec.get("hyperparameters", {})
        rows.append({
            "profile": rec["profile"], "method": rec["method"], "dataset": rec["dataset"],
            "protocol": rec["protocol"], "n_bits": rec["n_bits"], "seed": rec["seed"],
            "images_seen": images_seen(rec),
            "hours": (wall_time(rec) or 0.0) / 3600, "images_per_second": training.get("images_per_second"),
            "machine": (rec.get("environment") or {}).get("device"),
            "best_epoch": training.get("best_epoch"), "last_epoch": last_epoch,
            "best_val_map": training.get("best_val_map"), "late_gain": gain,
            "still_rising": bool(points) and training.get("best_epoch") == last_epoch and (gain or 0) > RISING_GAIN,
            "map@all": rec["metrics"].get("map@all"), "map@1000": rec["metrics"].get("map@1000"),
            "final_loss": training["history"][-1].get("loss") if training["history"] else None,
            "accuracy": rec["metrics"].get("accuracy"),
            **{k: config.get(k) for k in _SETTINGS}})
    return rows

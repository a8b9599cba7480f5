"""One grid cell, end to end: load data → split → fit or train → encode → evaluate → record.

This is what every notebook calls, so the notebooks stay thin::

    record = run_experiment("ksh", "mnist", "cnnh", n_bits=48, seed=0, profile="full")

Deep methods are trained with :func:`hashlib_core.train.train`; classic baselines are
fitted on the training split's features (784-d pixels for grayscale data, 512-d GIST for
colour images, as in the papers). Queries are used only for the final evaluation.
"""
from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hashlib_core.eval.codes import check_n_bits
from hashlib_core.methods import MethodSpec, method_spec
from hashlib_core.profiles import load_profile, method_settings

__all__ = ["run_experiment", "make_estimator", "CellOutput", "default_features", "EVALUATION", "checkpoint_dir_for"]

#: evaluation settings stored in every record (the book reports tie-aware expected AP)
EVALUATION = {"topk": [1000, 5000], "radius": 2, "ties": "expected"}


@dataclass
class CellOutput:
    """What fitting one method on one split gives, before evaluation.

    ``query_codes`` ``(n_query, n_bits)`` and ``db_codes`` ``(n_db, n_bits)`` are uint8 {0,1};
    ``query_predictions`` ``(n_query,)`` only for methods that classify.
    """

    query_codes: np.ndarray
    db_codes: np.ndarray
    hyperparameters: dict
    timings: dict
    training: dict = field(default_factory=dict)
    features: str | None = None
    device: str = "cpu"
    query_predictions: np.ndarray | None = None


def default_features(dataset) -> str:
    """The papers' hand-crafted features: raw pixels for grayscale images, GIST for colour."""
    return "pixels" if dataset.images.ndim == 3 else "gist"


def _validate(method: str, n_bits: int, seed: int) -> MethodSpec:
    spec = method_spec(method)
    check_n_bits(n_bits)  # the same bound for baselines as for deep training
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return spec


def checkpoint_dir_for(profile: str, variant: str, protocol: str, method: str, n_bits: int, seed: int) -> Path:
    """Where a checkpointed profile keeps one cell's training checkpoint: under ``$HASHLIB_CHECKPOINTS``
    or the checkout's ``artifacts/checkpoints``, as ``<profile>/<variant>-<protocol>/<method>-<bits>b-seed<seed>``."""
    from hashlib_core.files import repo_root

    root = Path(os.environ.get("HASHLIB_CHECKPOINTS") or repo_root() / "artifacts" / "checkpoints")
    return root / profile / f"{variant}-{protocol}" / f"{method}-{n_bits}b-seed{seed}"


def make_estimator(method: str, n_bits: int, seed: int = 0, settings: dict | None = None, *,
                   device: str = "auto", n_classes: int | None = None):
    """The estimator of ``method`` (a baseline's class, or :class:`~hashlib_core.train.estimator.DeepHashing`)
    with the profile's ``settings``; baselines take their ``features`` setting from :func:`_inputs`."""
    spec, settings = method_spec(method), dict(settings or {})
    if spec.is_deep:
        from hashlib_core.train.estimator import DeepHashing

        return DeepHashing(method, n_bits, random_state=seed, device=device, n_classes=n_classes, config=settings)
    settings.pop("features", None)
    return spec.estimator(n_bits=n_bits, random_state=seed, **settings)


def _inputs(spec: MethodSpec, ds, settings: dict) -> tuple[np.ndarray, str | None, dict]:
    """What the method is fitted on: images (deep) or hand-crafted features (baselines), their kind and timing."""
    if spec.is_deep:
        return ds.images, None, {}
    from hashlib_core.features import extract_features

    kind = settings.get("features") or default_features(ds)
    t0 = time.perf_counter()
    features = extract_features(ds, kind=kind)
    return features, kind, {"features_s": time.perf_counter() - t0}


def _fit_and_encode(spec: MethodSpec, estimator, ds, split, settings: dict) -> CellOutput:
    """Fit on the training split (deep methods select their epoch on the validation split), encode queries and database."""
    X, kind, timings = _inputs(spec, ds, settings)
    validation = {"X_val": X[split.validation], "y_val": ds.labels[split.validation]} if spec.is_deep else {}
    t0 = time.perf_counter()
    estimator.fit(X[split.train], ds.labels[split.train], **validation)
    timings["train_s" if spec.is_deep else "fit_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    query_codes, db_codes = estimator.transform(X[split.query]), estimator.transform(X[split.database])
    timings["encode_s"] = time.perf_counter() - t0
    if not spec.is_deep:
        return CellOutput(query_codes, db_codes, {"estimator": repr(estimator), **estimator.get_params()}, timings,
                          features=kind)
    result = estimator.result_
    return CellOutput(query_codes, db_codes, result.config_dict(), timings, training=_training_summary(result),
                      device=result.device,
                      query_predictions=estimator.predict(X[split.query]) if spec.classifies else None)


def _training_summary(result) -> dict:
    """The training facts a record keeps: history, selected epoch, images seen, throughput."""
    return {"history": result.history, "best_epoch": result.best_epoch,
            "images_seen": int(sum(h["images"] for h in result.history)),
            "best_val_map": result.best_val_map, "images_per_second": result.images_per_second,
            "pretrained_weights": bool(result.pretrained_weights)}


def run_experiment(method: str, dataset: str, protocol: str, n_bits: int, seed: int = 0, profile: str = "smoke",
                   *, device: str = "auto", results_dir: str | Path | None = None, write: bool = True,
                   data_dir: str | Path | None = None, **overrides) -> dict:
    """Run one cell of the grid and return its record (also written to ``results_dir`` when ``write``).

    ``overrides`` replace the profile's settings for this method (``epochs=5``, ``n_anchors=500`` …).

    Raises:
        ValueError: unknown method/dataset/protocol/profile names, bad ``n_bits`` or ``seed``, or
            (``OutputPathError``) a results folder that cannot be written: all before any work.
    """
    from hashlib_core.data import load_dataset
    from hashlib_core.eval import evaluate
    from hashlib_core.files import check_writable_dir
    from hashlib_core.protocols import make_split
    from hashlib_core.results import build_record, default_results_dir, run_environment, write_record
    from hashlib_core.results.audit import prediction_accuracy

    spec = _validate(method, n_bits, seed)
    prof = load_profile(profile)
    if write:  # fail now, not after training
        check_writable_dir(Path(results_dir or default_results_dir()) / prof["name"], "results folder")
    ds = load_dataset(dataset, data_dir=data_dir)
    settings = {**method_settings(prof, method, ds.name, spec.settings_section, protocol), **overrides}
    split = make_split(ds, protocol, seed=seed, **prof.get("split", {}).get(protocol, {}))
    checkpoint_dir = (checkpoint_dir_for(prof["name"], ds.variant, protocol, method, n_bits, seed)
                      if spec.is_deep and prof.get("checkpoints") else None)
    start = time.perf_counter()
    estimator = make_estimator(method, n_bits, seed, _train_settings(spec, settings, ds, split, checkpoint_dir),
                               device=device, n_classes=ds.n_classes if spec.is_deep else None)
    out = _fit_and_encode(spec, estimator, ds, split, settings)
    t0 = time.perf_counter()
    metrics = evaluate(out.query_codes, out.db_codes, ds.labels[split.query], ds.labels[split.database], **EVALUATION)
    if out.query_predictions is not None:  # stored with the codes, so that the audit recomputes accuracy
        metrics["accuracy"] = prediction_accuracy(out.query_predictions, ds.labels[split.query])
    out.timings.update(evaluate_s=time.perf_counter() - t0, total_s=time.perf_counter() - start)
    record = build_record(
        paper=spec.paper, method=method, split=split, n_bits=n_bits, profile=prof["name"], metrics=metrics,
        query_codes=out.query_codes, db_codes=out.db_codes, query_labels=ds.labels[split.query],
        db_labels=ds.labels[split.database],
        hyperparameters={**out.hyperparameters, "evaluation": EVALUATION, "profile_settings": settings},
        environment=run_environment(out.device), timings=out.timings, features=out.features, training=out.training,
        query_predictions=out.query_predictions)
    if write:
        record["_path"] = str(write_record(record, results_dir))
        if checkpoint_dir is not None:  # the record is committed: the cell's checkpoint is no longer needed
            shutil.rmtree(checkpoint_dir, ignore_errors=True)
    return record


def _train_settings(spec: MethodSpec, settings: dict, ds, split, checkpoint_dir: Path | None) -> dict:
    """The estimator's settings: a deep method's TrainConfig fields (with the data's names and its checkpoint)."""
    if not spec.is_deep:
        return settings
    extra = {"dataset": ds.name, "protocol": split.protocol}
    if checkpoint_dir is not None:  # an interrupted cell continues from its last completed epoch
        extra.update(checkpoint_dir=str(checkpoint_dir), resume=True)
    return {**settings, **extra}

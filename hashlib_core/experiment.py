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
from pathlib import Path

import numpy as np

from hashlib_core.papers import METHOD_PAPER
from hashlib_core.profiles import load_profile, method_settings

__all__ = ["run_experiment", "BASELINES", "DEEP_METHODS", "default_features", "EVALUATION"]

BASELINES = ("lsh", "itq", "itq-cca", "ksh", "sh")
DEEP_METHODS = ("dnnh", "dnnh-fc", "expo", "expo-pretrain", "nin-latent", "dlbhc", "ssdh")
#: evaluation settings stored in every record (the book reports tie-aware expected AP)
EVALUATION = {"topk": [1000, 5000], "radius": 2, "ties": "expected"}


def default_features(dataset) -> str:
    """The papers' hand-crafted features: raw pixels for grayscale images, GIST for colour."""
    return "pixels" if dataset.images.ndim == 3 else "gist"


def _validate(method: str, n_bits: int, seed: int) -> None:
    if method not in BASELINES + DEEP_METHODS:
        raise ValueError(f"unknown method {method!r}; valid methods: {', '.join(BASELINES + DEEP_METHODS)}")
    from hashlib_core.models.registry import _check_bits

    _check_bits(n_bits)  # the same bound (MAX_BITS) for baselines as for deep training
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")


def _run_baseline(method, ds, split, n_bits, seed, settings):
    from hashlib_core.baselines import BASELINE_CLASSES
    from hashlib_core.features import extract_features

    kind = settings.get("features") or default_features(ds)
    t0 = time.perf_counter()
    features = extract_features(ds, kind=kind)
    t_features = time.perf_counter() - t0
    params = {k: v for k, v in settings.items() if k not in ("features",)}
    estimator = BASELINE_CLASSES[method](n_bits=n_bits, random_state=seed, **params)
    t0 = time.perf_counter()
    if estimator._requires_y:
        estimator.fit(features[split.train], ds.labels[split.train])
    else:
        estimator.fit(features[split.train])
    t_fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    query_codes = estimator.transform(features[split.query])
    db_codes = estimator.transform(features[split.database])
    t_encode = time.perf_counter() - t0
    hyper = {"estimator": repr(estimator), **estimator.get_params()}
    timings = {"features_s": t_features, "fit_s": t_fit, "encode_s": t_encode}
    return query_codes, db_codes, hyper, timings, {}, kind, "cpu", {}


def checkpoint_dir_for(profile: str, variant: str, protocol: str, method: str, n_bits: int, seed: int) -> Path:
    """Where a checkpointed profile keeps one cell's training checkpoint: under ``$HASHLIB_CHECKPOINTS``
    or the checkout's ``artifacts/checkpoints``, as ``<profile>/<variant>-<protocol>/<method>-<bits>b-seed<seed>``."""
    from hashlib_core.io import repo_root

    root = Path(os.environ.get("HASHLIB_CHECKPOINTS") or repo_root() / "artifacts" / "checkpoints")
    return root / profile / f"{variant}-{protocol}" / f"{method}-{n_bits}b-seed{seed}"


def _run_deep(method, ds, split, n_bits, seed, settings, device, checkpoint_dir=None):
    from hashlib_core.train import TrainConfig, train

    config_fields = dict(settings)
    if checkpoint_dir is not None:  # an interrupted cell continues from its last completed epoch
        config_fields.update(checkpoint_dir=str(checkpoint_dir), resume=True)
    if method == "expo-pretrain":
        method_name = "expo"
        config_fields.setdefault("pretrain_epochs", 2)
    else:
        method_name = method
        if method == "expo":
            config_fields["pretrain_epochs"] = 0
    config = TrainConfig(method=method_name, dataset=ds.name, protocol=split.protocol, n_bits=n_bits,
                         seed=seed, device=device, **config_fields)
    t0 = time.perf_counter()
    result = train(config, dataset=ds, split=split)
    t_train = time.perf_counter() - t0
    t0 = time.perf_counter()
    query_codes = result.encode(ds.images[split.query])
    db_codes = result.encode(ds.images[split.database])
    t_encode = time.perf_counter() - t0
    extra_metrics = {}
    if getattr(result, "classifies", False):  # the predictions are stored, so that the audit recomputes accuracy
        from hashlib_core.results.audit import prediction_accuracy
        from hashlib_core.results.store import PREDICTIONS

        predictions = result.model.predict(ds.images[split.query], result.config.eval_batch_size).numpy()
        extra_metrics.update({"accuracy": prediction_accuracy(predictions, ds.labels[split.query]),
                              PREDICTIONS: predictions})
    training = {"history": result.history, "best_epoch": result.best_epoch,
                "images_seen": int(sum(h["images"] for h in result.history)),
                "best_val_map": result.best_val_map, "images_per_second": result.images_per_second,
                "pretrained_weights": bool(result.pretrained_weights)}
    timings = {"train_s": t_train, "encode_s": t_encode}
    return query_codes, db_codes, result.config_dict(), timings, training, None, result.device, extra_metrics


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
    from hashlib_core.io import check_writable_dir
    from hashlib_core.protocols import make_split
    from hashlib_core.results import PREDICTIONS, build_record, default_results_dir, run_environment, write_record

    _validate(method, n_bits, seed)
    prof = load_profile(profile)
    if write:  # fail now, not after training
        check_writable_dir(Path(results_dir or default_results_dir()) / prof["name"], "results folder")
    ds = load_dataset(dataset, data_dir=data_dir)
    section = "baselines" if method in BASELINES else "train"
    settings = {**method_settings(prof, method, ds.name, section, protocol), **overrides}
    split_sizes = prof.get("split", {}).get(protocol, {})
    split = make_split(ds, protocol, seed=seed, **split_sizes)
    start = time.perf_counter()
    checkpoint_dir = None
    if method in BASELINES:
        out = _run_baseline(method, ds, split, n_bits, seed, settings)
    else:
        checkpoint_dir = (checkpoint_dir_for(prof["name"], ds.variant, protocol, method, n_bits, seed)
                          if prof.get("checkpoints") else None)
        out = _run_deep(method, ds, split, n_bits, seed, settings, device, checkpoint_dir)
    query_codes, db_codes, hyper, timings, training, features, used_device, extra = out
    t0 = time.perf_counter()
    metrics = evaluate(query_codes, db_codes, ds.labels[split.query], ds.labels[split.database], **EVALUATION)
    predictions = extra.pop(PREDICTIONS, None)  # stored with the codes (see _run_deep)
    metrics.update(extra)
    timings["evaluate_s"] = time.perf_counter() - t0
    timings["total_s"] = time.perf_counter() - start
    hyper = {**hyper, "evaluation": EVALUATION, "profile_settings": settings}
    record = build_record(
        paper=METHOD_PAPER[method], method=method, split=split, n_bits=n_bits, profile=prof["name"],
        metrics=metrics, query_codes=query_codes, db_codes=db_codes, query_labels=ds.labels[split.query],
        db_labels=ds.labels[split.database], hyperparameters=hyper, environment=run_environment(used_device),
        timings=timings, features=features, training=training, query_predictions=predictions)
    if write:
        record["_path"] = str(write_record(record, results_dir))
        if checkpoint_dir is not None:  # the record is committed: the cell's checkpoint is no longer needed
            shutil.rmtree(checkpoint_dir, ignore_errors=True)
    return record

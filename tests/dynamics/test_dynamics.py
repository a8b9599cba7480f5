"""Learning curves and the still-rising verdict, checked against hand-computed histories."""
from __future__ import annotations

import pytest

import hashlib_core.dynamics as dynamics


def _record(profile, vals, images=1000, seed=0, best_epoch=None):
    history = [{"epoch": e + 1, "images": images, "val_map": v} for e, v in enumerate(vals)]
    validated = [(h["epoch"], h["val_map"]) for h in history if h["val_map"] is not None]
    best = max(validated, key=lambda p: p[1])
    return {"profile": profile, "method": "dnnh", "dataset": "cifar10", "protocol": "cnnh", "n_bits": 48,
            "seed": seed, "metrics": {"map@all": 0.5}, "timings": {"total_s": 7200.0},
            "environment": {"device": f"CPU: {profile} machine (2 cores, 2 torch threads)"},
            "hyperparameters": {"epsilon": 0.5, "margin": 2.0},
            "training": {"history": history, "best_epoch": best_epoch or best[0], "best_val_map": best[1],
                         "images_per_second": 100.0}}


@pytest.fixture
def records(tmp_path, monkeypatch):
    runs = {"cpu": [_record("cpu", [0.1, None, 0.3, None, 0.5, None, 0.6, None]),      # rising at the end
                    _record("cpu", [0.1, 0.4, 0.5, 0.5, 0.5, 0.5, 0.5, 0.502], seed=1)],  # flat
            "reduced": [_record("reduced", [0.2, 0.3, 0.25, 0.2])]}                       # best early
    for profile in runs:
        (tmp_path / profile).mkdir()
    monkeypatch.setattr(dynamics, "iter_records", lambda root, profile: iter(runs[profile]))
    return tmp_path


def test_learning_curve_points_count_images_cumulatively(records):
    rows = dynamics.learning_curves(records, ["cpu"])
    first = [(r["epoch"], r["images"], r["val_map"]) for r in rows if r["seed"] == 0]
    assert first == [(1, 1000, 0.1), (3, 3000, 0.3), (5, 5000, 0.5), (7, 7000, 0.6)]


def test_still_rising_only_when_best_is_last_and_late_gain_is_real(records):
    rows = {(r["profile"], r["seed"]): r for r in dynamics.convergence_rows(records, ["cpu", "reduced", "full"])}
    rising, flat, early = rows["cpu", 0], rows["cpu", 1], rows["reduced", 0]
    # last quarter of 7,000 images starts after 5,250: the last validation before it is epoch 5 (0.5)
    assert rising["late_gain"] == pytest.approx(0.6 - 0.5) and rising["still_rising"]
    assert flat["late_gain"] == pytest.approx(0.502 - 0.5) and not flat["still_rising"]  # gain below RISING_GAIN
    assert early["best_epoch"] == 2 and not early["still_rising"]
    assert rising["images_seen"] == 8000 and rising["hours"] == 2.0 and rising["margin"] == 2.0
    assert rising["machine"] == "CPU: cpu machine (2 cores, 2 torch threads)"  # the hours are this machine's

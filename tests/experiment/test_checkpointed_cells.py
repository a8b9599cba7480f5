"""A checkpointed profile (``checkpoints = true``, e.g. ``cpu``): a cell interrupted after training
continues from its checkpoint instead of training again; the checkpoint goes once the record is written."""
from __future__ import annotations

import pytest

import hashlib_core.results as results
from hashlib_core.experiment import checkpoint_dir_for, run_experiment
from hashlib_core.profiles import load_profile, method_settings

CELL = dict(method="nin-latent", dataset="digits", protocol="cnnh-mini", n_bits=8, seed=0, profile="cpu")
TINY = dict(epochs=2, width_mult=0.125, val_every=1, progress=False, num_threads=1)


def test_cpu_profile_settings_per_method_and_protocol():
    cpu = load_profile("cpu")
    assert cpu["checkpoints"] is True
    dnnh = method_settings(cpu, "dnnh", "cifar10", "train", "cnnh")
    assert dnnh["epsilon"] == 0.5 and dnnh["margin"] == 2.0 and dnnh["width_mult"] == 1.0
    assert method_settings(cpu, "ssdh", "cifar10", "train", "dlbhc")["val_metric"] == "map@1000"
    assert "val_metric" not in method_settings(cpu, "ssdh", "cifar10", "train", "cnnh")


def test_interrupted_cell_resumes_from_its_checkpoint(monkeypatch, tmp_path):
    monkeypatch.setenv("HASHLIB_CHECKPOINTS", str(tmp_path / "ckpt"))
    checkpoint = checkpoint_dir_for("cpu", "digits", "cnnh-mini", "nin-latent", 8, 0)
    assert str(checkpoint).startswith(str(tmp_path))

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt  # the machine stops after training, before the record is written

    with monkeypatch.context() as m:
        m.setattr(results, "build_record", interrupted)
        with pytest.raises(KeyboardInterrupt):
            run_experiment(**CELL, results_dir=tmp_path / "results", **TINY)
    assert (checkpoint / "last.pt").is_file()
    first_history = _saved_history(checkpoint)

    record = run_experiment(**CELL, results_dir=tmp_path / "results", **TINY)
    assert record["training"]["history"] == first_history  # nothing trained again: same epochs, same timings
    assert record["training"]["images_seen"] == sum(h["images"] for h in first_history)
    assert record["hyperparameters"]["resume"] is True
    assert not checkpoint.exists()  # removed once the record is committed


def _saved_history(checkpoint) -> list[dict]:
    from hashlib_core.train.checkpoint import load_checkpoint

    return load_checkpoint(checkpoint)["state"]["history"]

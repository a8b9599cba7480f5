"""Determinism on CPU, crash + resume = uninterrupted run, early stopping restores the best weights."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from conftest import FAST

from hashlib_core.train import TrainConfig, train
from hashlib_core.train import loop as loop_module
from hashlib_core.train.checkpoint import checkpoint_path, load_checkpoint


class Crash(RuntimeError):
    pass


def same_weights(a, b) -> bool:
    sa, sb = a.model.state_dict(), b.model.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.fixture(scope="module")
def straight(digits, digits_split):
    """dnnh, 4 epochs, triplet subsampling (so the global RNG matters too), uninterrupted."""
    return train(TrainConfig(method="dnnh", epochs=4, max_triplets=3000, **FAST), digits, digits_split)


def test_same_config_twice_gives_identical_codes(straight, digits, digits_split):
    again = train(TrainConfig(method="dnnh", epochs=4, max_triplets=3000, **FAST), digits, digits_split)
    assert same_weights(straight, again)
    assert (straight.encode(digits.images) == again.encode(digits.images)).all()
    assert [h["val_map"] for h in straight.history] == [h["val_map"] for h in again.history]


def test_crash_after_two_epochs_then_resume_matches_straight_run(straight, digits, digits_split, tmp_path):
    config = TrainConfig(method="dnnh", epochs=4, max_triplets=3000, checkpoint_dir=str(tmp_path), **FAST)

    def crash_after_epoch_2(entry):
        if entry["epoch"] == 2:
            raise Crash("simulated interruption")

    with pytest.raises(Crash):
        train(config, digits, digits_split, on_epoch_end=crash_after_epoch_2)
    saved = load_checkpoint(tmp_path)
    assert saved["state"]["epoch"] == 2 and len(saved["state"]["history"]) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["last.pt"]  # written atomically: no temporary left
    resumed = train(dataclasses.replace(config, resume=True), digits, digits_split)
    assert same_weights(straight, resumed)
    assert (straight.encode(digits.images) == resumed.encode(digits.images)).all()
    assert [h["val_map"] for h in resumed.history] == [h["val_map"] for h in straight.history]
    assert resumed.best_epoch == straight.best_epoch
    # resuming a finished run trains nothing more and returns the same model
    again = train(dataclasses.replace(config, resume=True), digits, digits_split)
    assert same_weights(straight, again) and len(again.history) == 4


def test_resume_refuses_a_checkpoint_of_another_config(digits, digits_split, tmp_path):
    config = TrainConfig(method="ssdh", epochs=1, checkpoint_dir=str(tmp_path), **FAST)
    train(config, digits, digits_split)
    assert checkpoint_path(tmp_path).is_file()
    with pytest.raises(ValueError, match="different configuration.*n_bits"):
        train(dataclasses.replace(config, n_bits=8, resume=True), digits, digits_split)


def test_early_stopping_restores_the_best_weights(digits, digits_split, monkeypatch, tmp_path):
    scores = iter([0.5, 0.7, 0.6, 0.4, 0.3])
    monkeypatch.setattr(loop_module, "validation_map", lambda *args, **kwargs: next(scores))
    base = dict(method="nin-latent", lr_schedule="constant", **FAST)
    config = TrainConfig(epochs=5, early_stopping_patience=1, checkpoint_dir=str(tmp_path), **base)
    stopped = train(config, digits, digits_split)
    assert [h["val_map"] for h in stopped.history] == [0.5, 0.7, 0.6]
    assert (stopped.best_epoch, stopped.best_val_map) == (2, 0.7)
    assert not stopped.model.training
    resumed = train(dataclasses.replace(config, resume=True), digits, digits_split)  # stays stopped
    assert len(resumed.history) == 3 and same_weights(stopped, resumed)
    monkeypatch.setattr(loop_module, "validation_map", lambda *args, **kwargs: 0.0)
    two_epochs = train(TrainConfig(epochs=2, restore_best=False, **base), digits, digits_split)
    assert same_weights(stopped, two_epochs)  # constant LR: epoch 2 of 5 == a 2-epoch run


def test_max_steps_stops_early_and_still_validates(digits, digits_split):
    result = train(TrainConfig(method="dlbhc", epochs=3, max_steps=3, **FAST), digits, digits_split)
    assert len(result.history) == 1 and result.history[0]["steps"] == 3
    assert result.best_val_map is not None


def test_augmentation_runs(digits, digits_split):
    from hashlib_core.train.data import random_crop_flip

    x = torch.arange(2 * 3 * 8 * 8, dtype=torch.float32).reshape(2, 3, 8, 8)
    torch.manual_seed(0)
    out = random_crop_flip(x)
    assert out.shape == x.shape
    assert torch.equal(random_crop_flip(x, padding=0, flip=False), x)
    result = train(TrainConfig(method="ssdh", epochs=1, max_steps=2, augment=True, **FAST), digits, digits_split)
    assert result.history[0]["steps"] == 2


@pytest.mark.parametrize("method", ["expo", "ssdh", "dnnh"])
def test_mixed_precision_path_runs_on_cpu_too(method, digits, digits_split):
    """amp=True on CPU exercises the bfloat16 autocast path that CUDA uses by default."""
    pretrain = 1 if method == "expo" else 0
    result = train(TrainConfig(method=method, epochs=1, pretrain_epochs=pretrain, max_steps=12, amp=True,
                               channels_last=True, **FAST), digits, digits_split)
    assert all(np.isfinite(h["loss"]) for h in result.history)
    assert result.encode(digits.images[:5]).dtype == np.uint8

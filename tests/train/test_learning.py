"""Every method learns on digits: validation mAP after 3 epochs clearly above the untrained model's."""
from __future__ import annotations

import pytest
import torch
from conftest import FAST

from hashlib_core.models import METHODS, build_model
from hashlib_core.train import TrainConfig, train, validation_map
from hashlib_core.train.data import channel_statistics
from hashlib_core.train.loop import seed_everything


def untrained_val_map(config: TrainConfig, dataset, split) -> float:
    """The same model the loop starts from (same seed, same options), before any step."""
    seed_everything(config.seed)
    net = build_model(config.method, config.n_bits, dataset.n_classes, dataset.image_shape, **config.model_options())
    net.set_input_statistics(*channel_statistics(dataset.images[split.train]))
    return validation_map(net, dataset.images[split.validation], dataset.labels[split.validation],
                          dataset.images[split.train], dataset.labels[split.train])


@pytest.mark.parametrize("method", sorted(METHODS))
def test_method_learns_on_digits(method, digits, digits_split):
    config = TrainConfig(method=method, epochs=3, **FAST)
    before = untrained_val_map(config, digits, digits_split)
    result = train(config, digits, digits_split)
    assert result.best_val_map is not None
    assert result.best_val_map > before + 0.15, (before, [h["val_map"] for h in result.history])
    n_pretrain = result.config.pretrain_epochs  # expo-pretrain: its classifier epochs come first
    assert [h["epoch"] for h in result.history] == list(range(1, n_pretrain + 4))
    assert all(h["images"] == 500 and h["seconds"] > 0 for h in result.history)
    assert result.images_per_second > 0 and result.wall_time > 0 and result.device == "cpu"
    codes = result.encode_split(digits, digits_split)
    assert codes["query_codes"].shape == (100, 16) and codes["db_codes"].shape == (len(digits_split.database), 16)
    metrics = result.evaluate(digits, digits_split, curves=False)
    assert metrics["map@all"] > before + 0.1  # the test queries, evaluated once at the end
    if result.classifies:
        assert result.accuracy(digits.images[digits_split.query], digits.labels[digits_split.query]) > 0.2


def test_expo_pretraining_runs_classifier_epochs_first(digits, digits_split):
    result = train(TrainConfig(method="expo", epochs=2, pretrain_epochs=1, **FAST), digits, digits_split)
    assert [h["phase"] for h in result.history] == ["pretrain", "hash", "hash"]
    assert result.history[0]["val_map"] is None  # selection only among hashing epochs
    assert result.best_epoch in (2, 3)
    assert result.history[0]["loss"] > 1.0  # cross-entropy over 10 classes, not the expo loss (<= e)
    assert result.config.pretrain_epochs == 1 and result.config_dict()["lr"] == 1e-3


def test_triplet_subsampling_option_trains(digits, digits_split):
    result = train(TrainConfig(method="dnnh", epochs=1, max_triplets=500, **FAST), digits, digits_split)
    assert torch.isfinite(torch.tensor(result.history[0]["loss"]))

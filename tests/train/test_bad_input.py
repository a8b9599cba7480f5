"""Clear errors for bad training requests."""
from __future__ import annotations

import types

import numpy as np
import pytest
import torch
from conftest import FAST

from hashlib_core.train import TrainConfig, train


def fast(**kwargs) -> TrainConfig:
    return TrainConfig(**{**FAST, "epochs": 1, "max_steps": 1, **kwargs})


def test_unknown_method_lists_valid_ones(digits, digits_split):
    with pytest.raises(ValueError, match="unknown method 'dsh'; valid methods: dnnh, dnnh-fc, expo"):
        train(fast(method="dsh"), digits, digits_split)


@pytest.mark.parametrize("bits", [0, 3.5, 1000])
def test_bits_not_allowed(bits, digits, digits_split):
    with pytest.raises(ValueError, match="n_bits"):
        train(fast(method="dnnh", n_bits=bits), digits, digits_split)


def test_labels_that_are_not_integers(digits, digits_split):
    fake = types.SimpleNamespace(name="digits", images=digits.images, labels=digits.labels.astype(np.float32),
                                 n_classes=10, image_shape=digits.image_shape)
    with pytest.raises(TypeError, match="labels must be integers"):
        train(fast(method="ssdh"), fake, digits_split)


def test_images_of_the_wrong_shape_for_the_model(digits, digits_split):
    result = train(fast(method="dnnh"), digits, digits_split)
    with pytest.raises(ValueError, match=r"NIN8 expects 1-channel 8x8 images .* got \(2, 3, 8, 8\)"):
        result.encode(np.zeros((2, 8, 8, 3), np.uint8))


@pytest.mark.parametrize("field,value,message", [
    ("optimizer", "rmsprop", "unknown optimizer"), ("lr_schedule", "linear", "unknown lr_schedule"),
    ("batch_size", 1, "batch_size"), ("epochs", -1, "epochs"), ("val_metric", "p@r2", "val_metric"),
    ("device", "tpu", "device"), ("pretrain_epochs", 2, "for methods expo, expo-pretrain only"),
    ("seed", -1, "seed"), ("epsilon", 0.9, "epsilon")])
def test_invalid_settings(field, value, message, digits, digits_split):
    with pytest.raises(ValueError, match=message):
        train(fast(method="dnnh", **{field: value}), digits, digits_split)


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available here")
def test_cuda_requested_without_cuda(digits, digits_split):
    with pytest.raises(ValueError, match="CUDA is not available"):
        train(fast(method="dnnh", device="cuda"), digits, digits_split)


def test_a_batch_without_triplets_warns_and_stays_finite(digits, digits_split):
    from hashlib_core.losses import NoTripletsWarning
    from hashlib_core.protocols import Split

    one_class = np.flatnonzero(digits.labels == 3)[:20]
    split = Split("custom", "digits", "digits", 0, query=digits_split.query, train=one_class,
                  validation=digits_split.validation, database=digits_split.database)
    with pytest.warns(NoTripletsWarning):
        result = train(fast(method="dnnh", max_steps=None, batch_size=10), digits, split)
    assert result.history[0]["loss"] == 0.0 and np.isfinite(result.best_val_map)


def test_invalid_loss_option(digits, digits_split):
    with pytest.raises(ValueError, match="pair_weighting"):
        train(fast(method="expo", pair_weighting="odd"), digits, digits_split)

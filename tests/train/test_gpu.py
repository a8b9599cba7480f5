"""CUDA: mixed precision, channels-last, data on the device (skipped without a GPU)."""
from __future__ import annotations

import pytest
import torch
from conftest import FAST

from hashlib_core.train import TrainConfig, train


@pytest.mark.gpu
@pytest.mark.parametrize("method", ["dnnh", "expo", "ssdh"])
def test_trains_on_cuda_with_amp(method, digits, digits_split):
    result = train(TrainConfig(method=method, epochs=2, device="cuda", **FAST), digits, digits_split)
    assert result.device.startswith("cuda") and result.config.amp is None
    assert next(result.model.parameters()).is_cuda
    codes = result.encode(digits.images[digits_split.query])
    assert codes.shape == (100, 16) and codes.dtype.name == "uint8"
    assert all(torch.isfinite(torch.tensor(h["loss"])) for h in result.history)
    assert result.best_val_map > 0.2


@pytest.mark.gpu
def test_cuda_is_deterministic_enough_for_the_same_codes_in_deterministic_mode(digits, digits_split):
    config = TrainConfig(method="nin-latent", epochs=1, device="cuda", amp=False, deterministic=True, **FAST)
    a, b = train(config, digits, digits_split), train(config, digits, digits_split)
    assert (a.encode(digits.images) == b.encode(digits.images)).mean() > 0.99

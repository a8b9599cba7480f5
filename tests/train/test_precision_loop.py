"""The loop records the precision it used, and computes the losses in float32 under autocast."""
from __future__ import annotations

import math

import torch

from hashlib_core.models.precision import default_amp
from hashlib_core.train import TrainConfig, train

from conftest import FAST


def test_resolved_precision_is_recorded(digits, digits_split):
    result = train(TrainConfig(method="nin-latent", epochs=1, **FAST), digits, digits_split)
    assert result.config.amp is default_amp("cpu") and result.config.channels_last is True
    assert result.model.inference_amp is result.config.amp


def test_losses_run_in_float32_under_bfloat16_autocast(digits, digits_split, monkeypatch):
    from hashlib_core.losses import exponentiated

    seen = []
    original = exponentiated.ExponentiatedPairLoss.forward

    def spy(self, h, labels):
        seen.append(torch.is_autocast_enabled("cpu"))
        return original(self, h, labels)

    monkeypatch.setattr(exponentiated.ExponentiatedPairLoss, "forward", spy)
    result = train(TrainConfig(method="expo", epochs=1, amp=True, **FAST), digits, digits_split)
    assert seen and not any(seen)  # the bilinear form h hᵀ is not computed in bfloat16
    assert all(math.isfinite(h["loss"]) for h in result.history)

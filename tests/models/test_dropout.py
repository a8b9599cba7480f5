"""Dropout in the NIN stack, as in DNNH's released network (after the first and third pooling)."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from hashlib_core.models import NIN, build_model


def test_dropout_sits_after_pools_one_and_three_and_only_when_asked():
    plain, dropped = NIN(3, 32, 100), NIN(3, 32, 100, dropout=0.5)
    kinds = [type(m).__name__ for m in dropped.features]
    assert [kinds[i - 1] for i, k in enumerate(kinds) if k == "Dropout"] == ["MaxPool2d", "AvgPool2d"]
    assert not any(isinstance(m, nn.Dropout) for m in plain.features)
    assert list(NIN(3, 32, 100, dropout=0.0).state_dict()) == list(plain.state_dict())  # keys unchanged


def test_dropout_is_random_in_training_and_off_in_eval():
    torch.manual_seed(0)
    net, x = NIN(3, 32, 20, width_mult=0.125, dropout=0.5), torch.randn(4, 3, 32, 32)
    assert not torch.equal(net.train()(x), net(x))
    assert torch.equal(net.eval()(x), net(x))


def test_dropout_reaches_the_network_through_build_model_and_is_checked():
    model = build_model("dnnh", 12, 10, (32, 32, 3), width_mult=0.125, dropout=0.5)
    assert sum(isinstance(m, nn.Dropout) for m in model.modules()) == 2
    with pytest.raises(ValueError, match="dropout must be in"):
        build_model("dnnh", 12, 10, (32, 32, 3), dropout=1.0)
    with pytest.raises(ValueError, match="NIN backbone only"):
        build_model("ssdh", 12, 10, (32, 32, 3), backbone="alexnet", dropout=0.5)


def test_train_config_forwards_dropout():
    from hashlib_core.train import TrainConfig

    assert TrainConfig(dropout=0.5).model_options()["dropout"] == 0.5

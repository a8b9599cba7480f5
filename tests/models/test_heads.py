"""Hash heads: the piece-wise threshold's values and gradient, divide-and-encode's slice independence."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from hashlib_core.models import (DivideAndEncode, FullyConnectedEncode, LatentSigmoid, PiecewiseThreshold, TanhSign,
                                 piecewise_threshold)


def test_piecewise_threshold_values():
    s = torch.tensor([0.0, 0.39, 0.4, 0.45, 0.5, 0.55, 0.6, 0.61, 1.0], dtype=torch.float64)
    g = piecewise_threshold(s, 0.1)
    assert g.tolist() == pytest.approx([0.0, 0.0, 0.4, 0.45, 0.5, 0.55, 0.6, 1.0, 1.0])
    assert piecewise_threshold(s, 0.0).tolist() == [0, 0, 0, 0, 0.5, 1, 1, 1, 1]


def test_piecewise_threshold_gradient_is_one_inside_the_band_zero_outside():
    s = torch.tensor([0.1, 0.35, 0.42, 0.5, 0.58, 0.65, 0.9], dtype=torch.float64, requires_grad=True)
    piecewise_threshold(s, 0.1).sum().backward()
    assert s.grad.tolist() == [0, 0, 1, 1, 1, 0, 0]


def test_straight_through_variant_passes_every_gradient():
    s = torch.tensor([0.1, 0.5, 0.9], requires_grad=True)
    g = piecewise_threshold(s, 0.1, gradient="straight-through")
    assert g.tolist() == pytest.approx([0.0, 0.5, 1.0])
    g.sum().backward()
    assert s.grad.tolist() == [1, 1, 1]


def test_threshold_rejects_bad_arguments():
    with pytest.raises(ValueError, match="epsilon"):
        PiecewiseThreshold(0.7)
    with pytest.raises(ValueError, match="gradient"):
        PiecewiseThreshold(0.1, gradient="magic")


def test_divide_and_encode_slice_k_changes_output_k_alone():
    torch.manual_seed(0)
    head = DivideAndEncode(n_bits=6, slice_size=50)
    x = torch.randn(3, 300)
    base = head(x)["preactivation"]
    for k in range(6):
        x2 = x.clone()
        x2[:, k * 50:(k + 1) * 50] += torch.randn(3, 50)
        changed = (head(x2)["preactivation"] != base).any(0)
        assert changed.tolist() == [i == k for i in range(6)]


def test_divide_and_encode_equals_q_separate_linear_units():
    torch.manual_seed(1)
    head = DivideAndEncode(n_bits=4, slice_size=5, epsilon=0.1)
    x = torch.randn(7, 20)
    units = [nn.Linear(5, 1) for _ in range(4)]
    for k, unit in enumerate(units):
        unit.weight.data.copy_(head.weight.data[k:k + 1])
        unit.bias.data.copy_(head.bias.data[k:k + 1])
    z = torch.cat([units[k](x[:, k * 5:(k + 1) * 5]) for k in range(4)], dim=1)
    out = head(x)
    torch.testing.assert_close(out["preactivation"], z)
    torch.testing.assert_close(out["sigmoid"], torch.sigmoid(z))
    torch.testing.assert_close(out["relaxed"], piecewise_threshold(torch.sigmoid(z), 0.1))
    assert torch.equal(head.bits(out), torch.sigmoid(z) > 0.5)


def test_divide_and_encode_checks_feature_count():
    with pytest.raises(ValueError, match="250"):
        DivideAndEncode(5)(torch.randn(2, 240))


def test_fully_connected_ablation_mixes_all_features():
    torch.manual_seed(0)
    head = FullyConnectedEncode(n_bits=3, slice_size=4)
    x = torch.randn(2, 12)
    x2 = x.clone()
    x2[:, :4] += 1.0
    assert (head(x2)["preactivation"] != head(x)["preactivation"]).all()


def test_latent_sigmoid_and_tanh_sign_heads():
    torch.manual_seed(0)
    latent = LatentSigmoid(10, 6, n_classes=4)
    out = latent(torch.randn(5, 10))
    assert out["logits"].shape == (5, 4) and out["relaxed"].shape == (5, 6)
    assert torch.equal(latent.bits(out), out["relaxed"] > 0.5)
    tanh = TanhSign(10, 6, beta=2.0)
    out = tanh(torch.randn(5, 10))
    torch.testing.assert_close(out["relaxed"], torch.tanh(2.0 * out["preactivation"]))
    assert torch.equal(tanh.bits(out), torch.sign(out["preactivation"]) > 0)

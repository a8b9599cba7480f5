"""Mu & Liu's exponentiated pairwise loss against a naive double loop; gradcheck in float64."""
from __future__ import annotations

import math

import pytest
import torch

from hashlib_core.losses import ExponentiatedPairLoss


def naive_expo(h: torch.Tensor, labels: list[int], weighting: str = "uniform") -> float:
    n, q = h.shape
    similar, dissimilar = [], []
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            s = 1.0 if labels[i] == labels[j] else -1.0
            inner = sum(float(h[i, k]) * float(h[j, k]) for k in range(q))
            (similar if s > 0 else dissimilar).append(math.exp(-s * inner / q))
    if weighting == "uniform":
        return (sum(similar) + sum(dissimilar)) / (len(similar) + len(dissimilar))
    return sum(sum(g) / len(g) for g in (similar, dissimilar) if g)


@pytest.mark.parametrize("weighting", ["uniform", "balanced"])
@pytest.mark.parametrize("seed", range(3))
def test_matches_naive_double_loop(weighting, seed):
    g = torch.Generator().manual_seed(seed)
    h = torch.tanh(torch.randn(7, 6, generator=g, dtype=torch.float64))
    labels = torch.randint(0, 3, (7,), generator=g)
    got = ExponentiatedPairLoss(weighting)(h, labels).item()
    assert got == pytest.approx(naive_expo(h, labels.tolist(), weighting), rel=1e-12)


def test_discrete_codes_give_the_exponentiated_hashing_loss():
    b = torch.tensor([[1.0, 1.0], [1.0, 1.0], [-1.0, -1.0]], dtype=torch.float64)
    labels = torch.tensor([0, 0, 1])
    # pairs: (0,1) similar, agree → e^-1 (x2 ordered); (0,2),(1,2) dissimilar, opposite → e^-1 (x4)
    assert ExponentiatedPairLoss()(b, labels).item() == pytest.approx(math.exp(-1))


def test_gradcheck_float64_through_tanh():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(6, 4, generator=g, dtype=torch.float64, requires_grad=True)
    labels = torch.tensor([0, 0, 1, 1, 2, 0])
    for weighting in ("uniform", "balanced"):
        loss = ExponentiatedPairLoss(weighting)
        assert torch.autograd.gradcheck(lambda x: loss(torch.tanh(1.5 * x), labels), (z,))


def test_single_image_batch_is_zero_with_graph():
    h = torch.rand(1, 4, requires_grad=True)
    loss = ExponentiatedPairLoss()(h, torch.tensor([0]))
    loss.backward()
    assert loss.item() == 0.0 and torch.isfinite(h.grad).all()


def test_bad_arguments():
    with pytest.raises(ValueError, match="pair_weighting"):
        ExponentiatedPairLoss("other")
    with pytest.raises(TypeError, match="integer"):
        ExponentiatedPairLoss()(torch.rand(3, 2), torch.tensor([0.5, 1.0, 2.0]))

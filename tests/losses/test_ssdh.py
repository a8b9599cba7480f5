"""SSDH's K1 (binarization) and K2 (balance) terms against naive loops, and the composed objective."""
from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from hashlib_core.losses import ClassificationLoss, SSDHLoss, balance_term, binarization_term


def naive_k1(h):
    n, q = h.shape
    return -sum((float(h[i, k]) - 0.5) ** 2 for i in range(n) for k in range(q)) / (2 * n * q)


def naive_k2(h):
    n, q = h.shape
    return sum((sum(float(h[i, k]) for k in range(q)) / q - 0.5) ** 2 for i in range(n)) / (2 * n)


@pytest.mark.parametrize("seed", range(3))
def test_terms_match_naive_loops(seed):
    h = torch.rand(5, 7, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    assert binarization_term(h).item() == pytest.approx(naive_k1(h), rel=1e-12)
    assert balance_term(h).item() == pytest.approx(naive_k2(h), rel=1e-12)


def test_signs_and_extremes():
    binary = torch.tensor([[0.0, 1.0], [1.0, 0.0]])
    half = torch.full((2, 2), 0.5)
    assert binarization_term(binary).item() == pytest.approx(-0.125)  # K1 is negative as written
    assert binarization_term(half).item() == 0.0  # its maximum: every unit at 0.5
    assert balance_term(binary).item() == 0.0  # half of the bits fire in every code
    assert balance_term(torch.ones(3, 4)).item() == pytest.approx(0.125)


def test_minimising_k1_pushes_units_away_from_half():
    h = torch.tensor([[0.6, 0.3]], requires_grad=True)
    binarization_term(h).backward()
    assert h.grad[0, 0] < 0 and h.grad[0, 1] > 0  # descent raises 0.6, lowers 0.3


def test_objective_is_cross_entropy_plus_weighted_terms():
    torch.manual_seed(0)
    h, logits, labels = torch.rand(6, 8), torch.randn(6, 4), torch.tensor([0, 1, 2, 3, 0, 1])
    expected = F.cross_entropy(logits, labels) + 2.0 * binarization_term(h) + 0.5 * balance_term(h)
    got = SSDHLoss(binarization_weight=2.0, balance_weight=0.5)(h, logits, labels)
    assert got.item() == pytest.approx(expected.item(), rel=1e-6)
    assert ClassificationLoss()(logits, labels).item() == pytest.approx(F.cross_entropy(logits, labels).item())

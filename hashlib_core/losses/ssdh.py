"""SSDH's objective (Yang, Lin, Chen, TPAMI 2017): classification + binarization + balance.

For latent activations h ``(N, q)`` in (0, 1), the authors' released configuration:

- K1 = −Σ_{n,k} (h_nk − 0.5)² / (2·N·q) — negative as written: *minimising* it pushes every
  unit away from 0.5, towards 0 or 1;
- K2 = Σ_n (mean_k h_nk − 0.5)² / (2·N) — each code fires about half of its bits;
- E = cross-entropy(logits, y) + binarization_weight · K1 + balance_weight · K2 (weights 1 and 1).
"""
from __future__ import annotations

import torch
from torch import nn

from hashlib_core.losses.classification import ClassificationLoss

__all__ = ["binarization_term", "balance_term", "SSDHLoss"]


def binarization_term(h: torch.Tensor) -> torch.Tensor:
    """K1 = −Σ (h − 0.5)² / (2 N q) for h ``(N, q)`` (a scalar ≤ 0)."""
    h = h.float() if h.dtype != torch.float64 else h
    return -((h - 0.5) ** 2).sum() / (2 * h.shape[0] * h.shape[1])


def balance_term(h: torch.Tensor) -> torch.Tensor:
    """K2 = Σ_n (mean_k h_nk − 0.5)² / (2 N) for h ``(N, q)`` (a scalar ≥ 0)."""
    h = h.float() if h.dtype != torch.float64 else h
    return ((h.mean(dim=1) - 0.5) ** 2).sum() / (2 * h.shape[0])


class SSDHLoss(nn.Module):
    """``forward(h (N, q), logits (N, C), labels (N,)) -> CE + w1·K1(h) + w2·K2(h)``."""

    def __init__(self, binarization_weight: float = 1.0, balance_weight: float = 1.0):
        super().__init__()
        self.binarization_weight, self.balance_weight = float(binarization_weight), float(balance_weight)
        self.classification = ClassificationLoss()

    def forward(self, h: torch.Tensor, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return (self.classification(logits, labels) + self.binarization_weight * binarization_term(h)
                + self.balance_weight * balance_term(h))

    def extra_repr(self) -> str:
        return f"binarization_weight={self.binarization_weight}, balance_weight={self.balance_weight}"

"""SSDH's objective (Yang, Lin, Chen, TPAMI 2017): classification + binarization + balance.

With latent activations ``h`` ``(N, q)`` in (0, 1), the authors' released configuration:
``K1 = −Σ (h − 0.5)² / (2 N q)`` (minimising it pushes every unit away from 0.5) and
``K2 = Σ_n (mean_k h_nk − 0.5)² / (2 N)`` (each code fires about half its bits).
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["BinarizationTerm", "BalanceTerm", "SSDHLoss", "ClassificationLoss"]


class BinarizationTerm(nn.Module):
    """``K1 = −Σ (h − 0.5)² / (2 N q)``."""

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return -((h - 0.5) ** 2).sum() / (2 * h.shape[0] * h.shape[1])


class BalanceTerm(nn.Module):
    """``K2 = Σ_n (mean_k h_nk − 0.5)² / (2 N)``."""

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return ((h.mean(dim=1) - 0.5) ** 2).sum() / (2 * h.shape[0])


class ClassificationLoss(nn.Module):
    """Softmax cross-entropy on the classifier's logits (DLBHC / seed 003 train with this alone)."""

    def forward(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(logits, labels)


class SSDHLoss(nn.Module):
    """``E = CE(logits, y) + alpha · K1(h) + beta · K2(h)`` (alpha = beta = 1 as released)."""

    def __init__(self, alpha: float = 1.0, beta: float = 1.0):
        super().__init__()
        self.alpha, self.beta = alpha, beta
        self.classification = ClassificationLoss()
        self.binarization = BinarizationTerm()
        self.balance = BalanceTerm()

    def forward(self, logits: torch.Tensor, h: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return (self.classification(logits, labels) + self.alpha * self.binarization(h)
                + self.beta * self.balance(h))

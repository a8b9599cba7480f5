"""Softmax cross-entropy on a classifier's logits (DLBHC, seed 003; part of SSDH; Mu & Liu's pre-training)."""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["ClassificationLoss", "check_labels"]


def check_labels(labels: torch.Tensor, n: int | None = None) -> None:
    """Raise ``TypeError`` unless ``labels`` is an integer tensor ``(n,)``."""
    if not isinstance(labels, torch.Tensor) or labels.dtype.is_floating_point or labels.dtype.is_complex \
            or labels.dtype == torch.bool:
        raise TypeError(f"labels must be an integer tensor (n,), got {getattr(labels, 'dtype', type(labels))}")
    if labels.ndim != 1 or (n is not None and labels.shape[0] != n):
        raise ValueError(f"labels must have shape ({n if n is not None else 'n'},), got {tuple(labels.shape)}")


class ClassificationLoss(nn.Module):
    """``forward(logits (n, C), labels (n,) int) -> mean cross-entropy``."""

    def forward(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        check_labels(labels, len(logits))
        return F.cross_entropy(logits.float(), labels.long())

"""Mu & Liu's exponentiated hashing loss with its smooth bilinear relaxation (AAAI 2017).

The paper's formula is not at hand; the reading implemented (``shared/papers.md``): for pairs
(i, j), i ≠ j, of a batch with s_ij = +1 when they share a label and −1 otherwise, the discrete
loss on codes b = sign(z) ∈ {−1, +1}^q is ``exp(−s_ij · b_iᵀb_j / q)``; the smooth version
replaces b by h = tanh(β z) (:class:`~hashlib_core.models.heads.TanhSign`, β a parameter there),
so the loss depends on the bilinear form h_iᵀh_j:

    L = mean over pairs (i, j), i ≠ j, of exp(−s_ij · h_iᵀ h_j / q)          (``pair_weighting="uniform"``)

Similar pairs are pulled to agreeing codes (h_iᵀh_j/q → 1, term → e⁻¹), dissimilar ones pushed to
opposite codes. With ``pair_weighting="balanced"`` the similar and dissimilar pairs are averaged
separately and the two means added (an alternative for many classes, where dissimilar pairs
dominate); the default is the uniform mean.
"""
from __future__ import annotations

import torch
from torch import nn

from hashlib_core.losses.classification import check_labels

__all__ = ["ExponentiatedPairLoss", "PAIR_WEIGHTINGS"]

PAIR_WEIGHTINGS = ("uniform", "balanced")


class ExponentiatedPairLoss(nn.Module):
    """``forward(h (n, q) in [−1, 1], labels (n,) int) -> mean_{i≠j} exp(−s_ij h_iᵀh_j / q)``.

    Computed in the input's floating dtype (float64 for ``gradcheck``); a batch of fewer than two
    images gives a zero loss that keeps the graph.
    """

    def __init__(self, pair_weighting: str = "uniform"):
        super().__init__()
        if pair_weighting not in PAIR_WEIGHTINGS:
            raise ValueError(f"unknown pair_weighting {pair_weighting!r}; valid: {', '.join(PAIR_WEIGHTINGS)}")
        self.pair_weighting = pair_weighting

    def forward(self, h: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        check_labels(labels, len(h))
        if h.dtype != torch.float64:
            h = h.float()
        n, q = h.shape
        if n < 2:
            return h.sum() * 0.0
        same = labels[:, None] == labels[None, :]
        s = same.to(h.dtype) * 2 - 1
        terms = torch.exp(-s * (h @ h.T) / q)
        off_diagonal = ~torch.eye(n, dtype=torch.bool, device=h.device)
        if self.pair_weighting == "uniform":
            return terms[off_diagonal].mean()
        total = h.sum() * 0.0
        for group in (same & off_diagonal, ~same):
            if bool(group.any()):
                total = total + terms[group].mean()
        return total

    def extra_repr(self) -> str:
        return f"pair_weighting={self.pair_weighting!r}"

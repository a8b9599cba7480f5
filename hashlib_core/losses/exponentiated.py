"""Mu & Liu's exponentiated hashing loss with its smooth bilinear relaxation (AAAI 2017).

The paper's exact formula is not at hand; the reading implemented (shared/papers.md): for each
pair (i, j) of the batch, i < j, with s_ij = +1 for a shared label and −1 otherwise,
``ℓ_ij = exp(−s_ij · h_iᵀh_j / q)`` where ``h = tanh(β z)`` relaxes ``b = sign(z)``; the loss is
the mean over pairs. With b in place of h this is exactly the discrete exponentiated loss.
"""
from __future__ import annotations

import torch
from torch import nn

__all__ = ["ExponentiatedHashingLoss"]


class ExponentiatedHashingLoss(nn.Module):
    """Mean over pairs i < j of ``exp(−s_ij · h_iᵀ h_j / q)``; ``h`` ``(n, q)`` in [−1, 1]."""

    def forward(self, codes: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        n, q = codes.shape
        if n < 2:
            return codes.sum() * 0.0
        similarity = torch.where(labels[:, None] == labels[None, :], 1.0, -1.0).to(codes.dtype)
        inner = codes @ codes.T / q
        upper = torch.triu(torch.ones(n, n, dtype=torch.bool, device=codes.device), diagonal=1)
        return torch.exp(-similarity * inner)[upper].mean()

"""Hash heads: features ``(n, d)`` → a relaxed code used by the loss, and bits at test time."""
from __future__ import annotations

import torch
from torch import nn

__all__ = ["piecewise_threshold", "DivideAndEncode", "FullyConnectedEncode", "LatentLayer", "TanhHead"]


def piecewise_threshold(s: torch.Tensor, epsilon: float) -> torch.Tensor:
    """DNNH's g(s): 0 below 0.5−ε, s inside |s−0.5| ≤ ε, 1 above 0.5+ε.

    Its derivative is 1 inside the band and 0 outside, which is exactly what autograd gives here.
    """
    zero, one = torch.zeros_like(s), torch.ones_like(s)
    return torch.where(s < 0.5 - epsilon, zero, torch.where(s > 0.5 + epsilon, one, s))


class DivideAndEncode(nn.Module):
    """q independent units: slice k (``slice_size`` features) → one weight vector → sigmoid → g(·).

    Input ``(n, q·slice_size)``; output dict with ``"s"`` (sigmoid, ``(n, q)``) and ``"h"`` (g(s)).
    """

    def __init__(self, n_bits: int, slice_size: int = 50, epsilon: float = 0.1):
        super().__init__()
        self.n_bits, self.slice_size, self.epsilon = n_bits, slice_size, epsilon
        self.weight = nn.Parameter(torch.randn(n_bits, slice_size) / slice_size ** 0.5)
        self.bias = nn.Parameter(torch.zeros(n_bits))

    def forward(self, x: torch.Tensor) -> dict:
        if x.shape[1] != self.n_bits * self.slice_size:
            raise ValueError(f"divide-and-encode expects {self.n_bits}x{self.slice_size} = "
                             f"{self.n_bits * self.slice_size} features, got {x.shape[1]}")
        z = torch.einsum("nqk,qk->nq", x.view(x.shape[0], self.n_bits, self.slice_size), self.weight) + self.bias
        s = torch.sigmoid(z)
        return {"z": z, "s": s, "h": piecewise_threshold(s, self.epsilon)}

    @staticmethod
    def bits(out: dict) -> torch.Tensor:
        return out["s"] > 0.5


class FullyConnectedEncode(DivideAndEncode):
    """The ablation of DNNH: one fully connected layer ``q·slice_size → q`` instead of q slices."""

    def __init__(self, n_bits: int, slice_size: int = 50, epsilon: float = 0.1):
        nn.Module.__init__(self)
        self.n_bits, self.slice_size, self.epsilon = n_bits, slice_size, epsilon
        self.linear = nn.Linear(n_bits * slice_size, n_bits)

    def forward(self, x: torch.Tensor) -> dict:
        z = self.linear(x)
        s = torch.sigmoid(z)
        return {"z": z, "s": s, "h": piecewise_threshold(s, self.epsilon)}


class LatentLayer(nn.Module):
    """A latent layer of q sigmoid units, optionally read by a classifier (DLBHC, seed 003, SSDH)."""

    def __init__(self, in_features: int, n_bits: int, n_classes: int | None = None):
        super().__init__()
        self.latent = nn.Linear(in_features, n_bits)
        self.classifier = nn.Linear(n_bits, n_classes) if n_classes else None

    def forward(self, x: torch.Tensor) -> dict:
        z = self.latent(x)
        h = torch.sigmoid(z)
        out = {"z": z, "s": h, "h": h}
        if self.classifier is not None:
            out["logits"] = self.classifier(h)
        return out

    @staticmethod
    def bits(out: dict) -> torch.Tensor:
        return out["s"] > 0.5


class TanhHead(nn.Module):
    """``h = tanh(β z)`` for the smooth bilinear relaxation; bits ``z > 0`` (i.e. sign(z) = +1).

    ``pretrain_classifier`` reads the backbone features directly, for Mu & Liu's pre-training stage.
    """

    def __init__(self, in_features: int, n_bits: int, beta: float = 1.0, n_classes: int | None = None):
        super().__init__()
        self.beta = beta
        self.linear = nn.Linear(in_features, n_bits)
        self.pretrain_classifier = nn.Linear(in_features, n_classes) if n_classes else None

    def forward(self, x: torch.Tensor) -> dict:
        z = self.linear(x)
        out = {"z": z, "s": z, "h": torch.tanh(self.beta * z)}
        if self.pretrain_classifier is not None:
            out["pretrain_logits"] = self.pretrain_classifier(x)
        return out

    @staticmethod
    def bits(out: dict) -> torch.Tensor:
        return out["z"] > 0

"""Hash heads: backbone features ``(n, d)`` → a dict of tensors, and the rule that turns it into bits.

Every head returns at least
    ``"preactivation"`` ``(n, q)``: the linear outputs z;
    ``"relaxed"`` ``(n, q)``: the differentiable code the hashing loss sees;
and ``bits(out)`` gives the test-time {0,1} codes as a bool tensor ``(n, q)``. Heads with a
classifier (latent-layer methods) also return ``"logits"`` ``(n, n_classes)``.

==========================  =========================================  ======================
head                        relaxed code (training)                    bits (test time)
==========================  =========================================  ======================
:class:`DivideAndEncode`    g(sigmoid(w_kᵀ x_k + b_k)), slice k only    sigmoid > 0.5
:class:`FullyConnectedEncode` g(sigmoid(W x + b)) (DNNH ablation)       sigmoid > 0.5
:class:`LatentSigmoid`      sigmoid(W x + b), classifier reads it      sigmoid > 0.5
:class:`TanhSign`           tanh(β z)                                  sign(z) = +1, i.e. z > 0
==========================  =========================================  ======================
"""
from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["piecewise_threshold", "PiecewiseThreshold", "DivideAndEncode", "FullyConnectedEncode",
           "LatentSigmoid", "TanhSign", "THRESHOLD_GRADIENTS"]

THRESHOLD_GRADIENTS = ("band", "straight-through")


def piecewise_threshold(s: torch.Tensor, epsilon: float, gradient: str = "band") -> torch.Tensor:
    """DNNH's piece-wise threshold g(s) = 0 if s < 0.5−ε, s if |s−0.5| ≤ ε, 1 if s > 0.5+ε (elementwise).

    ``gradient="band"`` (default) back-propagates g's own derivative: 1 inside the band
    |s−0.5| ≤ ε (the identity, i.e. straight-through there) and 0 outside, where g is constant.
    ``gradient="straight-through"`` passes the gradient through unchanged everywhere (an
    alternative reading, for experiments). ``epsilon`` = 0 gives a hard step.
    """
    if gradient not in THRESHOLD_GRADIENTS:
        raise ValueError(f"unknown threshold gradient {gradient!r}; valid: {', '.join(THRESHOLD_GRADIENTS)}")
    if not 0.0 <= epsilon <= 0.5:
        raise ValueError(f"epsilon must be in [0, 0.5], got {epsilon}")
    g = torch.where(s < 0.5 - epsilon, torch.zeros_like(s), torch.where(s > 0.5 + epsilon, torch.ones_like(s), s))
    if gradient == "straight-through":
        return s + (g - s).detach()
    return g


class PiecewiseThreshold(nn.Module):
    """Module form of :func:`piecewise_threshold` (records ``epsilon`` and the gradient rule)."""

    def __init__(self, epsilon: float = 0.1, gradient: str = "band"):
        super().__init__()
        piecewise_threshold(torch.zeros(1), epsilon, gradient)  # validate early
        self.epsilon, self.gradient = float(epsilon), gradient

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        return piecewise_threshold(s, self.epsilon, self.gradient)

    def extra_repr(self) -> str:
        return f"epsilon={self.epsilon}, gradient={self.gradient!r}"


class DivideAndEncode(nn.Module):
    """DNNH's divide-and-encode: q independent units, unit k sees only features ``[k·m, (k+1)·m)``.

    Input ``(n, q·m)`` (m = ``slice_size`` = 50 in the paper); one ``(q, m)`` weight and a ``(q,)``
    bias, applied as a grouped product (einsum), equal to q separate ``Linear(m, 1)`` layers.
    Output: ``preactivation`` z, ``sigmoid`` s, ``relaxed`` g(s) (:func:`piecewise_threshold`).
    """

    classifier = None

    def __init__(self, n_bits: int, slice_size: int = 50, epsilon: float = 0.1, threshold_gradient: str = "band"):
        super().__init__()
        if n_bits < 1 or slice_size < 1:
            raise ValueError(f"n_bits and slice_size must be >= 1, got {n_bits}, {slice_size}")
        self.n_bits, self.slice_size = int(n_bits), int(slice_size)
        self.in_features = self.n_bits * self.slice_size
        bound = 1.0 / math.sqrt(slice_size)  # nn.Linear(slice_size, 1)'s default initialisation range
        self.weight = nn.Parameter(torch.empty(n_bits, slice_size).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(n_bits).uniform_(-bound, bound))
        self.threshold = PiecewiseThreshold(epsilon, threshold_gradient)

    def encode_linear(self, x: torch.Tensor) -> torch.Tensor:
        """``(n, q·m)`` → z ``(n, q)`` with z_k = w_kᵀ x[k·m:(k+1)·m] + b_k."""
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"{type(self).__name__} expects (n, {self.in_features}) features "
                             f"({self.n_bits} bits x {self.slice_size}), got {tuple(x.shape)}")
        return torch.einsum("nqm,qm->nq", x.reshape(x.shape[0], self.n_bits, self.slice_size), self.weight) + self.bias

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        z = self.encode_linear(x)
        s = torch.sigmoid(z)
        return {"preactivation": z, "sigmoid": s, "relaxed": self.threshold(s)}

    def bits(self, out: dict[str, torch.Tensor]) -> torch.Tensor:
        """Test-time bits ``s > 0.5`` (bool ``(n, q)``), computed as z > 0 (the same test, exact in bfloat16)."""
        return out["preactivation"] > 0


class FullyConnectedEncode(DivideAndEncode):
    """DNNH's ablation: one fully connected layer ``q·m → q`` (every bit sees every feature)."""

    def __init__(self, n_bits: int, slice_size: int = 50, epsilon: float = 0.1, threshold_gradient: str = "band"):
        nn.Module.__init__(self)
        self.n_bits, self.slice_size = int(n_bits), int(slice_size)
        self.in_features = self.n_bits * self.slice_size
        self.linear = nn.Linear(self.in_features, self.n_bits)
        self.threshold = PiecewiseThreshold(epsilon, threshold_gradient)

    def encode_linear(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"{type(self).__name__} expects (n, {self.in_features}) features, got {tuple(x.shape)}")
        return self.linear(x)


class LatentSigmoid(nn.Module):
    """A latent layer of q sigmoid units (DLBHC, seed 003, SSDH), optionally read by a classifier.

    ``(n, d)`` → ``preactivation`` z, ``relaxed`` = ``sigmoid`` = h ``(n, q)``, and with
    ``n_classes``: ``logits = classifier(h)`` ``(n, n_classes)``. Bits: h > 0.5.
    """

    def __init__(self, in_features: int, n_bits: int, n_classes: int | None = None):
        super().__init__()
        self.n_bits = int(n_bits)
        self.latent = nn.Linear(in_features, n_bits)
        self.classifier = nn.Linear(n_bits, n_classes) if n_classes else None

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        z = self.latent(x)
        h = torch.sigmoid(z)
        out = {"preactivation": z, "sigmoid": h, "relaxed": h}
        if self.classifier is not None:
            out["logits"] = self.classifier(h)
        return out

    def bits(self, out: dict[str, torch.Tensor]) -> torch.Tensor:
        """h > 0.5, computed as z > 0 (the same test, exact in bfloat16)."""
        return out["preactivation"] > 0


class TanhSign(nn.Module):
    """Mu & Liu's head: ``relaxed = tanh(β z)`` during training, codes ``sign(z)`` (bit = z > 0).

    z = 0 exactly gives bit 0. ``beta`` sharpens the relaxation (tanh(βz) → sign(z) as β → ∞).
    """

    classifier = None

    def __init__(self, in_features: int, n_bits: int, beta: float = 1.0):
        super().__init__()
        if beta <= 0:
            raise ValueError(f"beta must be > 0, got {beta}")
        self.n_bits, self.beta = int(n_bits), float(beta)
        self.linear = nn.Linear(in_features, n_bits)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        z = self.linear(x)
        return {"preactivation": z, "relaxed": torch.tanh(self.beta * z)}

    def bits(self, out: dict[str, torch.Tensor]) -> torch.Tensor:
        return out["preactivation"] > 0

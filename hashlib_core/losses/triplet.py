"""DNNH's triplet ranking hinge loss (Lai et al. 2015, eq. 1), triplets mined from labels in a batch.

For codes F ``(n, q)`` in [0, 1] and every valid triplet (a, p, m) of the batch — a ≠ p share a
label, m has another label —
    ℓ(a, p, m) = max(0, ||F_a − F_p||² − ||F_a − F_m||² + margin),  margin = 1 in the paper,
and the loss is the mean over the triplets used. Sampling: **all** valid triplets of the batch
by default (n_c·(n_c−1)·(n−n_c) for a class with n_c of the batch's n images: 81,000 for a batch
of 100 holding 10 images of each of 10 classes); with ``max_triplets`` a uniformly random subset of
at most that many (drawn from torch's global generator, so seeded runs and resumed runs stay identical).
"""
from __future__ import annotations

import warnings

import torch
from torch import nn

from hashlib_core.losses.classification import check_labels

__all__ = ["TripletRankingLoss", "valid_triplet_mask", "NoTripletsWarning"]


class NoTripletsWarning(RuntimeWarning):
    """A batch had no valid (anchor, positive, negative) triplet; its triplet loss is 0."""


def valid_triplet_mask(labels: torch.Tensor) -> torch.Tensor:
    """Bool ``(n, n, n)``: ``[a, p, m]`` is True when a ≠ p share a label and m's label differs."""
    same = labels[:, None] == labels[None, :]
    positive = same & ~torch.eye(len(labels), dtype=torch.bool, device=labels.device)
    return positive[:, :, None] & ~same[:, None, :]


class TripletRankingLoss(nn.Module):
    """Mean hinge ``max(0, ||F_a−F_p||² − ||F_a−F_m||² + margin)`` over in-batch triplets.

    Args:
        margin: the hinge margin (1 in DNNH's eq. 1).
        max_triplets: None = every valid triplet; else a random subset of at most this many.

    ``forward(codes (n, q) float, labels (n,) int) -> scalar``. A batch without a valid triplet
    returns ``0 · codes.sum()`` (zero, differentiable, finite gradient) and warns once per instance.
    """

    def __init__(self, margin: float = 1.0, max_triplets: int | None = None):
        super().__init__()
        if max_triplets is not None and max_triplets < 1:
            raise ValueError(f"max_triplets must be None or >= 1, got {max_triplets}")
        self.margin, self.max_triplets = float(margin), max_triplets
        self._warned = False

    def forward(self, codes: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        check_labels(labels, len(codes))
        codes = codes.float()
        diff = codes[:, None, :] - codes[None, :, :]
        dist = (diff * diff).sum(-1)  # (n, n) squared Euclidean distances, exact (no cdist shortcut)
        mask = valid_triplet_mask(labels)
        count = int(mask.sum())
        if count == 0:
            if not self._warned:
                warnings.warn("a batch yielded no valid triplet (it needs two images of one class and one of "
                              "another); its triplet loss is 0 (warned once)", NoTripletsWarning, stacklevel=2)
                self._warned = True
            return codes.sum() * 0.0
        if self.max_triplets is not None and count > self.max_triplets:
            a, p, m = torch.nonzero(mask, as_tuple=True)
            pick = torch.randperm(count, device=a.device)[: self.max_triplets]
            a, p, m = a[pick], p[pick], m[pick]
            return torch.relu(dist[a, p] - dist[a, m] + self.margin).mean()
        hinge = torch.relu(dist[:, :, None] - dist[:, None, :] + self.margin)
        return (hinge * mask).sum() / count

    def extra_repr(self) -> str:
        return f"margin={self.margin}, max_triplets={self.max_triplets}"

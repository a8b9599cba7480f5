"""DNNH's triplet ranking loss (Lai et al. 2015, eq. 1) with triplets mined from labels in a batch."""
from __future__ import annotations

import logging

import torch
from torch import nn

__all__ = ["TripletRankingLoss", "mine_triplet_mask"]

log = logging.getLogger(__name__)


def mine_triplet_mask(labels: torch.Tensor) -> torch.Tensor:
    """Boolean ``(n, n, n)`` mask of valid (anchor, positive, negative): a≠p share a label, n does not."""
    same = labels[:, None] == labels[None, :]
    eye = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
    positive = same & ~eye
    negative = ~same
    return positive[:, :, None] & negative[:, None, :]


class TripletRankingLoss(nn.Module):
    """``mean over triplets of max(0, ||F(I)−F(I+)||² − ||F(I)−F(I−)||² + margin)``.

    Uses every valid triplet of the batch, or a uniformly random subset of at most ``max_triplets``
    (drawn with the module's own seeded generator). A batch without any valid triplet returns a zero
    loss that keeps the graph (finite gradients, all zero) and logs one warning.
    """

    def __init__(self, margin: float = 1.0, max_triplets: int | None = None, seed: int = 0):
        super().__init__()
        self.margin = margin
        self.max_triplets = max_triplets
        self.generator = torch.Generator().manual_seed(seed)
        self._warned = False

    def forward(self, codes: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        dist = torch.cdist(codes.float(), codes.float()).pow(2)  # (n, n) squared distances
        mask = mine_triplet_mask(labels)
        if not bool(mask.any()):
            if not self._warned:
                log.warning("a batch yielded no valid triplet (needs two images of one class and one of "
                            "another); its loss is 0")
                self._warned = True
            return codes.sum() * 0.0
        a, p, n = torch.nonzero(mask, as_tuple=True)
        if self.max_triplets is not None and len(a) > self.max_triplets:
            pick = torch.randperm(len(a), generator=self.generator)[: self.max_triplets].to(a.device)
            a, p, n = a[pick], p[pick], n[pick]
        return torch.relu(dist[a, p] - dist[a, n] + self.margin).mean()

"""Labels → relevance: single-label integers (same label) or multi-label 0/1 (at least one shared label)."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from hashlib_core.eval.codes import as_tensor

__all__ = ["Labels", "prepare_labels"]


@dataclass(frozen=True)
class Labels:
    """Validated labels on one device. ``kind`` is ``"single"`` (``query``/``db`` int64 ``(n,)`` in
    ``0..n_classes-1``) or ``"multi"`` (float ``(n, n_classes)`` 0/1 matrices)."""

    kind: str
    query: torch.Tensor
    db: torch.Tensor
    n_classes: int

    def relevance(self, rows: slice) -> torch.Tensor:
        """Boolean relevance ``(rows, n_db)`` of the selected queries (for the index-order path)."""
        if self.kind == "single":
            return self.query[rows, None] == self.db[None, :]
        return (self.query[rows] @ self.db.T) > 0


def _check(labels: torch.Tensor, n: int, name: str, codes_name: str) -> None:
    if labels.shape[0] != n:
        raise ValueError(f"{name} has {labels.shape[0]} entries but there are {n} {codes_name}")
    if labels.is_floating_point() and torch.isnan(labels).any():
        raise ValueError(f"{name} contains NaN")


def prepare_labels(query_labels, db_labels, n_query: int, n_db: int, device: torch.device) -> Labels:
    """Validate label shapes against the code counts and move them to ``device``."""
    q = as_tensor(query_labels, device)
    d = as_tensor(db_labels, device)
    _check(q, n_query, "query_labels", "query codes")
    _check(d, n_db, "db_labels", "database codes")
    if q.ndim != d.ndim or q.ndim not in (1, 2):
        raise ValueError(f"labels must be both 1-D (single-label) or both 2-D (multi-label 0/1), got "
                         f"query_labels {tuple(q.shape)} and db_labels {tuple(d.shape)}")
    if q.ndim == 1:
        if q.is_floating_point() or d.is_floating_point():
            if not (torch.equal(q, q.round()) and torch.equal(d, d.round())):
                raise ValueError("single-label labels must be integers")
        both = torch.cat([q.to(torch.int64), d.to(torch.int64)])
        classes, inverse = torch.unique(both, return_inverse=True)
        return Labels("single", inverse[:n_query], inverse[n_query:], int(classes.numel()))
    if q.shape[1] != d.shape[1]:
        raise ValueError(f"multi-label matrices have {q.shape[1]} (query) and {d.shape[1]} (database) classes")
    for m, name in ((q, "query_labels"), (d, "db_labels")):
        if m.numel() and not bool(((m == 0) | (m == 1)).all()):
            raise ValueError(f"{name} must be a 0/1 matrix for multi-label relevance")
    return Labels("multi", q.float(), d.float(), int(q.shape[1]))

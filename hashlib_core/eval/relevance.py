"""Labels → relevance.

- **single-label**: 1-D integer class labels ``(n,)``; a database item is relevant to a query
  when both have the same label. Labels may be any integers (they are re-indexed to 0..C-1).
- **multi-label**: 0/1 (or bool) matrices ``(n, n_classes)``; relevant when the two rows share
  at least one label (``query_row · db_row > 0``).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from hashlib_core.eval.codes import as_tensor

__all__ = ["Labels", "prepare_labels"]


@dataclass(frozen=True)
class Labels:
    """Validated labels on one device.

    ``kind == "single"``: ``query`` and ``db`` are int64 class indices ``(n,)`` in ``0..n_classes-1``.
    ``kind == "multi"``: ``query`` and ``db`` are uint8 0/1 matrices ``(n, n_classes)``;
    ``max_shared`` bounds the number of labels a query and a database item can share.
    """

    kind: str
    query: torch.Tensor
    db: torch.Tensor
    n_classes: int
    max_shared: int = 1


def _check(labels: torch.Tensor, n: int, name: str, codes_name: str) -> None:
    if labels.ndim == 0:
        raise ValueError(f"{name} must be 1-D (single-label) or 2-D 0/1 (multi-label), got a scalar")
    if labels.shape[0] != n:
        raise ValueError(f"{name} has {labels.shape[0]} entries but there are {n} {codes_name}")
    if labels.is_floating_point() and bool(torch.isnan(labels).any()):
        raise ValueError(f"{name} contains NaN; labels must be integers (single-label) or 0/1 (multi-label)")
    if labels.is_complex():
        raise ValueError(f"{name} is complex; labels must be integers (single-label) or 0/1 (multi-label)")


def prepare_labels(query_labels, db_labels, n_query: int, n_db: int, device: torch.device) -> Labels:
    """Validate labels against the code counts and move them to ``device``.

    Raises:
        ValueError: wrong length, NaN, non-integer single labels, non-0/1 multi-label matrices,
        1-D and 2-D mixed, different numbers of classes.
    """
    try:
        q = as_tensor(query_labels, device)
        d = as_tensor(db_labels, device)
    except ValueError as exc:
        raise ValueError(f"labels: {exc}") from None
    _check(q, n_query, "query_labels", "query codes")
    _check(d, n_db, "db_labels", "database codes")
    if q.ndim != d.ndim or q.ndim not in (1, 2):
        raise ValueError(f"labels must be both 1-D (single-label) or both 2-D 0/1 (multi-label), got "
                         f"query_labels {tuple(q.shape)} and db_labels {tuple(d.shape)}")
    if q.ndim == 1:
        for t, name in ((q, "query_labels"), (d, "db_labels")):
            if t.is_floating_point() and not torch.equal(t, t.round()):
                raise ValueError(f"{name}: single-label labels must be integers, found a fractional value")
        q64, d64 = q.to(torch.int64).contiguous(), d.to(torch.int64).contiguous()
        ranges = [torch.aminmax(t) for t in (q64, d64) if t.numel()]
        low, high = int(min(r[0] for r in ranges).item()), int(max(r[1] for r in ranges).item())
        if high - low < (1 << 22):  # small label range: a look-up table, O(n)
            qz, dz = (q64, d64) if low == 0 else (q64 - low, d64 - low)
            present = torch.zeros(high - low + 1, dtype=torch.int64, device=d.device)
            present[qz] = 1
            present[dz] = 1
            if bool(present.all()):  # already 0..C-1 (the usual case): nothing to re-index
                return Labels("single", qz, dz, present.numel())
            table = torch.cumsum(present, 0) - 1
            return Labels("single", table[qz], table[dz], int(present.sum().item()))
        classes, inverse = torch.unique(torch.cat([q64, d64]), return_inverse=True)
        return Labels("single", inverse[:n_query].contiguous(), inverse[n_query:].contiguous(),
                      int(classes.numel()))
    if q.shape[1] != d.shape[1]:
        raise ValueError(f"multi-label matrices have {q.shape[1]} (query) and {d.shape[1]} (database) classes")
    for m, name in ((q, "query_labels"), (d, "db_labels")):
        if m.numel() and not bool(((m == 0) | (m == 1)).all()):
            raise ValueError(f"{name} must be a 0/1 matrix (n, n_classes) for multi-label relevance "
                             "(single-label class indices must be 1-D)")
    q8, d8 = q.to(torch.uint8).contiguous(), d.to(torch.uint8).contiguous()
    max_q = int(q8.sum(1).max().item()) if q8.numel() else 0
    max_d = int(d8.sum(1).max().item()) if d8.numel() else 0
    return Labels("multi", q8, d8, int(q.shape[1]), max(1, min(max_q, max_d)))

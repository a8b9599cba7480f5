"""Per-query histograms over Hamming distance: how many database items, and how many relevant
ones, lie at each distance 0..n_bits. Every tie-aware metric is a function of these counts."""
from __future__ import annotations

import torch

from hashlib_core.eval.distance import distances_from_signs, signs_for
from hashlib_core.eval.relevance import Labels

__all__ = ["distance_histograms", "default_chunk_size"]


def default_chunk_size(n_db: int, n_bits: int, budget_entries: int = 1 << 25) -> int:
    """Queries per chunk so that one chunk's ``(chunk, n_db)`` work arrays stay near ``budget_entries``."""
    return max(1, min(4096, budget_entries // max(1, n_db)))


def distance_histograms(query_bits: torch.Tensor, db_bits: torch.Tensor, labels: Labels,
                        chunk_size: int | None = None, progress: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Counts ``(total, relevant)``, both int64 ``(n_q, n_bits + 1)``: items at each distance.

    Single-label relevance uses one bincount over (query, database class, distance), so no
    ``(n_q, n_db)`` relevance matrix is ever built; multi-label relevance is computed per chunk.
    """
    from tqdm.auto import tqdm

    n_q, n_bits = query_bits.shape
    n_db = db_bits.shape[0]
    width = n_bits + 1
    chunk = chunk_size or default_chunk_size(n_db, n_bits)
    db_signs = signs_for(db_bits)
    device = query_bits.device
    total = torch.zeros(n_q, width, dtype=torch.int64, device=device)
    relevant = torch.zeros(n_q, width, dtype=torch.int64, device=device)
    if labels.kind == "single":
        n_classes = labels.n_classes
        db_offset = (labels.db * width).to(torch.int64)  # class * width, added to every distance
    starts = range(0, n_q, chunk)
    for start in tqdm(starts, desc="hamming ranking", unit="chunk", disable=not progress, leave=False):
        stop = min(start + chunk, n_q)
        rows = stop - start
        dist = distances_from_signs(signs_for(query_bits[start:stop]), db_signs).to(torch.int64)
        if labels.kind == "single":
            row_offset = torch.arange(rows, device=device).unsqueeze(1) * (n_classes * width)
            keys = (dist + db_offset).add_(row_offset)
            counts = torch.bincount(keys.view(-1), minlength=rows * n_classes * width).view(rows, n_classes, width)
            total[start:stop] = counts.sum(dim=1)
            relevant[start:stop] = counts.gather(1, labels.query[start:stop].view(rows, 1, 1).expand(rows, 1, width)
                                                 ).squeeze(1)
        else:
            keys = dist.add_(torch.arange(rows, device=device).unsqueeze(1) * width).view(-1)
            rel = labels.relevance(slice(start, stop)).reshape(-1)
            total[start:stop] = torch.bincount(keys, minlength=rows * width).view(rows, width)
            relevant[start:stop] = torch.bincount(keys[rel], minlength=rows * width).view(rows, width)
    return total, relevant

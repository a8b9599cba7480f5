"""Hamming distances and a faiss-like exact ``search``.

Distances use the ±1 matrix-product identity ``d_H = (n_bits - s_q·s_db) / 2`` with
``s = 2b - 1``: one GEMM, the fastest route on both CPU (float32) and GPU (float16 inputs,
exact for up to 2048 bits since every partial sum is an integer of at most 2048).
"""
from __future__ import annotations

import torch

from hashlib_core.eval.codes import as_tensor, to_bits, to_signs

__all__ = ["hamming_distance", "search", "signs_for", "distances_from_signs"]


def _gemm_dtype(device: torch.device, n_bits: int) -> torch.dtype:
    return torch.float16 if device.type == "cuda" and n_bits <= 2048 else torch.float32


def signs_for(bits: torch.Tensor) -> torch.Tensor:
    """{0,1} codes → ±1 matrix in the GEMM dtype for their device."""
    return to_signs(bits, _gemm_dtype(bits.device, bits.shape[1]))


def distances_from_signs(query_signs: torch.Tensor, db_signs: torch.Tensor) -> torch.Tensor:
    """Integer Hamming distances ``(n_q, n_db)`` (int16) from ±1 matrices ``(n_q, n_bits)``, ``(n_db, n_bits)``."""
    n_bits = query_signs.shape[1]
    dots = query_signs @ db_signs.T
    return ((n_bits - dots.float()) * 0.5).round_().to(torch.int16)


def _check_pair(query_bits: torch.Tensor, db_bits: torch.Tensor) -> None:
    if query_bits.shape[1] != db_bits.shape[1]:
        raise ValueError(f"query codes have {query_bits.shape[1]} bits, database codes have {db_bits.shape[1]}")
    if db_bits.shape[0] == 0:
        raise ValueError("the database is empty: at least one database code is needed")


def hamming_distance(query_codes, db_codes, device: torch.device | str | None = None) -> torch.Tensor:
    """All pairwise Hamming distances ``(n_q, n_db)`` (int16) on ``device`` (default: the query's).

    Codes are {0,1}, {-1,+1} or :class:`~hashlib_core.eval.codes.PackedCodes`. Memory is
    ``n_q · n_db`` entries: use :func:`search` or :func:`hashlib_core.evaluate` for large sets.
    """
    query_bits = to_bits(query_codes, "query codes", device)
    db_bits = to_bits(db_codes, "database codes", query_bits.device)
    _check_pair(query_bits, db_bits)
    return distances_from_signs(signs_for(query_bits), signs_for(db_bits))


def search(query_codes, db_codes, k: int, device: torch.device | str | None = None,
           chunk_size: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``k`` nearest database codes of each query, like ``faiss.IndexBinaryFlat.search``.

    Returns ``(distances, indices)``, both int64 ``(n_q, min(k, n_db))``, on the query's device (or
    ``device``). Ties are broken by database index (smaller first), so the result is deterministic.

    Raises:
        ValueError: ``k < 1``, mismatched bit lengths, empty database, non-binary codes.
    """
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    original_device = query_codes.device if isinstance(query_codes, torch.Tensor) else None
    query_bits = to_bits(query_codes, "query codes", device)
    db_bits = to_bits(db_codes, "database codes", query_bits.device)
    _check_pair(query_bits, db_bits)
    n_db = db_bits.shape[0]
    k = min(k, n_db)
    db_signs = signs_for(db_bits)
    index = torch.arange(n_db, device=db_bits.device, dtype=torch.int64)
    out_d, out_i = [], []
    for start in range(0, query_bits.shape[0], chunk_size):
        dist = distances_from_signs(signs_for(query_bits[start:start + chunk_size]), db_signs)
        key = dist.to(torch.int64) * n_db + index  # distance, then index: a total order
        keys = torch.topk(key, k, dim=1, largest=False, sorted=True).values
        out_d.append(keys // n_db)
        out_i.append(keys % n_db)
    distances = torch.cat(out_d) if out_d else torch.empty(0, k, dtype=torch.int64)
    indices = torch.cat(out_i) if out_i else torch.empty(0, k, dtype=torch.int64)
    target = device if device is not None else original_device
    if target is not None:
        distances, indices = distances.to(target), indices.to(target)
    return distances, indices

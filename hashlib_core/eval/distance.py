"""Hamming distances and a faiss-like exact ``search`` (ties broken by database index).

Distances come from the fused kernel (:mod:`hashlib_core.eval.kernel`): one int8 matrix product
on CPU, float32 on CUDA, both exact.
"""
from __future__ import annotations

import numbers

import torch

from hashlib_core.eval.codes import resolve_device, to_bits
from hashlib_core.eval.kernel import HammingKernel
from hashlib_core.eval.threads import engine_threads, parallel_map, query_chunks

__all__ = ["hamming_distance", "search", "prepare_codes"]

#: entries of the (rows × n_db) work arrays of one search chunk
SEARCH_BUDGET = 1 << 22


def prepare_codes(query_codes, db_codes, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """Validate a query/database pair → uint8 {0,1} ``(n_q, n_bits)``, ``(n_db, n_bits)`` on one device.

    Raises:
        ValueError: non-binary codes, mismatched bit lengths, empty database.
    """
    device = resolve_device(device, query_codes, db_codes)
    query_bits = to_bits(query_codes, "query codes", device)
    db_bits = to_bits(db_codes, "database codes", device)
    if query_bits.shape[1] != db_bits.shape[1]:
        raise ValueError(f"query codes have {query_bits.shape[1]} bits, database codes have {db_bits.shape[1]}")
    if db_bits.shape[0] == 0:
        raise ValueError("the database is empty: at least one database code is needed")
    return query_bits, db_bits


def hamming_distance(query_codes, db_codes, device: torch.device | str | None = None) -> torch.Tensor:
    """All pairwise Hamming distances, int32 ``(n_q, n_db)``, on ``device`` (default: the inputs' device).

    Codes are {0,1}, {-1,+1} or :class:`~hashlib_core.eval.codes.PackedCodes`. The result has
    ``n_q · n_db`` entries: for large sets use :func:`search` or :func:`hashlib_core.evaluate`.
    """
    with engine_threads(resolve_device(device, query_codes, db_codes)):
        query_bits, db_bits = prepare_codes(query_codes, db_codes, device)
        kernel = HammingKernel(query_bits, db_bits)
        out = torch.empty(query_bits.shape[0], db_bits.shape[0], dtype=torch.int32, device=query_bits.device)
        rows = max(1, min(256, SEARCH_BUDGET // db_bits.shape[0]))

        def work(item):
            q0, q1 = item
            kernel.keys(kernel.query_matrix(slice(q0, q1)), slice(q0, q1), slice(None), out=out[q0:q1])

        for _ in parallel_map(work, query_chunks(query_bits.shape[0], rows), out.device, desc="distances"):
            pass
        return out


def search(query_codes, db_codes, k: int, device: torch.device | str | None = None,
           chunk_size: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``k`` nearest database codes of each query, like ``faiss.IndexBinaryFlat.search``.

    Args:
        query_codes: ``(n_q, n_bits)`` codes; db_codes: ``(n_db, n_bits)`` codes (any accepted format).
        k: neighbours per query; ``k > n_db`` returns all ``n_db``.
        device: where to compute and return (default: the inputs' device; numpy → CPU).

    Returns:
        ``(distances, indices)``, both int64 ``(n_q, min(k, n_db))``, sorted by distance and, among
        equal distances, by database index (smaller first): deterministic (the tie order of
        FAISS depends on its search mode).

    Raises:
        ValueError: ``k < 1``, mismatched bit lengths, empty database, non-binary codes.
    """
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    with engine_threads(resolve_device(device, query_codes, db_codes)):
        return _search(query_codes, db_codes, int(k), device, chunk_size)


def _search(query_codes, db_codes, k: int, device, chunk_size) -> tuple[torch.Tensor, torch.Tensor]:
    query_bits, db_bits = prepare_codes(query_codes, db_codes, device)
    kernel = HammingKernel(query_bits, db_bits)
    n_q, n_db = query_bits.shape[0], db_bits.shape[0]
    k = min(k, n_db)
    dev = query_bits.device
    distances = torch.empty(n_q, k, dtype=torch.int64, device=dev)
    indices = torch.empty(n_q, k, dtype=torch.int64, device=dev)
    rows = max(1, min(chunk_size or 256, SEARCH_BUDGET // n_db))
    index = torch.arange(n_db, device=dev, dtype=torch.int64)

    def work(item):
        q0, q1 = item
        dist = kernel.keys(kernel.query_matrix(slice(q0, q1)), slice(q0, q1), slice(None))
        key = dist.to(torch.int64).mul_(n_db).add_(index)  # distance, then index: a total order
        return torch.topk(key, k, dim=1, largest=False, sorted=True).values

    for (q0, q1), keys in parallel_map(work, query_chunks(n_q, rows), dev, desc="search"):
        distances[q0:q1] = torch.div(keys, n_db, rounding_mode="floor")
        indices[q0:q1] = keys - distances[q0:q1] * n_db
    return distances, indices

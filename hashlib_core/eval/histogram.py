"""Per-query histograms over Hamming distance: how many database items, and how many relevant
ones, lie at each distance ``0..n_bits``. Every tie-aware metric is a function of these counts,
so nothing is ever sorted (a counting sort in all but name).

Two kinds of kernel (``backend``, :func:`resolve_backend`), identical counts:

- ``"numba"`` (default on CPU): the fused kernel of :mod:`hashlib_core.eval.fused` — XOR +
  popcount of packed 64-bit words and one increment of a private per-query histogram per pair,
  nothing materialised. Codes are packed once (8 bytes a 64-bit code instead of 64) and the
  database is ordered by label, so relevance changes only between runs of equal labels.
  ~0.37 ns per pair on one core of the project's 2-core Xeon at 64 bits.
- ``"int8"`` / ``"float32"`` (pure PyTorch; ``"float32"`` is the CUDA path): per tile of (queries ×
  database items) one matrix product gives ``d_H - |q|`` (plus shared-label counts for
  multi-label data, :mod:`hashlib_core.eval.kernel`), one in-place add turns it into
  ``row · bins + d_H (+ W s)``, and one flat ``bincount`` counts every row at once. Single-label
  relevance costs nothing per pair: the database is sorted by class once, tiles never straddle a
  class block, and a tile's counts are relevant exactly for the queries of that class. Measured
  per pair on one core of the same Xeon (64 bits, 64 × 4096 tiles): product ~0.27 ns, add +
  bincount ~0.5 ns.

Work is cut into (query chunk × database segment) items; histograms are additive over database
segments. On CPU the items run on as many Python threads as torch has intra-op threads, each with
one intra-op thread (torch and the numba kernel release the GIL; ``bincount`` is single-threaded,
so this is what keeps every core busy, and it degrades gracefully on a shared machine); on CUDA
they run in order (the scheduler: :mod:`hashlib_core.eval.threads`). Memory per item: the fused
kernel's ``(rows, 2, W)`` uint32 counters, or one int32 tile (``CPU_TILE`` entries) and the
``(rows, bins)`` counts; plus, for the fused kernel, the packed codes (``n · ceil(n_bits / 64) · 8``
bytes, the database twice while it is reordered).
"""
from __future__ import annotations

import importlib.util
import math
from functools import lru_cache
from typing import Callable, Iterator

import numpy as np
import torch

from hashlib_core.eval.kernel import HammingKernel, int8_gemm_available
from hashlib_core.eval.relevance import Labels
from hashlib_core.eval.threads import parallel_map, query_chunks, worker_count

__all__ = ["distance_histograms", "resolve_backend", "numba_available", "label_order", "BACKENDS"]

#: histogram kernels: the fused compiled one, then the two PyTorch products
BACKENDS = ("numba", "int8", "float32")
#: longest codes for which the fused kernel is the default: per pair on one core of the 2-core
#: Xeon (AMX), fused vs int8 product + bincount, 0.37 vs 0.77 ns at 64 bits, 1.5 vs 2.0 at 512,
#: 2.8 vs 2.7 at 1024, 5.1 vs 4.6 at 2048 (``bench_eval.py --kernels``)
FUSED_MAX_BITS = 1024

#: CPU tile: queries × database items per product. The product streams the database matrix once
#: per query chunk (cost ∝ 1/rows: 0.43 ns/pair at 32 rows, 0.36 at 64); the 1 MiB int32 tile and
#: the counts stay in L2 for the add and the bincount (64 × 4096: 0.83 ns/pair in all, 32 × 16384: 1.2)
CPU_ROWS, CPU_COLS = 64, 4096
CPU_TILE = CPU_ROWS * CPU_COLS
#: bound on the (rows × bins) counts of one work item
MAX_BINS = 1 << 22
#: CUDA tile (elements of the int32 key tile)
CUDA_TILE = 1 << 26


def _segments(n_db: int, n_chunks: int, device: torch.device, max_len: int = 1 << 62) -> list[tuple[int, int]]:
    """Split the database when there are too few query chunks to keep every worker busy (and into
    segments of at most ``max_len`` items)."""
    workers = worker_count(device)
    n_seg = 1
    if n_chunks < 2 * workers:
        n_seg = min(math.ceil(2 * workers / n_chunks), max(1, n_db // CPU_COLS))
    n_seg = max(n_seg, math.ceil(n_db / max_len))
    step = math.ceil(n_db / n_seg)
    return [(s, min(s + step, n_db)) for s in range(0, n_db, step)]


def _take_rows(matrix: torch.Tensor, order: torch.Tensor) -> torch.Tensor:
    """``matrix[order]`` (rows), gathered by the worker threads in parallel."""
    out = torch.empty((order.numel(), matrix.shape[1]), dtype=matrix.dtype, device=matrix.device)
    step = max(1 << 16, -(-order.numel() // 8))

    def work(start: int) -> None:
        torch.index_select(matrix, 0, order[start:start + step], out=out[start:start + step])

    for _ in parallel_map(work, list(range(0, order.numel(), step)), matrix.device, desc="sort"):
        pass
    return out


def label_order(labels: Labels) -> tuple[torch.Tensor, torch.Tensor]:
    """Stable order of a single-label database by class: ``(sorted classes, order)``, int64 ``(n_db,)`` each.

    Sorted in the narrowest integer dtype of the classes: fewer radix passes.
    """
    c = labels.n_classes
    small = torch.uint8 if c <= 256 else torch.int16 if c <= 32767 else None
    values, order = torch.sort(labels.db.to(small) if small is not None else labels.db, stable=True)
    return values.to(torch.int64), order


class _Plan:
    """The kernel of the histogram pass plus the database blocks it runs over.

    Single-label: the database is sorted by class (stable), so every tile lies inside one class
    block and a tile's histogram is relevant exactly for the queries of that class; the product
    carries codes only (K = n_bits columns). Multi-label: the kernel folds shared-label counts.
    """

    def __init__(self, query_bits: torch.Tensor, db_bits: torch.Tensor, labels: Labels,
                 backend: str | None = None) -> None:
        if labels.kind == "single":
            order = label_order(labels)[1]
            counts = torch.bincount(labels.db, minlength=labels.n_classes).tolist()
            self.kernel = HammingKernel(query_bits, _take_rows(db_bits, order), None, backend)
            self.blocks, start = [], 0
            for c, count in enumerate(counts):
                if count:
                    self.blocks.append((start, start + count, c))
                    start += count
            self.query_labels = labels.query
        else:
            self.kernel = HammingKernel(query_bits, db_bits, labels, backend)
            self.blocks = [(0, db_bits.shape[0], -1)]
            self.query_labels = None

    def tiles(self, c0: int, c1: int, cols: int) -> Iterator[tuple[int, int, int]]:
        for b0, b1, c in self.blocks:
            lo, hi = max(b0, c0), min(b1, c1)
            for start in range(lo, hi, cols):
                yield start, min(start + cols, hi), c


def _histogram_item(plan: _Plan, q0: int, q1: int, c0: int, c1: int,
                    cols: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Counts of one (query chunk × database segment) item: ``(total, relevant)`` int64 ``(rows, W)``."""
    kernel = plan.kernel
    rows = slice(q0, q1)
    n, bins, device = q1 - q0, kernel.bins, kernel.device
    qmat = kernel.query_matrix(rows)
    offsets = (torch.arange(n, dtype=torch.int32, device=device) * bins).unsqueeze(1)
    total = torch.zeros(n, kernel.width, dtype=torch.int64, device=device)
    relevant = torch.zeros_like(total)
    buf = torch.empty(n * min(cols, c1 - c0), dtype=torch.int32, device=device)
    for start, stop, c in plan.tiles(c0, c1, cols):
        out = buf[: n * (stop - start)].view(n, stop - start)
        keys = kernel.keys(qmat, rows, slice(start, stop), out=out, row_offsets=offsets)
        hist = torch.bincount(keys.view(-1), minlength=n * bins).view(n, bins)
        if plan.query_labels is None:
            t, r = kernel.reduce(hist)
            total += t
            relevant += r
        else:
            total += hist
            relevant += hist * (plan.query_labels[rows] == c).unsqueeze(1)
    return total, relevant


def resolve_backend(backend: str | None, device: torch.device, n_bits: int) -> str:
    """The histogram kernel: ``backend`` if valid for ``device``, else the fastest measured one.

    ``"numba"`` (the fused XOR + popcount kernel, CPU only, needs numba), ``"int8"`` (PyTorch
    int8 product + bincount, CPU) or ``"float32"`` (PyTorch float32 product; CUDA and CPU).
    Default: ``"numba"`` on CPU when numba is installed and ``n_bits <= FUSED_MAX_BITS``, else the
    product backend of :class:`~hashlib_core.eval.kernel.HammingKernel`.

    Raises:
        ValueError: an unknown backend, numba on another device than CPU or without numba.
    """
    if backend is None:
        if device.type == "cpu" and n_bits <= FUSED_MAX_BITS and numba_available():
            return "numba"
        return "int8" if int8_gemm_available(device.type) else "float32"
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; valid: {', '.join(BACKENDS)}")
    if backend == "numba" and device.type != "cpu":
        raise ValueError(f"the numba backend runs on CPU only, not on {device.type}")
    if backend == "numba" and not numba_available():
        raise ValueError("the numba backend needs the numba package (pip install numba)")
    return backend


@lru_cache(maxsize=None)
def numba_available() -> bool:
    """Whether the fused kernel can run (numba importable)."""
    return importlib.util.find_spec("numba") is not None


def _accumulate(work: Callable, items: list, n_q: int, width: int, device: torch.device,
                progress: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Sum the ``(total, relevant)`` counts of every ``(q0, q1, c0, c1)`` item into ``(n_q, width)`` int64."""
    total = torch.zeros(n_q, width, dtype=torch.int64, device=device)
    relevant = torch.zeros_like(total)
    for (q0, q1, _, _), (t, r) in parallel_map(work, items, device, progress):
        total[q0:q1] += t
        relevant[q0:q1] += r
    return total, relevant


def _packed(bits: torch.Tensor) -> np.ndarray:
    """:func:`~hashlib_core.eval.fused.pack_words` of ``bits`` (CPU), in row chunks on the worker threads."""
    from hashlib_core.eval import fused

    n, n_bits = bits.shape
    out = np.zeros((n, fused.words_for(n_bits)), np.uint64)
    step = max(1 << 16, -(-n // 8))
    work = lambda start: fused.pack_words(bits[start:start + step], out[start:start + step])  # noqa: E731
    for _ in parallel_map(work, list(range(0, n, step)), bits.device, desc="pack"):
        pass
    return out


def _sorted_label_words(labels: Labels) -> tuple[np.ndarray, np.ndarray]:
    """The database's label words for the fused kernel, in a stable order that puts equal ones in runs:
    ``(words[order], order)``."""
    from hashlib_core.eval import fused

    if labels.kind == "single":
        keys, order = label_order(labels)
        return fused.label_words(keys), order.numpy()
    words = fused.label_words(labels.db)
    order = np.lexsort(words.T[::-1])
    return words[order], order


def _fused_histograms(query_bits: torch.Tensor, db_bits: torch.Tensor, labels: Labels, chunk_size: int | None,
                      progress: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`distance_histograms` with the fused kernel (:mod:`hashlib_core.eval.fused`)."""
    from hashlib_core.eval import fused

    d_labels, order = _sorted_label_words(labels)  # runs of equal labels: relevance is set once per run
    q_words, d_words = _packed(query_bits), _packed(db_bits)[order]
    q_labels = fused.label_words(labels.query)
    shared, n_bits = labels.kind == "multi", int(query_bits.shape[1])
    n_q, n_db, device = q_words.shape[0], d_words.shape[0], query_bits.device
    chunks = query_chunks(n_q, chunk_size or fused.BLOCK)
    segments = _segments(n_db, len(chunks), device, fused.MAX_ITEMS)
    items = [(q0, q1, c0, c1) for q0, q1 in chunks for c0, c1 in segments]

    def work(item):
        q0, q1, c0, c1 = item
        return fused.block_histogram(q_words[q0:q1], d_words[c0:c1], q_labels[q0:q1], d_labels[c0:c1], shared, n_bits)

    return _accumulate(work, items, n_q, n_bits + 1, device, progress)


def _product_histograms(query_bits: torch.Tensor, db_bits: torch.Tensor, labels: Labels, chunk_size: int | None,
                        progress: bool, backend: str) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`distance_histograms` with a PyTorch product backend (:mod:`hashlib_core.eval.kernel`)."""
    plan = _Plan(query_bits, db_bits, labels, backend)
    kernel = plan.kernel
    n_q, n_db, device = kernel.n_query, kernel.n_db, kernel.device
    if device.type == "cpu":
        rows = min(chunk_size or CPU_ROWS, max(1, MAX_BINS // kernel.bins))
        cols = max(256, CPU_TILE // rows)
    else:
        rows = min(chunk_size or max(1, min(4096, CUDA_TILE // max(1, n_db))), max(1, MAX_BINS // kernel.bins))
        cols = max(256, CUDA_TILE // rows)
    chunks = query_chunks(n_q, rows)
    items = [(q0, q1, c0, c1) for q0, q1 in chunks for c0, c1 in _segments(n_db, len(chunks), device)]
    work = lambda item: _histogram_item(plan, *item, cols=cols)  # noqa: E731
    return _accumulate(work, items, n_q, kernel.width, device, progress)


def distance_histograms(query_bits: torch.Tensor, db_bits: torch.Tensor, labels: Labels,
                        chunk_size: int | None = None, progress: bool = False,
                        backend: str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Counts ``(total, relevant)``, both int64 ``(n_q, n_bits + 1)``: database items, and relevant
    database items, at each Hamming distance from each query.

    Args:
        query_bits, db_bits: uint8 {0,1} ``(n_q, n_bits)``, ``(n_db, n_bits)`` on one device.
        labels: validated :class:`~hashlib_core.eval.relevance.Labels`.
        chunk_size: queries per work item (default 64 on CPU, larger on CUDA).
        backend: ``"numba"``, ``"int8"`` or ``"float32"`` (default: :func:`resolve_backend`).
    """
    backend = resolve_backend(backend, query_bits.device, int(query_bits.shape[1]))
    if backend == "numba":
        return _fused_histograms(query_bits, db_bits, labels, chunk_size, progress)
    return _product_histograms(query_bits, db_bits, labels, chunk_size, progress, backend)

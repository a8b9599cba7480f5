"""The product Hamming kernel (the pure-PyTorch path): one matrix product gives, for every
(query, database item) pair,

    key = d_H(q, j) + W * s(q, j),        W = n_bits + 1,

an exact small integer holding the Hamming distance and, for multi-label data, the number of
shared labels ``s`` (``mode="shared"``; relevant iff ``s >= 1``). With ``mode="none"``, ``s = 0``.
Single-label relevance never enters the product: the histogram pass sorts the database by class
and the index-order pass compares labels.

How: with query row ``a = [1 - 2q | W·labels]`` and database row ``b = [j | labels]``,
``a·b = |j| - 2 q·j + W s = d_H - |q| + W s``; ``|q|`` (plus any per-row offset the caller
wants, e.g. ``row · bins`` for one flat ``bincount``) is added in one pass afterwards.

On CPU both matrices are int8 and the product is ``torch._int_mm`` (exact int32 accumulation);
constants above 127 are spread over several int8 columns. Distance kernels measured on one core
of the project's 2-core Xeon (Sapphire Rapids, AMX) for 64-bit codes, per (query, item) pair
(``python benchmarks/bench_eval.py --kernels``): int8 ``_int_mm`` with K = 64 columns 0.45 ns
(0.9 ns for K = 72: AMX works in 64-byte rows, so no constant column is added), float32 GEMM
with the ±1 identity 1.3 ns, int64 XOR + SWAR popcount ~14 ns, uint8 XOR + 256-entry look-up
table ~80-120 ns (eager PyTorch materialises every intermediate; the same XOR + popcount compiled,
with the histogram increment fused, is the default CPU histogram kernel, :mod:`hashlib_core.eval.fused`:
~0.37 ns per pair in all). On CUDA (and CPU builds without
``_int_mm``) the same matrices are multiplied in float32: exact, since every product, partial
sum and key is an integer below 2**24 (also under TF32, whose inputs hold integers up to 2048).
"""
from __future__ import annotations

import math
from functools import lru_cache

import torch

from hashlib_core.eval.relevance import Labels

__all__ = ["HammingKernel", "int8_gemm_available", "MODES", "BACKENDS"]

MODES = ("none", "shared")
BACKENDS = ("int8", "float32")
_INT8_MAX = 127
_FLOAT_MAX = 1 << 20  # column values in the float32 path (keys stay < 2**24)


@lru_cache(maxsize=None)
def int8_gemm_available(device_type: str) -> bool:
    """Whether ``torch._int_mm`` (int8 × int8 → int32) runs and is exact on this device type."""
    if device_type != "cpu" or not hasattr(torch, "_int_mm"):
        return False
    try:
        a = torch.tensor([[1, -1, 127, 0, 1, 1, 1, 1]], dtype=torch.int8)
        b = torch.tensor([[1, 1, 127, 5, 0, 0, 0, 1], [0, 1, 1, 1, 1, 1, 1, 1]], dtype=torch.int8)
        out = torch._int_mm(a, b.T)
        return out.dtype == torch.int32 and out.tolist() == [[16130, 130]]
    except Exception:  # pragma: no cover - depends on the torch build
        return False


class HammingKernel:
    """Query/database matrices whose product (plus ``|q|``) is ``key = d_H + W * s``.

    Args:
        query_bits, db_bits: uint8 {0,1} ``(n_q, n_bits)``, ``(n_db, n_bits)`` on one device.
        labels: multi-label :class:`Labels` for ``mode="shared"``; None for distances only.
        backend: ``"int8"`` or ``"float32"``; default int8 where ``torch._int_mm`` runs (CPU).
    """

    def __init__(self, query_bits: torch.Tensor, db_bits: torch.Tensor, labels: Labels | None = None,
                 backend: str | None = None) -> None:
        self.device = query_bits.device
        self.n_bits = int(query_bits.shape[1])
        self.width = self.n_bits + 1
        self.n_query, self.n_db = int(query_bits.shape[0]), int(db_bits.shape[0])
        if backend is None:
            backend = "int8" if int8_gemm_available(self.device.type) else "float32"
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; valid: {', '.join(BACKENDS)}")
        if backend == "int8" and not int8_gemm_available(self.device.type):
            raise ValueError(f"the int8 backend needs torch._int_mm on {self.device.type}")
        if labels is not None and labels.kind != "multi":
            raise ValueError("HammingKernel folds multi-label relevance only; pass labels=None for single-label")
        self.backend = backend
        self.labels = labels
        self.mode = "shared" if labels is not None else "none"
        self.n_values = labels.max_shared + 1 if labels is not None else 1
        self.bins = self.width * self.n_values
        if self.bins >= (1 << 24):
            raise ValueError(f"{self.n_bits}-bit codes sharing up to {self.n_values - 1} labels give keys "
                             "beyond 2**24")
        self._cap = _INT8_MAX if backend == "int8" else _FLOAT_MAX
        self._query_bits = query_bits
        self.query_popcount = query_bits.sum(1, dtype=torch.int32)
        blocks: list[torch.Tensor] = [db_bits]
        if labels is not None:
            blocks.append(labels.db.repeat_interleave(len(self._label_weights()), dim=1))
        self.db_matrix = self._assemble(blocks)

    def _label_weights(self) -> list[int]:
        """Query-side weights of the copies of each label column (they sum to W)."""
        m = math.ceil(self.width / self._cap)
        return [min(self._cap, self.width - t * self._cap) for t in range(m)]

    def _assemble(self, blocks: list[torch.Tensor]) -> torch.Tensor:
        """Column blocks → one matrix in the GEMM dtype, zero-padded to a multiple of 8 columns."""
        widths = [b.shape[1] for b in blocks]
        k = sum(widths) + (-sum(widths)) % 8
        dtype = torch.int8 if self.backend == "int8" else torch.float32
        only = blocks[0]
        if len(blocks) == 1 and k == widths[0] and dtype == torch.int8 and only.dtype == torch.uint8 \
                and only.is_contiguous():
            return only.view(torch.int8)  # {0,1} bits are already the int8 matrix: no copy
        mat = torch.zeros(blocks[0].shape[0], k, dtype=dtype, device=self.device)
        col = 0
        for block, width in zip(blocks, widths):
            mat[:, col:col + width] = block
            col += width
        return mat

    def query_matrix(self, rows: slice) -> torch.Tensor:
        """The query-side matrix ``(n_rows, K)`` of the queries ``rows``."""
        bits = self._query_bits[rows]
        blocks = [1 - 2 * bits.to(torch.int32)]
        if self.labels is not None:
            weights = torch.tensor(self._label_weights(), dtype=torch.int32, device=self.device)
            q = self.labels.query[rows].to(torch.int32)
            blocks.append((q.unsqueeze(2) * weights).reshape(q.shape[0], -1))
        return self._assemble(blocks)

    def keys(self, qmat: torch.Tensor, rows: slice, cols: slice, out: torch.Tensor | None = None,
             row_offsets: torch.Tensor | None = None) -> torch.Tensor:
        """Keys ``d_H + W s`` (+ ``row_offsets``), int32 ``(n_rows, n_cols)``.

        Args:
            qmat: ``query_matrix(rows)``. cols: the database items.
            out: int32 contiguous buffer of the right shape to reuse.
            row_offsets: int32 ``(n_rows, 1)`` added to every key of a row.
        """
        dmat = self.db_matrix[cols]
        if out is None:
            out = torch.empty((qmat.shape[0], dmat.shape[0]), dtype=torch.int32, device=self.device)
        if self.backend == "int8":
            torch._int_mm(qmat, dmat.T, out=out)
        else:
            out.copy_(qmat @ dmat.T)  # exact integers in float32 → int32
        offset = self.query_popcount[rows].unsqueeze(1)
        if row_offsets is not None:
            offset = offset + row_offsets
        return out.add_(offset)

    def split(self, keys: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Keys ``(n_rows, n)`` → (distances int32, shared-label relevance bool or None for ``mode="none"``)."""
        if self.mode == "none":
            return keys, None
        value = torch.div(keys, self.width, rounding_mode="floor")
        return keys - value * self.width, value >= 1

    def reduce(self, hist: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Key histograms ``(n_rows, bins)`` → (total, relevant-by-shared-labels), int64 ``(n_rows, W)``."""
        h = hist.view(hist.shape[0], self.n_values, self.width)
        return h.sum(1), h[:, 1:].sum(1)

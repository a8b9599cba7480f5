"""The fused CPU kernel (numba): for every (query, database item) pair one XOR + popcount of the
packed 64-bit words and one histogram increment, with nothing materialised in between.

Layout, per call (one block of up to ``BLOCK`` queries against a run of database items):

- codes are packed into uint64 words (bit ``b`` → word ``b // 64``, bit ``b % 64``; zero padding),
  and the block's query words are transposed word-major, so that the popcounts of one database
  item against the whole block vectorise (``vpopcntq`` where the CPU has it);
- each query has a private histogram of ``2 · (n_bits + 1)`` uint32 counters — (irrelevant,
  relevant) × distance — and the block's increments for one database item go to different
  queries' histograms, so no increment waits on the previous one (no store-to-load conflict on a
  repeated bin, frequent with clustered codes); the block's counters (64 × 130 × 4 bytes at 64
  bits) stay in L1;
- relevance — class equality (single-label) or a non-zero AND of packed label words
  (multi-label) — is recomputed for the block only where the database item's label words differ
  from the previous item's: the caller orders the database by label, so that is once per run.
  (Per item, as a vectorised compare, it cost 0.41 against 0.33 ns per pair; per item through a
  branch, 0.95.)

Compiled once per machine (``cache=True``: a few seconds, then loaded from ``__pycache__``); calls
release the GIL, and :func:`hashlib_core.eval.threads.parallel_map` runs them on its threads.
Measured on one core of the project's 2-core Xeon beside a training run (64 bits, 64 queries ×
1M items, per pair): 0.33 ns (0.42 with blocks of 32 queries, 0.64 with 16), against 0.83 for
the int8 product + bincount of the PyTorch path and 0.47 for the C limit kernel of
``benchmarks/limit_kernel.c`` (per-class histograms).
"""
from __future__ import annotations

import math

import numpy as np
import torch
from numba import njit, types
from numba.extending import intrinsic

__all__ = ["BLOCK", "pack_words", "label_words", "block_histogram"]

#: queries per kernel call (the vectorised inner loop runs over them)
BLOCK = 64
#: database items per call: the uint32 counters cannot overflow
MAX_ITEMS = (1 << 32) - 1
_SPREAD = np.uint64(0x0102040810204080)  # (8 bytes of 0/1) * _SPREAD >> 56 = the 8 bits as one byte


@intrinsic
def _popcount(typingctx, x):
    """``llvm.ctpop`` of a uint64 (one ``popcnt``)."""
    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])
    return types.uint64(types.uint64), codegen


@njit(nogil=True, cache=True)
def _pack(groups: np.ndarray, out: np.ndarray) -> None:
    """Rows of 8-byte groups of 0/1 bytes ``(n, n_groups)`` → uint64 words ``(n, words)``."""
    n_groups = groups.shape[1]
    for i in range(groups.shape[0]):
        for w in range(out.shape[1]):
            acc = np.uint64(0)
            for k in range(min(8, n_groups - 8 * w)):
                acc |= ((groups[i, 8 * w + k] * _SPREAD) >> np.uint64(56)) << np.uint64(8 * k)
            out[i, w] = acc


def pack_words(bits: torch.Tensor, out: np.ndarray | None = None) -> np.ndarray:
    """uint8 {0,1} ``(n, n_bits)`` on CPU → uint64 ``(n, max(1, ceil(n_bits / 64)))``, zero-padded.

    ``out``: a zeroed array of that shape to write into (a slice of a larger one, say).
    """
    array = bits.numpy()
    n, n_bits = array.shape
    if n_bits % 8 or not array.flags.c_contiguous:
        padded = np.zeros((n, n_bits + (-n_bits) % 8), np.uint8)
        padded[:, :n_bits] = array
        array = padded
    out = np.zeros((n, words_for(n_bits)), np.uint64) if out is None else out
    _pack(array.view(np.uint64), out)
    return out


def words_for(n_bits: int) -> int:
    """uint64 words per packed row (at least one)."""
    return max(1, math.ceil(n_bits / 64))


def label_words(labels: torch.Tensor) -> np.ndarray:
    """The kernel's label words: uint64 ``(n, L)`` from class indices ``(n,)`` (``L = 1``, relevant when
    equal) or from a 0/1 multi-label matrix ``(n, n_classes)`` (packed; relevant when the AND is non-zero)."""
    if labels.ndim == 1:
        return labels.numpy().astype(np.uint64).reshape(-1, 1)
    return pack_words(labels)


@njit(nogil=True, cache=True)
def _labels_changed(d_labels: np.ndarray, j: int) -> bool:
    """Whether database item ``j`` has other label words than item ``j - 1`` (always for ``j = 0``)."""
    if j == 0:
        return True
    for w in range(d_labels.shape[1]):
        if d_labels[j, w] != d_labels[j - 1, w]:
            return True
    return False


@njit(nogil=True, cache=True)
def _relevance_offsets(l_t: np.ndarray, d_labels: np.ndarray, j: int, shared: bool, width: np.uint64,
                       row_offsets: np.ndarray, base: np.ndarray) -> None:
    """``base[r] = r · 2W + W · relevant(r, j)`` for every query ``r`` of the block (``l_t``: word-major)."""
    n_rows = base.shape[0]
    if shared:
        for r in range(n_rows):
            base[r] = 0
        for w in range(d_labels.shape[1]):
            y = d_labels[j, w]
            for r in range(n_rows):
                base[r] |= l_t[w, r] & y
        for r in range(n_rows):
            base[r] = row_offsets[r] + width * np.uint64(base[r] != 0)
    else:
        c = d_labels[j, 0]
        for r in range(n_rows):
            base[r] = row_offsets[r] + width * np.uint64(l_t[0, r] == c)


@njit(nogil=True, cache=True)
def _block(q_words: np.ndarray, d_words: np.ndarray, q_labels: np.ndarray, d_labels: np.ndarray,
           shared: bool, width: int) -> np.ndarray:
    """Counts ``(n_rows, 2, width)`` uint32 — (irrelevant, relevant) × distance — of a query block."""
    n_rows, n_words = q_words.shape
    q_t, l_t = np.ascontiguousarray(q_words.T), np.ascontiguousarray(q_labels.T)
    w_u = np.uint64(width)
    row_offsets = np.arange(n_rows).astype(np.uint64) * (w_u * np.uint64(2))
    hist = np.zeros(n_rows * 2 * width, np.uint32)
    base = np.empty(n_rows, np.uint64)
    idx = np.empty(n_rows, np.uint64)
    for j in range(d_words.shape[0]):
        if _labels_changed(d_labels, j):  # rare: the database is sorted by label words
            _relevance_offsets(l_t, d_labels, j, shared, w_u, row_offsets, base)
        x = d_words[j, 0]
        for r in range(n_rows):
            idx[r] = base[r] + _popcount(q_t[0, r] ^ x)
        for w in range(1, n_words):
            x = d_words[j, w]
            for r in range(n_rows):
                idx[r] += _popcount(q_t[w, r] ^ x)
        for r in range(n_rows):
            hist[idx[r]] += np.uint32(1)
    return hist.reshape(n_rows, 2, width)


def block_histogram(q_words: np.ndarray, d_words: np.ndarray, q_labels: np.ndarray, d_labels: np.ndarray,
                    shared: bool, n_bits: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Counts ``(total, relevant)``, int64 ``(n_rows, n_bits + 1)``, of one query block against ``d_words``.

    Args:
        q_words, d_words: uint64 ``(n_rows, words)``, ``(n_items, words)`` from :func:`pack_words`.
        q_labels, d_labels: uint64 ``(n_rows, L)``, ``(n_items, L)`` from :func:`label_words`.
        shared: multi-label relevance (non-zero AND) instead of class equality.
    """
    if d_words.shape[0] > MAX_ITEMS:
        raise ValueError(f"one kernel call takes at most {MAX_ITEMS} database items, got {d_words.shape[0]}")
    counts = torch.from_numpy(_block(q_words, d_words, q_labels, d_labels, shared, n_bits + 1).astype(np.int64))
    return counts.sum(1), counts[:, 1]

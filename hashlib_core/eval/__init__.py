"""The evaluation engine: exact, tie-aware Hamming ranking on CPU and GPU (PyTorch, plus a fused
numba kernel for the per-distance counts on CPU; ``backend="int8"`` keeps it pure PyTorch).

- :func:`evaluate` — every metric under one stated definition (see :mod:`hashlib_core.eval.evaluate`:
  default ``ties="expected"``, ``ap_at_k_denominator="retrieved"``, ``no_relevant="zero"``);
- :func:`average_precision`, :func:`histograms` — per-query tensors;
- :func:`search` — faiss-like exact k-NN in Hamming space, ties by database index;
- :func:`hamming_distance`, :func:`pack_codes`, :func:`unpack_codes`, :func:`to_bits`,
  :func:`to_bit_array`, :class:`PackedCodes` — codes as {0,1}, {-1,+1} or bit-packed (the one
  validator of the package: the results store checks its codes with it too).

Modules: ``codes`` (formats), ``relevance`` (labels), ``kernel`` (the int8 / float32 product),
``fused`` (the numba XOR + popcount + histogram kernel), ``threads`` (the work-item scheduler),
``histogram`` (per-distance counts), ``metrics`` (closed forms), ``ranking`` (index order),
``distance`` (distances, search), ``evaluate`` (the entry point).
"""
from hashlib_core.eval.codes import PackedCodes, pack_codes, to_bit_array, to_bits, unpack_codes
from hashlib_core.eval.distance import hamming_distance, search
from hashlib_core.eval.evaluate import (DEFAULT_PRECISION_AT, DENOMINATORS, NO_RELEVANT, TIES, average_precision,
                                        evaluate, histograms)

__all__ = ["evaluate", "average_precision", "histograms", "search", "hamming_distance", "pack_codes",
           "unpack_codes", "to_bits", "to_bit_array", "PackedCodes", "TIES", "DENOMINATORS", "NO_RELEVANT",
           "DEFAULT_PRECISION_AT"]

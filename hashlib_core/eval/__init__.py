"""The evaluation engine: exact, tie-aware Hamming ranking on CPU and GPU (pure PyTorch).

``evaluate`` is the entry point (definitions in :mod:`hashlib_core.eval.evaluate`); ``search`` is
a faiss-like exact k-NN in Hamming space; codes may be {0,1}, {-1,+1} or bit-packed.
"""
from hashlib_core.eval.codes import PackedCodes, pack_codes, to_bits, unpack_codes
from hashlib_core.eval.distance import hamming_distance, search
from hashlib_core.eval.evaluate import DENOMINATORS, NO_RELEVANT, TIES, average_precision, evaluate

__all__ = ["evaluate", "average_precision", "search", "hamming_distance", "pack_codes", "unpack_codes",
           "to_bits", "PackedCodes", "TIES", "DENOMINATORS", "NO_RELEVANT"]

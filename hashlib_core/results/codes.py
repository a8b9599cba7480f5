"""Compact, lossless storage of binary codes and labels inside JSON records.

Codes ``(n, n_bits)`` in {0,1} are bit-packed (``numpy.packbits``, big-endian bit order
within each byte), optionally de-duplicated (unique rows + an inverse index, which is
much smaller for deep models whose codes cluster by class), compressed with zlib and
base64-encoded. Labels are stored the same way as integer arrays.
"""
from __future__ import annotations

import base64
import zlib

import numpy as np

__all__ = ["encode_codes", "decode_codes", "encode_array", "decode_array"]


def _b64(data: bytes) -> str:
    return base64.b64encode(zlib.compress(data, 9)).decode("ascii")


def _unb64(text: str) -> bytes:
    return zlib.decompress(base64.b64decode(text))


def encode_array(array: np.ndarray) -> dict:
    """Encode an integer or bool array of any shape as a JSON-ready dict."""
    array = np.ascontiguousarray(array)
    if array.dtype.kind not in "biu":
        raise ValueError(f"only integer or bool arrays can be stored, got dtype {array.dtype}")
    dtype = np.dtype(array.dtype).newbyteorder("<") if array.dtype.itemsize > 1 else array.dtype
    return {"dtype": dtype.str, "shape": list(array.shape), "data": _b64(array.astype(dtype).tobytes())}


def decode_array(blob: dict) -> np.ndarray:
    """Inverse of :func:`encode_array`."""
    return np.frombuffer(_unb64(blob["data"]), dtype=np.dtype(blob["dtype"])).reshape(blob["shape"]).copy()


def encode_codes(codes) -> dict:
    """Encode {0,1} codes ``(n, n_bits)`` (numpy or torch) as a JSON-ready dict; lossless."""
    codes = np.asarray(codes.cpu() if hasattr(codes, "cpu") else codes)
    if codes.ndim != 2:
        raise ValueError(f"codes must be 2-D (n, n_bits), got shape {codes.shape}")
    values = np.unique(codes)
    if not np.all(np.isin(values, (0, 1))):
        raise ValueError(f"codes must be in {{0, 1}}, found values {values[:5].tolist()}")
    n, n_bits = codes.shape
    bits = codes.astype(np.uint8)
    plain = {"n": n, "n_bits": n_bits, "layout": "packbits", "data": _b64(np.packbits(bits, axis=1).tobytes())}
    unique, inverse = np.unique(bits, axis=0, return_inverse=True)
    index_dtype = np.uint16 if len(unique) <= 1 << 16 else np.uint32
    dedup = {"n": n, "n_bits": n_bits, "layout": "unique+inverse",
             "unique": _b64(np.packbits(unique, axis=1).tobytes()), "n_unique": int(len(unique)),
             "inverse": encode_array(inverse.reshape(-1).astype(index_dtype))}
    size = lambda d: len(d.get("data", "")) + len(d.get("unique", "")) + len(d.get("inverse", {}).get("data", ""))
    return dedup if size(dedup) < size(plain) else plain


def decode_codes(blob: dict) -> np.ndarray:
    """Inverse of :func:`encode_codes`: uint8 {0,1} array ``(n, n_bits)``."""
    n_bits = blob["n_bits"]
    width = (n_bits + 7) // 8
    if blob["layout"] == "packbits":
        packed = np.frombuffer(_unb64(blob["data"]), np.uint8).reshape(blob["n"], width)
        return np.unpackbits(packed, axis=1, count=n_bits)
    if blob["layout"] == "unique+inverse":
        unique = np.frombuffer(_unb64(blob["unique"]), np.uint8).reshape(blob["n_unique"], width)
        return np.unpackbits(unique, axis=1, count=n_bits)[decode_array(blob["inverse"])]
    raise ValueError(f"unknown code layout {blob['layout']!r}; valid: packbits, unique+inverse")

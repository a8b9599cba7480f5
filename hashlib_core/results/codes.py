"""Compact, lossless storage of binary codes and labels.

Codes ``(n, n_bits)`` in {0,1}, validated by :func:`hashlib_core.eval.codes.to_bit_array`, are
bit-packed (:func:`hashlib_core.eval.codes.pack_bits`: ``numpy.packbits``, big-endian bit order
within each byte), de-duplicated when that is smaller (unique rows + an inverse index: much
smaller for deep models, whose codes cluster by class) and compressed.

Schema 2 (written now) keeps them as arrays in ``.npz`` files (:func:`code_arrays_for_storage`,
:func:`save_arrays`); schema 1 kept them base64-encoded inside the JSON record
(:func:`encode_codes`, :func:`encode_array`), which costs a third more and is still read.
"""
from __future__ import annotations

import base64
import io
import os
import zlib

import numpy as np

from hashlib_core.eval.codes import pack_bits, to_bit_array, unpack_bits
from hashlib_core.files import atomic_write_bytes

__all__ = ["code_arrays_for_storage", "codes_from_storage", "arrays_digest", "save_arrays", "load_arrays",
           "encode_codes", "decode_codes", "encode_array", "decode_array"]


def _index_dtype(n_unique: int) -> type:
    return np.uint16 if n_unique <= 1 << 16 else np.uint32


def code_arrays_for_storage(bits: np.ndarray, name: str) -> dict[str, np.ndarray]:
    """Arrays that store validated codes ``bits`` losslessly under keys starting with ``name``.

    ``bits``: uint8 {0,1} ``(n, n_bits)``, as :func:`~hashlib_core.eval.codes.to_bit_array` returns
    them (not checked again here). Either ``{name}.packed (n, ceil(n_bits/8))`` or ``{name}.unique``
    + ``{name}.inverse (n,)``, whichever compresses smaller; ``{name}.n_bits`` holds the code length.
    """
    plain = {f"{name}.packed": pack_bits(bits)}
    unique, inverse = np.unique(bits, axis=0, return_inverse=True)
    dedup = {f"{name}.unique": pack_bits(unique),
             f"{name}.inverse": inverse.reshape(-1).astype(_index_dtype(len(unique)))}
    size = lambda arrays: sum(len(zlib.compress(a.tobytes(), 6)) for a in arrays.values())
    chosen = dedup if size(dedup) < size(plain) else plain
    return {**chosen, f"{name}.n_bits": np.array(bits.shape[1], dtype=np.int64)}


def codes_from_storage(arrays, name: str) -> np.ndarray:
    """Inverse of :func:`code_arrays_for_storage`: uint8 {0,1} array ``(n, n_bits)``."""
    n_bits = int(arrays[f"{name}.n_bits"])
    if f"{name}.packed" in arrays:
        return unpack_bits(arrays[f"{name}.packed"], n_bits)
    return unpack_bits(arrays[f"{name}.unique"], n_bits)[arrays[f"{name}.inverse"]]


def save_arrays(path: str | os.PathLike, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` to a compressed ``.npz`` at ``path`` atomically."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    atomic_write_bytes(path, buffer.getvalue())


def load_arrays(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read every array of an ``.npz`` written by :func:`save_arrays` (no pickles)."""
    with np.load(path, allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


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
    """Schema 1: encode {0,1} codes ``(n, n_bits)`` as a JSON-ready dict (base64); lossless."""
    arrays = code_arrays_for_storage(to_bit_array(codes, signed=False), "c")
    n_bits = int(arrays["c.n_bits"])
    if "c.packed" in arrays:
        return {"n": len(arrays["c.packed"]), "n_bits": n_bits, "layout": "packbits",
                "data": _b64(arrays["c.packed"].tobytes())}
    return {"n": len(arrays["c.inverse"]), "n_bits": n_bits, "layout": "unique+inverse",
            "unique": _b64(arrays["c.unique"].tobytes()), "n_unique": len(arrays["c.unique"]),
            "inverse": encode_array(arrays["c.inverse"])}


def decode_codes(blob: dict) -> np.ndarray:
    """Inverse of :func:`encode_codes` (schema 1): uint8 {0,1} array ``(n, n_bits)``."""
    n_bits = blob["n_bits"]
    width = (n_bits + 7) // 8
    if blob["layout"] == "packbits":
        packed = np.frombuffer(_unb64(blob["data"]), np.uint8).reshape(blob["n"], width)
        return unpack_bits(packed, n_bits)
    if blob["layout"] == "unique+inverse":
        unique = np.frombuffer(_unb64(blob["unique"]), np.uint8).reshape(blob["n_unique"], width)
        return unpack_bits(unique, n_bits)[decode_array(blob["inverse"])]
    raise ValueError(f"unknown code layout {blob['layout']!r}; valid: packbits, unique+inverse")

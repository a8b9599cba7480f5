"""Binary codes: validation and conversion between {0,1}, {-1,+1} and bit-packed forms — the one
place of the package that checks codes (:func:`to_bits`, :func:`to_bit_array`) and packs bits
(:func:`pack_codes`, :func:`pack_bits`); the results store keeps its files with these.

Accepted code formats (every public function of :mod:`hashlib_core.eval` takes any of them):

- ``(n, n_bits)`` numpy arrays or torch tensors of any bool, integer or float dtype holding
  {0, 1} or {-1, +1} (``-1 ↦ 0``, ``+1 ↦ 1``; a matrix holding only 1s is read as bits, which is
  the same thing);
- :class:`PackedCodes`: uint8 ``(n, ceil(n_bits / 8))`` in ``numpy.packbits`` order (first bit
  in the most significant bit of the first byte) plus the explicit ``n_bits``; bits past
  ``n_bits`` in the last byte are ignored. ``pack_codes`` makes one, ``unpack_codes`` undoes it;
  ``pack_bits`` / ``unpack_bits`` do the same for numpy arrays (the results store's layout).

Anything else (a value 2, 0.5, NaN, a 1-D array, 0 bits) is a ``ValueError`` saying what was found.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["PackedCodes", "to_bits", "to_bit_array", "pack_codes", "unpack_codes", "pack_bits", "unpack_bits",
           "as_tensor", "resolve_device", "MAX_BITS", "check_n_bits"]

#: the longest code any method of the package learns (deep networks and baselines alike)
MAX_BITS = 512


def check_n_bits(n_bits) -> int:
    """``n_bits`` as an int, or a ``ValueError`` naming the valid range 1..:data:`MAX_BITS`."""
    if isinstance(n_bits, bool) or not isinstance(n_bits, (int, np.integer)) or not 1 <= n_bits <= MAX_BITS:
        raise ValueError(f"n_bits must be an integer from 1 to {MAX_BITS}, got {n_bits!r}")
    return int(n_bits)


@dataclass(frozen=True)
class PackedCodes:
    """Bit-packed codes: ``packed`` uint8 ``(n, ceil(n_bits / 8))`` (``numpy.packbits`` order) and ``n_bits``.

    ``packed`` may be a numpy array or a tensor (it is stored as a tensor on the same device).
    """

    packed: torch.Tensor
    n_bits: int

    def __post_init__(self) -> None:
        packed = as_tensor(self.packed)
        if isinstance(self.n_bits, bool) or not isinstance(self.n_bits, (int, np.integer)) or self.n_bits < 1:
            raise ValueError(f"PackedCodes needs n_bits >= 1, got {self.n_bits!r}")
        if packed.dtype != torch.uint8 or packed.ndim != 2:
            raise ValueError(f"PackedCodes.packed must be a uint8 array (n, ceil(n_bits/8)), got dtype "
                             f"{packed.dtype} and shape {tuple(packed.shape)}")
        n_bytes = math.ceil(int(self.n_bits) / 8)
        if packed.shape[1] != n_bytes:
            raise ValueError(f"PackedCodes with n_bits={self.n_bits} needs {n_bytes} bytes per code, "
                             f"got {packed.shape[1]}")
        object.__setattr__(self, "packed", packed)
        object.__setattr__(self, "n_bits", int(self.n_bits))

    def __len__(self) -> int:
        return int(self.packed.shape[0])

    @property
    def device(self) -> torch.device:
        return self.packed.device


def resolve_device(device, *candidates) -> torch.device:
    """``device`` if given, else the device of the first tensor (or ``PackedCodes``) among ``candidates``, else CPU."""
    if device is not None:
        return torch.device(device)
    for value in candidates:
        if isinstance(value, (torch.Tensor, PackedCodes)):
            return value.device
    return torch.device("cpu")


def as_tensor(values, device: torch.device | str | None = None) -> torch.Tensor:
    """numpy array / list / tensor → tensor on ``device`` (default: the tensor's own device, else CPU)."""
    if isinstance(values, torch.Tensor):
        return values if device is None else values.to(device)
    array = np.asarray(values)
    if array.dtype.kind == "b":
        array = array.astype(np.uint8)
    elif array.dtype.kind not in "iuf":
        raise ValueError(f"expected a numeric array, got dtype {array.dtype}")
    if not array.flags.c_contiguous or (array.strides and min(array.strides) < 0):
        array = np.ascontiguousarray(array)
    if not array.flags.writeable:  # torch.from_numpy warns on read-only memory
        array = array.copy()
    return torch.from_numpy(array).to(device or "cpu")


_BIT_WEIGHTS = (128, 64, 32, 16, 8, 4, 2, 1)


def unpack_codes(codes: PackedCodes) -> torch.Tensor:
    """:class:`PackedCodes` → uint8 {0,1} tensor ``(n, n_bits)`` on the same device."""
    if not isinstance(codes, PackedCodes):
        raise ValueError(f"unpack_codes expects PackedCodes, got {type(codes).__name__}")
    packed = codes.packed
    weights = torch.tensor(_BIT_WEIGHTS, dtype=torch.uint8, device=packed.device)
    bits = (packed.unsqueeze(-1) & weights).ne(0).to(torch.uint8).reshape(packed.shape[0], -1)
    return bits[:, : codes.n_bits].contiguous()


def pack_codes(codes, device: torch.device | str | None = None) -> PackedCodes:
    """{0,1} or {-1,+1} codes ``(n, n_bits)`` → :class:`PackedCodes` (8 bits per byte, ``numpy.packbits`` order)."""
    bits = to_bits(codes, device=device)
    n, n_bits = bits.shape
    pad = (-n_bits) % 8
    if pad:
        bits = torch.cat([bits, bits.new_zeros(n, pad)], dim=1)
    weights = torch.tensor(_BIT_WEIGHTS, dtype=torch.int32, device=bits.device)
    packed = (bits.reshape(n, -1, 8).to(torch.int32) * weights).sum(dim=-1).to(torch.uint8)
    return PackedCodes(packed, n_bits)


def pack_bits(bits: np.ndarray) -> np.ndarray:
    """uint8 {0,1} ``(n, n_bits)`` (validated, :func:`to_bit_array`) → uint8 ``(n, ceil(n_bits / 8))``.

    The layout of :attr:`PackedCodes.packed` (``numpy.packbits`` order, zero padding), as numpy.
    """
    return np.packbits(bits, axis=1)


def unpack_bits(packed: np.ndarray, n_bits: int) -> np.ndarray:
    """Inverse of :func:`pack_bits`: uint8 {0,1} ``(n, n_bits)``; bits past ``n_bits`` are ignored."""
    return np.unpackbits(packed, axis=1, count=n_bits)


def _value_range(tensor: torch.Tensor) -> tuple[float, float]:
    """``(min, max)`` as Python numbers, in one pass (``aminmax``) where torch has it for the dtype."""
    try:
        low, high = torch.aminmax(tensor)
    except (RuntimeError, NotImplementedError):  # e.g. uint16/32/64 on CPU
        low, high = tensor.min(), tensor.max()
    return low.item(), high.item()


def _formats(signed: bool) -> str:
    return "{0, 1} or {-1, +1}" if signed else "{0, 1}"


def _not_binary(name: str, value: float | int, signed: bool, mix: bool = False) -> ValueError:
    """The one-line error for a code value outside the accepted formats."""
    valid = f"valid codes are {_formats(signed)}" if signed else "codes must be in {0, 1}"
    among, not_mix = (" among -1/+1 codes", ", not a mix") if mix else ("", "")
    return ValueError(f"{name} are not binary: found value {value}{among} ({valid}{not_mix})")


def _code_tensor(codes, name: str, device: torch.device | str | None, signed: bool) -> torch.Tensor:
    """``codes`` as a real 2-D tensor with at least 1 bit, or a ``ValueError`` saying what it is."""
    try:
        tensor = as_tensor(codes, device)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}; codes must be binary, in {_formats(signed)}") from None
    if tensor.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n, n_bits), got shape {tuple(tensor.shape)}")
    if tensor.shape[1] < 1:
        raise ValueError(f"{name} have 0 bits; codes need at least 1 bit")
    if tensor.is_complex():
        raise ValueError(f"{name} are complex; codes must be binary, in {_formats(signed)}")
    if tensor.is_floating_point() and tensor.numel() and bool(torch.isnan(tensor).any()):
        raise ValueError(f"{name} contain NaN; codes must be binary, in {_formats(signed)}")
    return tensor


def _first_outside(tensor: torch.Tensor, values: tuple[int, int]) -> float | int | None:
    """The first entry of ``tensor`` not in ``values``, or None."""
    bad = (tensor != values[0]) & (tensor != values[1])
    return tensor[bad][0].item() if bool(bad.any()) else None


def to_bits(codes, name: str = "codes", device: torch.device | str | None = None, *,
            signed: bool = True) -> torch.Tensor:
    """Validate codes and return them as a contiguous uint8 {0,1} tensor ``(n, n_bits)`` on ``device``.

    Accepts {0,1} (any bool, int or float dtype), {-1,+1} (``-1 ↦ 0``; only when ``signed``), or
    :class:`PackedCodes`. The one validator of the package: the results store uses it too
    (:func:`to_bit_array` with ``signed=False``). ``name`` starts the error messages.

    Raises:
        ValueError: not 2-D, 0 bits, NaN, or values outside {0,1} / {-1,+1} (one line, naming a bad value).
    """
    if isinstance(codes, PackedCodes):
        bits = unpack_codes(codes)
        return bits if device is None else bits.to(device)
    tensor = _code_tensor(codes, name, device, signed)
    if tensor.dtype == torch.bool or tensor.numel() == 0:
        return tensor.to(torch.uint8).contiguous()
    low, high = _value_range(tensor)
    if low >= 0 and high <= 1:
        bad = _first_outside(tensor, (0, 1)) if tensor.is_floating_point() else None
        if bad is not None:
            raise _not_binary(name, bad, signed)
        return tensor.to(torch.uint8).contiguous()
    if signed and low >= -1 and high <= 1:
        bad = _first_outside(tensor, (-1, 1))
        if bad is not None:
            raise _not_binary(name, bad, signed, mix=True)
        return (tensor > 0).to(torch.uint8).contiguous()
    raise _not_binary(name, high if high > 1 else low, signed)


def to_bit_array(codes, name: str = "codes", *, signed: bool = True) -> np.ndarray:
    """:func:`to_bits` on the CPU, as a numpy uint8 {0,1} array ``(n, n_bits)``.

    No copy when ``codes`` already is a contiguous uint8 {0,1} array or CPU tensor (the result then
    shares its memory); checking such codes again is one pass over them (min and max).
    """
    return to_bits(codes, name, "cpu", signed=signed).numpy()

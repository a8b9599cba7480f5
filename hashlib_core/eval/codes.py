"""Binary codes: validation and conversion between {0,1}, {-1,+1} and bit-packed forms.

Accepted code formats (every public function of :mod:`hashlib_core.eval` takes any of them):

- ``(n, n_bits)`` numpy arrays or torch tensors of any bool, integer or float dtype holding
  {0, 1} or {-1, +1} (``-1 ↦ 0``, ``+1 ↦ 1``; a matrix holding only 1s is read as bits, which is
  the same thing);
- :class:`PackedCodes`: uint8 ``(n, ceil(n_bits / 8))`` in ``numpy.packbits`` order (first bit
  in the most significant bit of the first byte) plus the explicit ``n_bits``; bits past
  ``n_bits`` in the last byte are ignored. ``pack_codes`` makes one, ``unpack_codes`` undoes it.

Anything else (a value 2, 0.5, NaN, a 1-D array, 0 bits) is a ``ValueError`` saying what was found.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["PackedCodes", "to_bits", "pack_codes", "unpack_codes", "as_tensor", "resolve_device", "MAX_BITS",
           "check_n_bits"]

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


def _value_range(tensor: torch.Tensor) -> tuple[float, float]:
    """``(min, max)`` as Python numbers, in one pass (``aminmax``) where torch has it for the dtype."""
    try:
        low, high = torch.aminmax(tensor)
    except (RuntimeError, NotImplementedError):  # e.g. uint16/32/64 on CPU
        low, high = tensor.min(), tensor.max()
    return low.item(), high.item()


def to_bits(codes, name: str = "codes", device: torch.device | str | None = None) -> torch.Tensor:
    """Validate codes and return them as a contiguous uint8 {0,1} tensor ``(n, n_bits)`` on ``device``.

    Accepts {0,1} (any bool, int or float dtype), {-1,+1} (``-1 ↦ 0``), or :class:`PackedCodes`.

    Raises:
        ValueError: not 2-D, 0 bits, NaN, or values outside {0,1} / {-1,+1}.
    """
    if isinstance(codes, PackedCodes):
        bits = unpack_codes(codes)
        return bits if device is None else bits.to(device)
    try:
        tensor = as_tensor(codes, device)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}; codes must be binary, in {{0, 1}} or {{-1, +1}}") from None
    if tensor.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n, n_bits), got shape {tuple(tensor.shape)}")
    if tensor.shape[1] < 1:
        raise ValueError(f"{name} have 0 bits; codes need at least 1 bit")
    if tensor.is_complex():
        raise ValueError(f"{name} are complex; codes must be binary, in {{0, 1}} or {{-1, +1}}")
    if tensor.dtype == torch.bool:
        return tensor.to(torch.uint8).contiguous()
    if tensor.numel() == 0:
        return tensor.to(torch.uint8).contiguous()
    if tensor.is_floating_point() and bool(torch.isnan(tensor).any()):
        raise ValueError(f"{name} contain NaN; codes must be binary, in {{0, 1}} or {{-1, +1}}")
    low, high = _value_range(tensor)
    if low >= 0 and high <= 1:
        if tensor.is_floating_point() and not bool(((tensor == 0) | (tensor == 1)).all()):
            bad = tensor[(tensor != 0) & (tensor != 1)][0].item()
            raise ValueError(f"{name} are not binary: found value {bad} (valid codes are {{0, 1}} or {{-1, +1}})")
        return tensor.to(torch.uint8).contiguous()
    if low >= -1 and high <= 1:
        bad_mask = (tensor != 1) & (tensor != -1)
        if bool(bad_mask.any()):
            bad = tensor[bad_mask][0].item()
            raise ValueError(f"{name} are not binary: found value {bad} among -1/+1 codes "
                             "(valid codes are {0, 1} or {-1, +1}, not a mix)")
        return (tensor > 0).to(torch.uint8).contiguous()
    bad = high if high > 1 else low
    raise ValueError(f"{name} are not binary: found value {bad} (valid codes are {{0, 1}} or {{-1, +1}})")

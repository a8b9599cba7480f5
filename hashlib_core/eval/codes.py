"""Binary codes: validation, conversion between {0,1}, {-1,+1} and bit-packed forms."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["PackedCodes", "to_bits", "to_signs", "pack_codes", "unpack_codes", "as_tensor"]


@dataclass(frozen=True)
class PackedCodes:
    """Bit-packed codes: ``packed`` uint8 ``(n, ceil(n_bits/8))`` (``numpy.packbits`` order), and ``n_bits``."""

    packed: torch.Tensor
    n_bits: int

    def __len__(self) -> int:
        return int(self.packed.shape[0])


def as_tensor(values, device: torch.device | str | None = None) -> torch.Tensor:
    """numpy array / list / tensor → tensor on ``device`` (default: the tensor's own device, else CPU)."""
    if isinstance(values, torch.Tensor):
        return values if device is None else values.to(device)
    array = np.asarray(values)
    if array.dtype.kind == "b":
        array = array.astype(np.uint8)
    if not array.flags.c_contiguous or array.strides and min(array.strides) < 0:
        array = np.ascontiguousarray(array)
    return torch.from_numpy(array).to(device or "cpu")


_BIT_WEIGHTS = torch.tensor([128, 64, 32, 16, 8, 4, 2, 1], dtype=torch.uint8)


def unpack_codes(codes: PackedCodes) -> torch.Tensor:
    """Packed codes → uint8 {0,1} tensor ``(n, n_bits)`` on the same device."""
    packed = codes.packed
    weights = _BIT_WEIGHTS.to(packed.device)
    bits = (packed.unsqueeze(-1) & weights).ne(0).to(torch.uint8).reshape(packed.shape[0], -1)
    return bits[:, : codes.n_bits]


def pack_codes(codes, device: torch.device | str | None = None) -> PackedCodes:
    """{0,1} or {-1,+1} codes ``(n, n_bits)`` → :class:`PackedCodes` (8 bits per byte)."""
    bits = to_bits(codes, device=device)
    n, n_bits = bits.shape
    pad = (-n_bits) % 8
    if pad:
        bits = torch.cat([bits, bits.new_zeros(n, pad)], dim=1)
    weights = _BIT_WEIGHTS.to(bits.device)
    packed = (bits.reshape(n, -1, 8) * weights).sum(dim=-1, dtype=torch.int32).to(torch.uint8)
    return PackedCodes(packed, n_bits)


def to_bits(codes, name: str = "codes", device: torch.device | str | None = None) -> torch.Tensor:
    """Validate codes and return them as a uint8 {0,1} tensor ``(n, n_bits)``.

    Accepts {0,1} (any int, float or bool dtype), {-1,+1} (−1 ↦ 0), or :class:`PackedCodes`.

    Raises:
        ValueError: not 2-D, empty bit dimension, NaN, or values outside {0,1} / {-1,+1}.
    """
    if isinstance(codes, PackedCodes):
        bits = unpack_codes(codes)
        return bits if device is None else bits.to(device)
    tensor = as_tensor(codes, device)
    if tensor.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n, n_bits), got shape {tuple(tensor.shape)}")
    if tensor.shape[1] < 1:
        raise ValueError(f"{name} have 0 bits; codes need at least 1 bit")
    if tensor.dtype == torch.bool:
        return tensor.to(torch.uint8)
    if tensor.is_floating_point() and torch.isnan(tensor).any():
        raise ValueError(f"{name} contain NaN; codes must be binary, in {{0, 1}} or {{-1, +1}}")
    if tensor.numel() == 0:
        return tensor.to(torch.uint8)
    low, high = tensor.min().item(), tensor.max().item()
    if low >= 0 and high <= 1:
        bits = tensor.to(torch.uint8)
        if not torch.equal(bits.to(tensor.dtype), tensor):
            raise ValueError(f"{name} are not binary: found a value strictly between 0 and 1 "
                             "(valid codes are {0, 1} or {-1, +1})")
        return bits
    if low >= -1 and high <= 1:
        if not bool(((tensor == 1) | (tensor == -1)).all()):
            raise ValueError(f"{name} are not binary: values in [-1, 1] other than -1 and +1 "
                             "(valid codes are {0, 1} or {-1, +1})")
        return (tensor > 0).to(torch.uint8)
    bad = high if high > 1 else low
    raise ValueError(f"{name} are not binary: found value {bad} (valid codes are {{0, 1}} or {{-1, +1}})")


def to_signs(bits: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """{0,1} uint8 codes → {-1,+1} of ``dtype`` (for the matrix-product distance)."""
    return bits.to(dtype) * 2 - 1

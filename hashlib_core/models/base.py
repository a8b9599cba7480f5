"""What every backbone shares: the input geometry and a clear error for images of another shape."""
from __future__ import annotations

import torch
from torch import nn

__all__ = ["image_geometry", "ShapeCheckedBackbone"]


def image_geometry(image_shape: tuple[int, ...]) -> tuple[int, int, int]:
    """``(H, W)`` or ``(H, W, C)`` (the :class:`~hashlib_core.data.Dataset` convention) → ``(C, H, W)``."""
    shape = tuple(int(s) for s in image_shape)
    if len(shape) == 2:
        return (1, *shape)
    if len(shape) == 3 and shape[2] in (1, 3):
        return (shape[2], shape[0], shape[1])
    raise ValueError(f"image_shape must be (H, W) for grayscale or (H, W, C) with C in (1, 3), got {image_shape}")


class ShapeCheckedBackbone(nn.Module):
    """Base class: remembers the input geometry and rejects other shapes with a clear message."""

    name: str = "backbone"
    out_features: int

    def __init__(self, in_channels: int, image_size: tuple[int, int]):
        super().__init__()
        self.in_channels = int(in_channels)
        self.image_size = (int(image_size[0]), int(image_size[1]))

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """``(C, H, W)`` of one input image."""
        return (self.in_channels, *self.image_size)

    def check_input(self, x: torch.Tensor) -> None:
        """Raise ``ValueError`` unless ``x`` is ``(n, C, H, W)`` with this backbone's C, H, W."""
        if x.ndim != 4 or tuple(x.shape[1:]) != self.input_shape:
            c, h, w = self.input_shape
            raise ValueError(f"{self.name} expects {c}-channel {h}x{w} images (n, {c}, {h}, {w}), "
                             f"got {tuple(x.shape)}")

"""Backbones: float images ``(n, C, H, W)`` → feature vectors ``(n, out_features)``.

:class:`NIN` is the Network-in-Network stack of DNNH (Lai et al. 2015) and of seed paper 003, in
the 32×32 configuration of ``shared/papers.md`` (from a public Caffe re-implementation that follows
the authors' code)::

    conv 96 5×5 (pad 2)   → ReLU → conv 96 1×1   → ReLU → max-pool 3/2 (pad 1)   32 → 16
    conv 256 5×5 (pad 2)  → ReLU → conv 256 1×1  → ReLU → max-pool 3/2 (pad 1)   16 → 8
    conv 384 3×3 (pad 1)  → ReLU → conv 384 1×1  → ReLU → avg-pool 3/2 (pad 1)    8 → 4
    conv 1024 3×3 (pad 1) → ReLU → conv out 1×1  → ReLU → global average pooling  4 → 1

Paddings (our choice, the Caffe files are not at hand): 5×5 convolutions pad 2 and 3×3 pad 1 so
convolutions keep the size; pools use padding 1 (floor mode), which gives the same 32 → 16 → 8 → 4
sizes as Caffe's ceil-mode pooling without padding, and also works for 28×28 (28 → 14 → 7 → 4) and
8×8 (8 → 4 → 2 → 1). The average pool ignores the padding (``count_include_pad=False``).
``out_features`` is 50·q for DNNH (divide-and-encode) and a free feature size (1024 by default)
for the latent-layer methods. ``width_mult`` multiplies every hidden width (1.0 = the paper's; the 8×8
digits preset uses 0.25 so CPU smoke runs take seconds).
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from hashlib_core.models.base import ShapeCheckedBackbone, image_geometry
from hashlib_core.models.layers import Conv2d
from hashlib_core.models.pretrained import TorchvisionBackbone

__all__ = ["NIN", "BACKBONES", "build_backbone", "default_backbone", "image_geometry", "PAPER_WIDTHS"]

PAPER_WIDTHS = (96, 256, 384, 1024)


class NIN(ShapeCheckedBackbone):
    """Network-in-Network stack + global average pooling: ``(n, C, H, W)`` → ``(n, out_features)``.

    Args:
        in_channels: 3 for colour, 1 for grayscale.
        image_size: ``(H, W)`` (or one int for square images); checked on every call.
        out_features: channels of the last 1×1 convolution = size of the output vector.
        width_mult: multiplier of the hidden widths ``widths`` (1.0 = 96, 256, 384, 1024).
        final_relu: ReLU after the last 1×1 convolution (as after every convolution in NIN).
        batch_norm: BatchNorm after every convolution (not in the paper; off by default).
        dropout: dropout probability after the first and third pooling (0.5 in DNNH's released
            network; 0, the default, adds no layer).
    """

    def __init__(self, in_channels: int, image_size: int | tuple[int, int], out_features: int, *,
                 width_mult: float = 1.0, widths: tuple[int, int, int, int] = PAPER_WIDTHS,
                 final_relu: bool = True, batch_norm: bool = False, dropout: float = 0.0):
        size = (image_size, image_size) if isinstance(image_size, int) else tuple(image_size)
        super().__init__(in_channels, size)
        if out_features < 1:
            raise ValueError(f"out_features must be >= 1, got {out_features}")
        if width_mult <= 0:
            raise ValueError(f"width_mult must be > 0, got {width_mult}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        h, w = self.image_size
        self.name = f"NIN{h}" if h == w else f"NIN{h}x{w}"
        self.out_features = int(out_features)
        self.width_mult = float(width_mult)
        c1, c2, c3, c4 = (max(4, int(round(c * width_mult))) for c in widths)

        def conv(cin: int, cout: int, k: int, relu: bool = True) -> list[nn.Module]:
            layers: list[nn.Module] = [Conv2d(cin, cout, k, padding=k // 2)]
            if batch_norm:
                layers.append(nn.BatchNorm2d(cout))
            if relu:
                layers.append(nn.ReLU(inplace=True))
            return layers

        # dropout after the first and third pooling, as in DNNH's released network (only when asked:
        # without it the layer indices, and so the state-dict keys, stay those of the plain stack)
        def drop() -> list[nn.Module]:
            return [nn.Dropout(dropout)] if dropout > 0 else []

        self.features = nn.Sequential(
            *conv(in_channels, c1, 5), *conv(c1, c1, 1), nn.MaxPool2d(3, 2, padding=1), *drop(),
            *conv(c1, c2, 5), *conv(c2, c2, 1), nn.MaxPool2d(3, 2, padding=1),
            *conv(c2, c3, 3), *conv(c3, c3, 1), nn.AvgPool2d(3, 2, padding=1, count_include_pad=False), *drop(),
            *conv(c3, c4, 3), *conv(c4, out_features, 1, relu=final_relu))
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
                nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(n, C, H, W)`` → ``(n, out_features)`` (global average pooling of the last 1×1 conv)."""
        self.check_input(x)
        return self.features(x).mean(dim=(2, 3))


def _nin(in_channels: int, image_size: tuple[int, int], out_features: int, *, width_mult: float | None = None,
         **options) -> NIN:
    if width_mult is None:  # the paper's widths, a quarter of them for tiny (8x8) images
        width_mult = 1.0 if min(image_size) >= 16 else 0.25
    return NIN(in_channels, image_size, out_features, width_mult=width_mult, **options)


def _torchvision(arch: str) -> Callable[..., nn.Module]:
    def factory(in_channels: int, image_size: tuple[int, int], out_features: int | None = None, **options):
        return TorchvisionBackbone(arch, in_channels, image_size, **options)

    return factory


#: backbone name → factory ``(in_channels, (H, W), out_features, **options) -> module``
BACKBONES: dict[str, Callable[..., nn.Module]] = {
    "nin": _nin,
    "alexnet": _torchvision("alexnet"),
    "vgg16": _torchvision("vgg16"),
    "resnet18": _torchvision("resnet18"),
    "resnet50": _torchvision("resnet50"),
}

#: backbones whose output size is set by the caller (the others have a fixed feature size)
SIZED_BACKBONES = ("nin",)


def default_backbone(image_shape: tuple[int, ...]) -> str:
    """The backbone used when none is named: the NIN stack (width_mult set from the image size)."""
    image_geometry(image_shape)
    return "nin"


def build_backbone(name: str, image_shape: tuple[int, ...], out_features: int | None = None,
                   **options) -> nn.Module:
    """Instantiate backbone ``name`` for images of ``image_shape`` (``(H, W)`` or ``(H, W, C)``).

    Raises:
        ValueError: unknown name (lists valid ones) or bad image shape.
    """
    if name not in BACKBONES:
        raise ValueError(f"unknown backbone {name!r}; valid backbones: {', '.join(BACKBONES)}")
    c, h, w = image_geometry(image_shape)
    if name in SIZED_BACKBONES and out_features is None:
        raise ValueError(f"backbone {name!r} needs out_features")
    return BACKBONES[name](c, (h, w), out_features, **options)

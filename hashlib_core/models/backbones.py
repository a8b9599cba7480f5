"""Network-in-Network backbones (Lin et al. 2014) as used by DNNH and seed paper 003.

``NIN`` follows the 32×32 configuration of papers.md (from a public Caffe re-implementation of
DNNH): conv 96 5×5 → 1×1 96 → max-pool 3/2; conv 256 5×5 → 1×1 256 → max-pool 3/2; conv 384 3×3
→ 1×1 384 → avg-pool 3/2; conv 1024 3×3 → 1×1 ``out_features`` → global average pooling; ReLU after
every convolution (not after the last 1×1 when it produces DNNH's 50q features — those feed
divide-and-encode directly). Paddings keep the spatial size in convolutions (5×5: 2, 3×3: 1) and
pools use padding 1, so 32 → 16 → 8 → 4, 28 → 14 → 7 → 4 and 8 → 4 → 2 → 1. ``width_mult``
scales every hidden width (1.0 is the paper's; smaller for CPU smoke runs on 8×8 digits).

Deviation from the 2015 network, stated: batch normalisation after every hidden convolution
(``batch_norm=True``, default) and He initialisation. Without them the from-scratch network did
not leave its initial constant codes within the short schedules this project can afford on CPUs;
``batch_norm=False`` gives the original stack.
"""
from __future__ import annotations

import torch
from torch import nn

__all__ = ["NIN", "auto_width_mult"]


def auto_width_mult(image_size: int) -> float:
    """Default width: the paper's NIN for 32×32, half for 28×28, a quarter for the 8×8 digits."""
    return 1.0 if image_size >= 32 else 0.5 if image_size >= 16 else 0.25


class NIN(nn.Module):
    """NIN stack: ``(n, C, H, W)`` float → ``(n, out_features)`` after global average pooling."""

    def __init__(self, in_channels: int, out_features: int, image_size: int, width_mult: float = 1.0,
                 widths: tuple[int, int, int, int] = (96, 256, 384, 1024), final_relu: bool = True,
                 batch_norm: bool = True):
        super().__init__()
        w = [max(8, int(round(c * width_mult))) for c in widths]
        self.in_channels = in_channels
        self.image_size = image_size
        self.out_features = out_features

        def norm(c):
            return [nn.BatchNorm2d(c)] if batch_norm else []

        def block(cin, cout, k):
            return [nn.Conv2d(cin, cout, k, padding=k // 2), *norm(cout), nn.ReLU(inplace=True),
                    nn.Conv2d(cout, cout, 1), *norm(cout), nn.ReLU(inplace=True)]

        layers = [*block(in_channels, w[0], 5), nn.MaxPool2d(3, 2, padding=1),
                  *block(w[0], w[1], 5), nn.MaxPool2d(3, 2, padding=1),
                  *block(w[1], w[2], 3), nn.AvgPool2d(3, 2, padding=1),
                  nn.Conv2d(w[2], w[3], 3, padding=1), *norm(w[3]), nn.ReLU(inplace=True),
                  nn.Conv2d(w[3], out_features, 1)]
        if final_relu:
            layers.append(nn.ReLU(inplace=True))
        self.features = nn.Sequential(*layers)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
                nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != self.in_channels or x.shape[2] != self.image_size or x.shape[3] != self.image_size:
            raise ValueError(f"NIN expects {self.in_channels}-channel {self.image_size}x{self.image_size} images "
                             f"(n, {self.in_channels}, {self.image_size}, {self.image_size}), got {tuple(x.shape)}")
        return self.features(x).mean(dim=(2, 3))

"""The methods: each paper is one combination of a backbone, a hash head and a loss."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from torch import nn

from hashlib_core.losses import ClassificationLoss, ExponentiatedHashingLoss, SSDHLoss, TripletRankingLoss
from hashlib_core.models.backbones import NIN, auto_width_mult
from hashlib_core.models.heads import DivideAndEncode, FullyConnectedEncode, LatentLayer, TanhHead

__all__ = ["HashingNet", "MethodSpec", "METHODS", "build_model", "build_loss"]


class HashingNet(nn.Module):
    """``backbone`` → ``head``; ``forward`` returns the head's dict (``"h"`` relaxed code, maybe ``"logits"``)."""

    def __init__(self, backbone: nn.Module, head: nn.Module, method: str, n_bits: int):
        super().__init__()
        self.backbone, self.head = backbone, head
        self.method, self.n_bits = method, n_bits

    def forward(self, x: torch.Tensor) -> dict:
        return self.head(self.backbone(x))

    @property
    def classifies(self) -> bool:
        return getattr(self.head, "classifier", None) is not None

    @torch.no_grad()
    def encode(self, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
        """Bits ``(n, n_bits)`` uint8 in {0,1} for normalised images ``(n, C, H, W)`` (eval mode, no grad)."""
        was_training = self.training
        self.eval()
        out = torch.cat([self.head.bits(self(x[i:i + batch_size])).to(torch.uint8)
                         for i in range(0, len(x), batch_size)])
        self.train(was_training)
        return out

    @torch.no_grad()
    def predict(self, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
        """Predicted classes ``(n,)`` from the classifier on the latent layer."""
        self.eval()
        return torch.cat([self(x[i:i + batch_size])["logits"].argmax(1) for i in range(0, len(x), batch_size)])


@dataclass(frozen=True)
class MethodSpec:
    paper: str
    head: str  # "divide", "fc", "latent", "tanh"
    loss: str  # "triplet", "expo", "classification", "ssdh"
    description: str


METHODS: dict[str, MethodSpec] = {
    "dnnh": MethodSpec("dnnh", "divide", "triplet", "NIN + divide-and-encode + triplet ranking loss"),
    "dnnh-fc": MethodSpec("dnnh", "fc", "triplet", "DNNH ablation: fully connected hash layer"),
    "expo": MethodSpec("mu-liu", "tanh", "expo", "NIN + tanh relaxation + exponentiated pairwise loss"),
    "nin-latent": MethodSpec("nin-latent", "latent", "classification", "NIN + GAP + latent sigmoid + softmax"),
    "dlbhc": MethodSpec("nin-latent", "latent", "classification", "latent sigmoid layer + classification (DLBHC)"),
    "ssdh": MethodSpec("ssdh", "latent", "ssdh", "latent layer + classifier + binarization + balance"),
}


def _image_geometry(image_shape: tuple[int, ...]) -> tuple[int, int]:
    if len(image_shape) == 2:
        h, w, c = *image_shape, 1
    elif len(image_shape) == 3:
        h, w, c = image_shape
    else:
        raise ValueError(f"image_shape must be (H, W) or (H, W, C), got {image_shape}")
    if h != w:
        raise ValueError(f"the NIN backbones expect square images, got {h}x{w}")
    return c, h


def build_model(method: str, n_bits: int, n_classes: int, image_shape: tuple[int, ...], *,
                width_mult: float | None = None, epsilon: float = 0.1, slice_size: int = 50,
                feature_dim: int | None = None, beta: float = 1.0) -> HashingNet:
    """Build a method's network for images of ``image_shape`` ((H, W) or (H, W, C)).

    Raises:
        ValueError: unknown method (lists the valid ones), ``n_bits`` < 1, bad image shape.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; valid methods: {', '.join(METHODS)}")
    if not isinstance(n_bits, (int, np.integer)) or n_bits < 1:
        raise ValueError(f"n_bits must be a positive integer, got {n_bits!r}")
    spec = METHODS[method]
    channels, size = _image_geometry(tuple(image_shape))
    mult = width_mult if width_mult is not None else auto_width_mult(size)
    if spec.head in ("divide", "fc"):
        backbone = NIN(channels, slice_size * n_bits, size, mult, final_relu=False)
        head_cls = DivideAndEncode if spec.head == "divide" else FullyConnectedEncode
        head = head_cls(n_bits, slice_size, epsilon)
    else:
        dim = feature_dim or max(8, int(round(1024 * mult)))
        backbone = NIN(channels, dim, size, mult)
        if spec.head == "latent":
            head = LatentLayer(dim, n_bits, n_classes)
        else:
            head = TanhHead(dim, n_bits, beta, n_classes)
    return HashingNet(backbone, head, method, int(n_bits))


def build_loss(method: str, *, margin: float = 1.0, max_triplets: int | None = None, alpha: float = 1.0,
               balance_weight: float = 1.0, seed: int = 0) -> Callable[[dict, torch.Tensor], torch.Tensor]:
    """The method's training loss as ``loss(head_output, labels) -> scalar``."""
    kind = METHODS[method].loss
    if kind == "triplet":
        triplet = TripletRankingLoss(margin, max_triplets, seed)
        return lambda out, y: triplet(out["h"], y)
    if kind == "expo":
        expo = ExponentiatedHashingLoss()
        return lambda out, y: expo(out["h"], y)
    if kind == "classification":
        ce = ClassificationLoss()
        return lambda out, y: ce(out["logits"], y)
    ssdh = SSDHLoss(alpha, balance_weight)
    return lambda out, y: ssdh(out["logits"], out["h"], y)

"""The methods: each paper is one combination of a backbone, a hash head and a loss, with defaults.

===============  ======================================================================  ===============
method           combination                                                             loss
===============  ======================================================================  ===============
``dnnh``         NIN (50·q features) + divide-and-encode (sigmoid + g(s), ε = 0.1)        triplet ranking
``dnnh-fc``      the same with one fully connected layer 50·q → q (the paper's ablation) triplet ranking
``expo``         NIN + GAP + linear → tanh(βz) (codes sign z); optional pre-training     exponentiated
``nin-latent``   NIN + GAP + latent sigmoid layer + softmax classifier (seed 003)        cross-entropy
``dlbhc``        latent sigmoid layer + classifier on a backbone (DLBHC; AlexNet in the  cross-entropy
                 paper, NIN here unless ``backbone="alexnet", pretrained=True``)
``ssdh``         latent sigmoid layer + classifier + K1 (binarization) + K2 (balance)    CE + K1 + K2
===============  ======================================================================  ===============
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from hashlib_core.losses import ClassificationLoss, ExponentiatedPairLoss, SSDHLoss, TripletRankingLoss
from hashlib_core.models.backbones import SIZED_BACKBONES, build_backbone, default_backbone, image_geometry
from hashlib_core.models.heads import DivideAndEncode, FullyConnectedEncode, LatentSigmoid, TanhSign
from hashlib_core.models.net import HashingNet

__all__ = ["MethodSpec", "METHODS", "MethodLoss", "build_model", "build_loss", "split_options",
           "MODEL_OPTIONS", "LOSS_OPTIONS", "MAX_BITS"]

MAX_BITS = 512

#: options of :func:`build_model` (besides method, n_bits, n_classes, image_shape)
MODEL_OPTIONS = ("backbone", "width_mult", "batch_norm", "final_relu", "dropout", "feature_dim", "slice_size",
                 "epsilon", "threshold_gradient", "beta", "pretrained", "input_size")
#: options that only the NIN backbone takes
_NIN_ONLY = ("width_mult", "batch_norm", "final_relu", "dropout")
#: options of :func:`build_loss`
LOSS_OPTIONS = ("margin", "max_triplets", "pair_weighting", "binarization_weight", "balance_weight")


@dataclass(frozen=True)
class MethodSpec:
    """One method = head kind + loss kind + defaults (model options, loss options, training settings)."""

    name: str
    paper: str
    head: str  # "divide-and-encode", "fully-connected", "latent", "tanh-sign"
    loss: str  # "triplet", "exponentiated", "classification", "ssdh"
    description: str
    model_defaults: dict = field(default_factory=dict)
    loss_defaults: dict = field(default_factory=dict)
    train_defaults: dict = field(default_factory=dict)

    @property
    def classifies(self) -> bool:
        return self.head == "latent"


_ADAM = {"optimizer": "adam", "lr": 1e-3, "weight_decay": 5e-4}
#: BatchNorm after every NIN convolution: NOT in the papers' stack, on by default because from-scratch
#: training with short schedules otherwise stalls (at initialisation the pooled features barely vary
#: across images, so every image gets nearly the same code, and SSDH's K1 then saturates all units to
#: one code). ``batch_norm=False`` gives the papers' stack exactly.
_NIN = {"batch_norm": True}
METHODS: dict[str, MethodSpec] = {spec.name: spec for spec in (
    MethodSpec("dnnh", "dnnh", "divide-and-encode", "triplet",
               "NIN (50q features) + divide-and-encode + triplet ranking loss (Lai et al. 2015)",
               {**_NIN, "epsilon": 0.1, "slice_size": 50}, {"margin": 1.0, "max_triplets": None}, _ADAM),
    MethodSpec("dnnh-fc", "dnnh", "fully-connected", "triplet",
               "DNNH ablation: one fully connected hash layer 50q -> q instead of divide-and-encode",
               {**_NIN, "epsilon": 0.1, "slice_size": 50}, {"margin": 1.0, "max_triplets": None}, _ADAM),
    MethodSpec("expo", "mu-liu", "tanh-sign", "exponentiated",
               "NIN + tanh(beta z) relaxation + exponentiated pairwise loss, optional classifier "
               "pre-training (Mu & Liu 2017)", {**_NIN, "beta": 1.0}, {"pair_weighting": "uniform"}, _ADAM),
    MethodSpec("nin-latent", "nin-latent", "latent", "classification",
               "NIN + global average pooling + latent sigmoid layer + softmax (seed paper 003)", _NIN, {}, _ADAM),
    MethodSpec("dlbhc", "nin-latent", "latent", "classification",
               "latent sigmoid layer + classifier, cross-entropy only (DLBHC, Lin et al. 2015)", _NIN, {}, _ADAM),
    MethodSpec("ssdh", "ssdh", "latent", "ssdh",
               "latent sigmoid layer + classifier + K1 binarization + K2 balance (Yang et al. 2017)",
               _NIN, {"binarization_weight": 1.0, "balance_weight": 1.0}, _ADAM),
)}


def _method(method: str) -> MethodSpec:
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; valid methods: {', '.join(METHODS)}")
    return METHODS[method]


def _check_bits(n_bits) -> int:
    if isinstance(n_bits, bool) or not isinstance(n_bits, (int, np.integer)) or not 1 <= n_bits <= MAX_BITS:
        raise ValueError(f"n_bits must be an integer from 1 to {MAX_BITS}, got {n_bits!r}")
    return int(n_bits)


def split_options(options: dict) -> tuple[dict, dict]:
    """Split ``options`` into (model options, loss options); unknown keys raise ``ValueError``."""
    unknown = sorted(set(options) - set(MODEL_OPTIONS) - set(LOSS_OPTIONS))
    if unknown:
        raise ValueError(f"unknown model/loss options {unknown}; valid: {', '.join(MODEL_OPTIONS + LOSS_OPTIONS)}")
    return ({k: v for k, v in options.items() if k in MODEL_OPTIONS},
            {k: v for k, v in options.items() if k in LOSS_OPTIONS})


def build_model(method: str, n_bits: int, n_classes: int | None, image_shape: tuple[int, ...],
                **overrides) -> HashingNet:
    """Build ``method``'s network for images of ``image_shape`` (``(H, W)`` or ``(H, W, C)``).

    Overrides (:data:`MODEL_OPTIONS`): ``backbone`` ("nin", "alexnet", …; default NIN), ``width_mult``
    (NIN width multiplier; default 1.0, 0.25 below 16 px), ``batch_norm``, ``final_relu``, ``dropout``,
    ``feature_dim`` (backbone output for non-DNNH methods; default 1024·width_mult), ``slice_size``
    (DNNH: 50), ``epsilon`` (DNNH threshold: 0.1), ``threshold_gradient`` ("band" or
    "straight-through"), ``beta`` (tanh sharpness), ``pretrained``, ``input_size`` (torchvision).

    Raises:
        ValueError: unknown method or option (the message lists the valid ones), ``n_bits`` not an
            integer in 1..512, ``n_classes`` < 2 for a classifier, bad image shape, or a backbone
            whose feature size is not 50·q for DNNH.
    """
    spec = _method(method)
    n_bits = _check_bits(n_bits)
    model_options, loss_options = split_options(overrides)
    if loss_options:
        raise ValueError(f"{sorted(loss_options)} are loss options; pass them to build_loss")
    needs_classes = spec.classifies or spec.loss == "exponentiated"
    if n_classes is not None and (isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer))
                                  or n_classes < 2):
        raise ValueError(f"n_classes must be an integer >= 2, got {n_classes!r}")
    if needs_classes and n_classes is None:
        raise ValueError(f"method {method!r} needs n_classes (it trains a classifier)")
    opts = {**spec.model_defaults, **model_options}
    channels, height, width_px = image_geometry(tuple(image_shape))
    backbone_name = opts.pop("backbone", None) or default_backbone(image_shape)
    backbone_opts = {k: opts.pop(k) for k in (*_NIN_ONLY, "pretrained", "input_size") if k in opts}
    if backbone_name in SIZED_BACKBONES:  # the NIN stack: no ImageNet weights
        if backbone_opts.pop("pretrained", False):
            raise ValueError("the NIN backbone has no pretrained weights; use backbone='alexnet' (or vgg16, "
                             "resnet18, resnet50) with pretrained=True")
        backbone_opts.pop("input_size", None)
    else:  # torchvision backbones: NIN-only options are errors when asked for, dropped when defaults
        asked = sorted(k for k in _NIN_ONLY if k in model_options)
        if asked:
            raise ValueError(f"{asked} apply to the NIN backbone only, not {backbone_name!r}")
        for k in _NIN_ONLY:
            backbone_opts.pop(k, None)
    if spec.head in ("divide-and-encode", "fully-connected"):
        slice_size = int(opts.pop("slice_size", 50))
        if slice_size < 1:
            raise ValueError(f"slice_size must be >= 1, got {slice_size}")
        feature_dim = opts.pop("feature_dim", None)
        if feature_dim is not None and feature_dim != slice_size * n_bits:
            raise ValueError(f"DNNH's divide-and-encode needs feature_dim = {slice_size} x {n_bits} bits = "
                             f"{slice_size * n_bits}, got {feature_dim}")
        backbone = build_backbone(backbone_name, image_shape, slice_size * n_bits, **backbone_opts)
        if backbone.out_features != slice_size * n_bits:
            raise ValueError(f"DNNH's divide-and-encode needs {slice_size} x {n_bits} bits = {slice_size * n_bits} "
                             f"backbone features; {backbone_name} gives {backbone.out_features} (use backbone='nin')")
        head_cls = DivideAndEncode if spec.head == "divide-and-encode" else FullyConnectedEncode
        head = head_cls(n_bits, slice_size, float(opts.pop("epsilon", 0.1)),
                        opts.pop("threshold_gradient", "band"))
    else:
        feature_dim = opts.pop("feature_dim", None)
        if backbone_name in SIZED_BACKBONES and feature_dim is None:
            mult = backbone_opts.get("width_mult") or (1.0 if min(height, width_px) >= 16 else 0.25)
            feature_dim = max(8, int(round(1024 * mult)))
        backbone = build_backbone(backbone_name, image_shape, feature_dim, **backbone_opts)
        if spec.head == "latent":
            head = LatentSigmoid(backbone.out_features, n_bits, n_classes)
        else:
            head = TanhSign(backbone.out_features, n_bits, float(opts.pop("beta", 1.0)))
    for unused in ("epsilon", "threshold_gradient", "slice_size", "beta"):
        opts.pop(unused, None)  # options of other methods' heads are ignored
    pretrain = nn.Linear(backbone.out_features, n_classes) if spec.loss == "exponentiated" else None
    return HashingNet(backbone, head, method=method, n_classes=n_classes, pretrain_classifier=pretrain)


class MethodLoss(nn.Module):
    """Adapter: picks the loss's inputs from the network's output dict: ``forward(out, labels) -> scalar``."""

    def __init__(self, loss: nn.Module, inputs: tuple[str, ...]):
        super().__init__()
        self.loss, self.inputs = loss, tuple(inputs)

    def forward(self, out: dict[str, torch.Tensor], labels: torch.Tensor) -> torch.Tensor:
        return self.loss(*(out[key] for key in self.inputs), labels)

    def extra_repr(self) -> str:
        return f"inputs={self.inputs}"


def build_loss(method: str, **overrides) -> MethodLoss:
    """``method``'s training loss as ``loss(out, labels) -> scalar`` (options: :data:`LOSS_OPTIONS`).

    Options that belong to another method's loss are ignored; unknown names raise ``ValueError``.
    """
    spec = _method(method)
    model_options, loss_options = split_options(overrides)
    if model_options:
        raise ValueError(f"{sorted(model_options)} are model options; pass them to build_model")
    o = {**spec.loss_defaults, **loss_options}
    if spec.loss == "triplet":
        return MethodLoss(TripletRankingLoss(o.get("margin", 1.0), o.get("max_triplets")), ("relaxed",))
    if spec.loss == "exponentiated":
        return MethodLoss(ExponentiatedPairLoss(o.get("pair_weighting", "uniform")), ("relaxed",))
    if spec.loss == "ssdh":
        return MethodLoss(SSDHLoss(o.get("binarization_weight", 1.0), o.get("balance_weight", 1.0)),
                          ("relaxed", "logits"))
    return MethodLoss(ClassificationLoss(), ("logits",))

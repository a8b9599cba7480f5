"""Build a deep method's network and loss from its entry in the method table (:mod:`hashlib_core.methods`).

Each paper is one combination of a backbone, a hash head and a loss; the combination and its
defaults live in :data:`hashlib_core.methods.METHODS`, the only place a default is written.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from hashlib_core.eval.codes import MAX_BITS, check_n_bits
from hashlib_core.losses import ClassificationLoss, ExponentiatedPairLoss, SSDHLoss, TripletRankingLoss
from hashlib_core.methods import DEEP_METHODS, LOSS_OPTIONS, MODEL_OPTIONS, MethodSpec, method_spec
from hashlib_core.models.backbones import SIZED_BACKBONES, build_backbone, default_backbone, image_geometry
from hashlib_core.models.heads import DivideAndEncode, FullyConnectedEncode, LatentSigmoid, TanhSign
from hashlib_core.models.net import HashingNet

__all__ = ["METHODS", "MethodLoss", "build_model", "build_loss", "split_options", "MODEL_OPTIONS", "LOSS_OPTIONS",
           "LOSS_KINDS", "MAX_BITS"]

#: the deep entries of the method table (the methods :func:`build_model` builds)
METHODS: dict[str, MethodSpec] = {name: method_spec(name) for name in DEEP_METHODS}

#: options that only the NIN backbone takes
_NIN_ONLY = ("width_mult", "batch_norm", "final_relu", "dropout")


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

    Overrides (:data:`MODEL_OPTIONS`; defaults from the method table): ``backbone`` ("nin",
    "alexnet", …; default NIN), ``width_mult`` (NIN width multiplier; default 1.0, 0.25 below 16 px),
    ``batch_norm``, ``final_relu``, ``dropout``, ``feature_dim`` (backbone output for non-DNNH
    methods; default 1024·width_mult), ``slice_size`` (DNNH), ``epsilon`` (DNNH threshold),
    ``threshold_gradient`` ("band" or "straight-through"), ``beta`` (tanh sharpness),
    ``pretrained``, ``input_size`` (torchvision).

    Raises:
        ValueError: unknown method or option (the message lists the valid ones), ``n_bits`` not an
            integer in 1..512, ``n_classes`` < 2 for a classifier, bad image shape, or a backbone
            whose feature size is not 50·q for DNNH.
    """
    spec = method_spec(method, "deep")
    n_bits = check_n_bits(n_bits)
    model_options, loss_options = split_options(overrides)
    if loss_options:
        raise ValueError(f"{sorted(loss_options)} are loss options; pass them to build_loss")
    _check_classes(spec, n_classes)
    opts = {**spec.model_defaults, **model_options}
    backbone_name = opts.pop("backbone", None) or default_backbone(image_shape)
    backbone_opts = _backbone_options(backbone_name, opts, model_options)
    if spec.head in ("divide-and-encode", "fully-connected"):
        backbone, head = _slice_encoder(spec, backbone_name, image_shape, n_bits, opts, backbone_opts)
    else:
        feature_dim = opts.get("feature_dim")
        if backbone_name in SIZED_BACKBONES and feature_dim is None:
            feature_dim = _nin_feature_dim(image_shape, backbone_opts.get("width_mult"))
        backbone = build_backbone(backbone_name, image_shape, feature_dim, **backbone_opts)
        head = (LatentSigmoid(backbone.out_features, n_bits, n_classes) if spec.head == "latent"
                else TanhSign(backbone.out_features, n_bits, float(opts["beta"])))
    pretrain = nn.Linear(backbone.out_features, n_classes) if spec.pretrains else None
    return HashingNet(backbone, head, method=method, n_classes=n_classes, pretrain_classifier=pretrain)


def _check_classes(spec: MethodSpec, n_classes: int | None) -> None:
    if n_classes is not None and (isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer))
                                  or n_classes < 2):
        raise ValueError(f"n_classes must be an integer >= 2, got {n_classes!r}")
    if spec.needs_classes and n_classes is None:
        raise ValueError(f"method {spec.name!r} needs n_classes (it trains a classifier)")


def _backbone_options(backbone_name: str, opts: dict, asked: dict) -> dict:
    """The options ``opts`` holds for the backbone (removed from ``opts``), checked against the backbone."""
    backbone_opts = {k: opts.pop(k) for k in (*_NIN_ONLY, "pretrained", "input_size") if k in opts}
    if backbone_name in SIZED_BACKBONES:  # the NIN stack: no ImageNet weights
        if backbone_opts.pop("pretrained", False):
            raise ValueError("the NIN backbone has no pretrained weights; use backbone='alexnet' (or vgg16, "
                             "resnet18, resnet50) with pretrained=True")
        backbone_opts.pop("input_size", None)
        return backbone_opts
    wrong = sorted(k for k in _NIN_ONLY if k in asked)  # NIN-only options: errors when asked for, else dropped
    if wrong:
        raise ValueError(f"{wrong} apply to the NIN backbone only, not {backbone_name!r}")
    return {k: v for k, v in backbone_opts.items() if k not in _NIN_ONLY}


def _nin_feature_dim(image_shape: tuple[int, ...], width_mult: float | None) -> int:
    """The NIN's output width for non-DNNH heads: 1024 · width multiplier (0.25 below 16 px when unset)."""
    _, height, width_px = image_geometry(tuple(image_shape))
    mult = width_mult or (1.0 if min(height, width_px) >= 16 else 0.25)
    return max(8, int(round(1024 * mult)))


def _slice_encoder(spec: MethodSpec, backbone_name: str, image_shape, n_bits: int, opts: dict,
                   backbone_opts: dict) -> tuple[nn.Module, nn.Module]:
    """DNNH's backbone with 50·q outputs and its divide-and-encode (or fully connected) head."""
    slice_size = int(opts["slice_size"])
    if slice_size < 1:
        raise ValueError(f"slice_size must be >= 1, got {slice_size}")
    feature_dim = opts.get("feature_dim")
    if feature_dim is not None and feature_dim != slice_size * n_bits:
        raise ValueError(f"DNNH's divide-and-encode needs feature_dim = {slice_size} x {n_bits} bits = "
                         f"{slice_size * n_bits}, got {feature_dim}")
    backbone = build_backbone(backbone_name, image_shape, slice_size * n_bits, **backbone_opts)
    if backbone.out_features != slice_size * n_bits:
        raise ValueError(f"DNNH's divide-and-encode needs {slice_size} x {n_bits} bits = {slice_size * n_bits} "
                         f"backbone features; {backbone_name} gives {backbone.out_features} (use backbone='nin')")
    head_cls = DivideAndEncode if spec.head == "divide-and-encode" else FullyConnectedEncode
    return backbone, head_cls(n_bits, slice_size, float(opts["epsilon"]), opts["threshold_gradient"])


class MethodLoss(nn.Module):
    """Adapter: picks the loss's inputs from the network's output dict: ``forward(out, labels) -> scalar``."""

    def __init__(self, loss: nn.Module, inputs: tuple[str, ...]):
        super().__init__()
        self.loss, self.inputs = loss, tuple(inputs)

    def forward(self, out: dict[str, torch.Tensor], labels: torch.Tensor) -> torch.Tensor:
        return self.loss(*(out[key] for key in self.inputs), labels)

    def extra_repr(self) -> str:
        return f"inputs={self.inputs}"


#: loss kind (``MethodSpec.loss``) → (loss class, the network outputs it reads, its options in constructor order)
LOSS_KINDS: dict[str, tuple[type[nn.Module], tuple[str, ...], tuple[str, ...]]] = {
    "triplet": (TripletRankingLoss, ("relaxed",), ("margin", "max_triplets")),
    "exponentiated": (ExponentiatedPairLoss, ("relaxed",), ("pair_weighting",)),
    "ssdh": (SSDHLoss, ("relaxed", "logits"), ("binarization_weight", "balance_weight")),
    "classification": (ClassificationLoss, ("logits",), ()),
}


def build_loss(method: str, **overrides) -> MethodLoss:
    """``method``'s training loss as ``loss(out, labels) -> scalar`` (options: :data:`LOSS_OPTIONS`).

    Options that belong to another method's loss are ignored; unknown names raise ``ValueError``.
    """
    spec = method_spec(method, "deep")
    model_options, loss_options = split_options(overrides)
    if model_options:
        raise ValueError(f"{sorted(model_options)} are model options; pass them to build_model")
    options = {**spec.loss_defaults, **loss_options}
    loss_class, inputs, names = LOSS_KINDS[spec.loss]
    return MethodLoss(loss_class(*(options[name] for name in names)), inputs)

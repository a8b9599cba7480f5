"""Backbones, hash heads and the method registry (each paper = backbone + head + loss + defaults).

``build_model(method, n_bits, n_classes, image_shape, **overrides) -> HashingNet`` and
``build_loss(method, **overrides)``; ``METHODS`` holds the deep entries of the method table (:mod:`hashlib_core.methods`). ``model.encode(uint8 images)``
returns uint8 {0,1} codes ``(n, n_bits)`` ready for :func:`hashlib_core.eval.evaluate`.
"""
from hashlib_core.models.backbones import BACKBONES, NIN, build_backbone, image_geometry
from hashlib_core.models.heads import (DivideAndEncode, FullyConnectedEncode, LatentSigmoid, PiecewiseThreshold,
                                       TanhSign, piecewise_threshold)
from hashlib_core.models.net import HashingNet, images_to_float
from hashlib_core.methods import MethodSpec
from hashlib_core.models.registry import (LOSS_OPTIONS, METHODS, MODEL_OPTIONS, MethodLoss, build_loss, build_model,
                                          split_options)

__all__ = ["build_model", "build_loss", "METHODS", "MethodSpec", "MethodLoss", "HashingNet", "NIN", "BACKBONES",
           "build_backbone", "image_geometry", "images_to_float", "DivideAndEncode", "FullyConnectedEncode",
           "LatentSigmoid", "TanhSign", "PiecewiseThreshold", "piecewise_threshold", "MODEL_OPTIONS", "LOSS_OPTIONS",
           "split_options"]

"""Backbones, hash heads and the method registry (one combination per paper)."""
from hashlib_core.models.backbones import NIN, auto_width_mult
from hashlib_core.models.heads import DivideAndEncode, FullyConnectedEncode, LatentLayer, TanhHead, piecewise_threshold
from hashlib_core.models.registry import METHODS, HashingNet, MethodSpec, build_loss, build_model

__all__ = ["NIN", "auto_width_mult", "DivideAndEncode", "FullyConnectedEncode", "LatentLayer", "TanhHead",
           "piecewise_threshold", "METHODS", "HashingNet", "MethodSpec", "build_loss", "build_model"]

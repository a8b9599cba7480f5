"""Hand-crafted features of the papers' baselines: raw pixels (MNIST) and 512-d GIST (CIFAR-10, SVHN)."""
from __future__ import annotations

import hashlib
import json

import numpy as np

from hashlib_core.features.gist import GIST_PARAMS, gist
from hashlib_core.io import atomic_path, cache_dir

__all__ = ["gist", "pixel_features", "extract_features", "FEATURE_KINDS"]

FEATURE_KINDS = ("pixels", "gist")


def pixel_features(images: np.ndarray) -> np.ndarray:
    """Raw intensities in [0, 1]: uint8 ``(n, H, W[, C])`` → float32 ``(n, H·W·C)``."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"pixel_features expects uint8 images, got dtype {images.dtype}")
    return images.reshape(len(images), -1).astype(np.float32) / 255.0


def extract_features(dataset, kind: str = "gist", cache: bool = True) -> np.ndarray:
    """Features of every image of ``dataset`` (``(n, d)`` float32), cached on disk for GIST.

    The cache key is the dataset variant, its size, the feature kind and its parameters.
    """
    if kind not in FEATURE_KINDS:
        raise ValueError(f"unknown feature kind {kind!r}; valid kinds: {', '.join(FEATURE_KINDS)}")
    if kind == "pixels":
        return pixel_features(dataset.images)
    key = hashlib.sha256(json.dumps([dataset.variant, len(dataset), list(dataset.image_shape), GIST_PARAMS],
                                    sort_keys=True).encode()).hexdigest()[:12]
    path = cache_dir() / "features" / f"{dataset.variant}-gist-{key}.npy"
    if cache and path.is_file():
        features = np.load(path)
        if features.shape == (len(dataset), 512):
            return features
    features = gist(dataset.images)
    if cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as f:
                np.save(f, features)
    return features

"""Hand-crafted features of the papers' baselines: raw pixels (MNIST) and 512-d GIST (CIFAR-10, SVHN).

- :func:`pixel_features`: the raw intensities in [0, 1] (MNIST's 784-d representation);
- :func:`gist`: 512-d GIST descriptors (LMgist configuration, see :mod:`hashlib_core.features.gist`);
- :func:`extract_features`: either, for every image of a :class:`~hashlib_core.data.Dataset`,
  with GIST cached on disk; ``kind="model"`` passes the images through a callable instead (the
  hook for features of a network trained by this project; not cached).
"""
from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Callable

import numpy as np

from hashlib_core.features.gist import GIST_PARAMS, GIST_VERSION, _check_images, gist
from hashlib_core.files import atomic_path, cache_dir

__all__ = ["gist", "pixel_features", "extract_features", "feature_cache_path", "FEATURE_KINDS"]

FEATURE_KINDS = ("pixels", "gist", "model")

log = logging.getLogger(__name__)


def pixel_features(images: np.ndarray) -> np.ndarray:
    """Raw intensities in [0, 1]: uint8 ``(n, H, W)`` or ``(n, H, W, C)`` → float32 ``(n, H·W·C)``.

    Raises:
        ValueError: not a uint8 numpy array of one of those shapes.
    """
    images = _check_images(images, "pixel_features")
    return images.reshape(len(images), -1).astype(np.float32) / np.float32(255.0)


def _images_digest(images: np.ndarray) -> str:
    h = hashlib.sha256(str((images.shape, str(images.dtype))).encode())
    h.update(np.ascontiguousarray(images).data)
    return h.hexdigest()[:16]


def feature_cache_path(dataset, kind: str = "gist") -> Path:
    """Where :func:`extract_features` caches ``kind`` features of ``dataset``.

    ``<cache_dir>/features/<variant>-<kind>-<key>.npy`` with ``key`` a hash of the variant, the
    image array's shape and content digest, the feature parameters and their version.
    """
    if kind != "gist":
        raise ValueError(f"only 'gist' features are cached, got kind={kind!r}")
    spec = {"variant": dataset.variant, "n": len(dataset), "shape": list(dataset.images.shape),
            "images": _images_digest(dataset.images), "kind": kind,
            "params": {k: list(v) if isinstance(v, tuple) else v for k, v in GIST_PARAMS.items()},
            "version": GIST_VERSION}
    key = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]
    return cache_dir() / "features" / f"{dataset.variant}-{kind}-{key}.npy"


def extract_features(dataset, kind: str = "gist", cache: bool = True, *,
                     model: Callable[[np.ndarray], np.ndarray] | None = None,
                     progress: bool | None = None) -> np.ndarray:
    """Features of every image of ``dataset`` as float32 ``(n_images, n_features)``.

    Args:
        dataset: a :class:`~hashlib_core.data.Dataset` (uses ``.images`` and ``.variant``).
        kind: ``"pixels"`` (intensities in [0, 1], ``H·W·C`` dims), ``"gist"`` (512 dims) or
            ``"model"`` (``model(dataset.images)``).
        cache: for GIST, read/write ``feature_cache_path(dataset)`` (written atomically; a file
            with the wrong shape or dtype is recomputed). Pixels are never cached (cheap).
        model: for ``kind="model"``: any callable mapping the uint8 images ``(n, H, W[, C])`` to
            an ``(n, d)`` array (e.g. a trained network's embedding). Its features are not cached.
        progress: tqdm bar for GIST (default: for large datasets).

    Raises:
        ValueError: unknown ``kind``, ``model`` missing or given for another kind, or a model
            output that is not ``(n, d)`` and finite.
    """
    if kind not in FEATURE_KINDS:
        raise ValueError(f"unknown feature kind {kind!r}; valid kinds: {', '.join(FEATURE_KINDS)}")
    if (model is not None) != (kind == "model"):
        raise ValueError("extract_features: pass model=... exactly when kind='model'")
    if kind == "pixels":
        return pixel_features(dataset.images)
    if kind == "model":
        features = np.asarray(model(dataset.images), dtype=np.float32)
        if features.ndim != 2 or len(features) != len(dataset) or not np.isfinite(features).all():
            raise ValueError(f"extract_features: the model must return finite features (n_images={len(dataset)}, d), "
                             f"got shape {features.shape}")
        return features
    path = feature_cache_path(dataset, kind) if cache else None
    n_features = sum(GIST_PARAMS["orientations_per_scale"]) * GIST_PARAMS["n_blocks"] ** 2
    if path is not None and path.is_file():
        try:
            features = np.load(path, allow_pickle=False)
            if features.shape == (len(dataset), n_features) and features.dtype == np.float32:
                return features
            log.warning("cached features %s have shape %s, dtype %s: recomputing", path, features.shape,
                        features.dtype)
        except (OSError, ValueError) as exc:
            log.warning("cannot read cached features %s (%s): recomputing", path, exc)
    features = gist(dataset.images, progress=progress, **GIST_PARAMS)
    if path is not None:
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as f:
                np.save(f, features)
    return features

"""Training data held on the device: uint8 images, labels, normalisation statistics, augmentation."""
from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

__all__ = ["channel_statistics", "random_crop_flip", "check_integer_labels"]


def check_integer_labels(labels) -> np.ndarray:
    """``labels`` as an int64 array ``(n,)``; ``TypeError`` when they are not integers."""
    array = np.asarray(labels)
    if array.dtype.kind not in "iu":
        raise TypeError(f"labels must be integers (class indices), got dtype {array.dtype}")
    if array.ndim != 1:
        raise ValueError(f"labels must have shape (n,), got {array.shape}")
    return array.astype(np.int64, copy=False)


def channel_statistics(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and std ``(C,)`` in [0, 1] units of uint8 images ``(n, H, W[, C])``."""
    x = images.reshape(len(images), -1, 1 if images.ndim == 3 else images.shape[-1]).astype(np.float64) / 255.0
    return x.mean(axis=(0, 1)), x.std(axis=(0, 1))


def random_crop_flip(x: torch.Tensor, padding: int = 4, flip: bool = True) -> torch.Tensor:
    """Per-image random crop after zero ``padding`` (in normalised units: the mean colour) and
    random horizontal flip, on float ``(n, C, H, W)``; draws from torch's global generator."""
    n, c, h, w = x.shape
    padded = F.pad(x, (padding, padding, padding, padding))
    dy = torch.randint(0, 2 * padding + 1, (n,), device=x.device)
    dx = torch.randint(0, 2 * padding + 1, (n,), device=x.device)
    rows = (dy[:, None] + torch.arange(h, device=x.device))[:, None, :, None]
    cols = (dx[:, None] + torch.arange(w, device=x.device))[:, None, None, :]
    out = padded[torch.arange(n, device=x.device)[:, None, None, None],
                 torch.arange(c, device=x.device)[None, :, None, None], rows, cols]
    if flip:
        mirrored = torch.rand(n, device=x.device) < 0.5
        out = torch.where(mirrored[:, None, None, None], out.flip(3), out)
    return out

"""GIST descriptors (Oliva & Torralba 2001), following the LabelMe ``LMgist`` reference code.

Configuration (the common 512-d one): grayscale (0.299 R + 0.587 G + 0.114 B), images at their
own size (32×32 for CIFAR-10 and SVHN, no resizing), ``prefilt`` local contrast normalisation with
``fc = 4``, symmetric padding, a frequency-domain Gabor bank of 4 scales × 8 orientations
(``createGabor`` parameters), magnitude of each response averaged over a 4×4 grid:
4 · 8 · 16 = 512 values per image. Deviation from LMgist, stated: the boundary extension is
16 pixels (LMgist uses 32 for 256×256 images; on 32×32 images 16 keeps the FFTs at 64×64).
Vectorised over images with ``torch.fft`` (batches), float32.
"""
from __future__ import annotations

import math

import numpy as np
import torch

__all__ = ["gist", "gabor_bank", "GIST_PARAMS"]

GIST_PARAMS = {"orientations_per_scale": (8, 8, 8, 8), "n_blocks": 4, "fc_prefilt": 4, "boundary": 16}


def gabor_bank(n: int, orientations_per_scale=(8, 8, 8, 8)) -> torch.Tensor:
    """Transfer functions ``(n_filters, n, n)`` of LMgist's ``createGabor`` (FFT layout, not shifted)."""
    params = []
    for i, n_or in enumerate(orientations_per_scale):
        for j in range(n_or):
            params.append((0.35, 0.3 / (1.85 ** i), 16 * n_or ** 2 / 32 ** 2, math.pi / n_or * j))
    coords = torch.arange(-n // 2, n // 2, dtype=torch.float64)
    fy, fx = torch.meshgrid(coords, coords, indexing="ij")
    fr = torch.fft.fftshift(torch.sqrt(fx ** 2 + fy ** 2))
    theta = torch.fft.fftshift(torch.atan2(fy, fx))
    filters = []
    for a, b, c, angle in params:
        tr = theta + angle
        tr = tr + 2 * math.pi * (tr < -math.pi) - 2 * math.pi * (tr > math.pi)
        filters.append(torch.exp(-10 * a * (fr / n / b - 1) ** 2 - 2 * c * math.pi * tr ** 2))
    return torch.stack(filters).float()


def _symmetric_pad(x: torch.Tensor, pad: int) -> torch.Tensor:
    x = torch.cat([x[:, :pad].flip(1), x, x[:, -pad:].flip(1)], dim=1)
    return torch.cat([x[:, :, :pad].flip(2), x, x[:, :, -pad:].flip(2)], dim=2)


def _prefilt(images: torch.Tensor, fc: int = 4) -> torch.Tensor:
    """LMgist ``prefilt``: log, whitening, local contrast normalisation. ``(B, H, W)`` → same shape."""
    w = 5
    s1 = fc / math.sqrt(math.log(2))
    x = torch.log(images + 1)
    x = _symmetric_pad(x, w)
    n_y, n_x = x.shape[1:]
    n = max(n_y, n_x)
    x = torch.nn.functional.pad(x, (0, n - n_x, 0, n - n_y), mode="replicate") if n_y != n_x else x
    coords = torch.arange(-n // 2, n // 2, dtype=torch.float32)
    fy, fx = torch.meshgrid(coords, coords, indexing="ij")
    gf = torch.fft.fftshift(torch.exp(-(fx ** 2 + fy ** 2) / s1 ** 2))
    out = x - torch.fft.ifft2(torch.fft.fft2(x) * gf).real
    local = torch.sqrt(torch.fft.ifft2(torch.fft.fft2(out ** 2) * gf).abs())
    out = out / (0.2 + local)
    return out[:, w:n_y - w, w:n_x - w]


def _gist_batch(gray: torch.Tensor, filters: torch.Tensor, n_blocks: int, boundary: int) -> torch.Tensor:
    b, h, w = gray.shape
    x = _prefilt(gray)
    x = _symmetric_pad(x, boundary)
    spectrum = torch.fft.fft2(x).unsqueeze(1)  # (B, 1, n, n)
    response = torch.fft.ifft2(spectrum * filters.unsqueeze(0)).abs()  # (B, F, n, n)
    response = response[:, :, boundary:boundary + h, boundary:boundary + w]
    pooled = torch.nn.functional.adaptive_avg_pool2d(response, n_blocks)  # (B, F, nb, nb)
    # LMgist stores each filter's block means column-major (x fastest within a column)
    return pooled.transpose(2, 3).reshape(b, -1)


def gist(images: np.ndarray, batch_size: int = 500, progress: bool | None = None) -> np.ndarray:
    """512-d GIST of uint8 images ``(n, H, W)`` or ``(n, H, W, 3)`` → float32 ``(n, 512)``.

    Raises:
        ValueError: not uint8, or a shape other than (n, H, W[, 3]) with H, W ≥ 8.
    """
    from tqdm.auto import tqdm

    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"gist expects uint8 images, got dtype {images.dtype}")
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[3] != 3) or min(images.shape[1:3]) < 8:
        raise ValueError(f"gist expects images (n, H, W) or (n, H, W, 3) with H, W >= 8, got shape {images.shape}")
    h, w = images.shape[1:3]
    if h != w:
        raise ValueError(f"gist expects square images, got {h}x{w}")
    filters = gabor_bank(h + 2 * GIST_PARAMS["boundary"], GIST_PARAMS["orientations_per_scale"])
    out = np.empty((len(images), filters.shape[0] * GIST_PARAMS["n_blocks"] ** 2), dtype=np.float32)
    show = progress if progress is not None else len(images) > 5000
    for start in tqdm(range(0, len(images), batch_size), desc="GIST", disable=not show, leave=False):
        chunk = torch.from_numpy(images[start:start + batch_size].astype(np.float32))
        gray = chunk if chunk.ndim == 3 else chunk @ torch.tensor([0.299, 0.587, 0.114])
        out[start:start + len(chunk)] = _gist_batch(gray, filters, GIST_PARAMS["n_blocks"],
                                                    GIST_PARAMS["boundary"]).numpy()
    return out

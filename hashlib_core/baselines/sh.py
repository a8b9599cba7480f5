"""Spectral hashing (Weiss, Torralba, Fergus, NIPS 2008): analytic eigenfunctions along PCA directions."""
from __future__ import annotations

import numpy as np

from hashlib_core.baselines.base import HashingEstimator, pca_directions

__all__ = ["SH"]


class SH(HashingEstimator):
    """Thresholded 1-D Laplacian eigenfunctions of a uniform distribution on the PCA box.

    Follows the authors' ``trainSH``/``compressSH``: PCA to ``n_pca = min(n_bits, n_features,
    n_samples)`` dimensions; the data are assumed uniform on the box ``[mn_d, mx_d]`` (training
    min/max along each direction, widened by machine epsilon); the 1-D eigenfunctions
    ``sin(π/2 + k π (x_d − mn_d) / (mx_d − mn_d))`` have eigenvalues growing with
    ``(k / (mx_d − mn_d))²``; the ``n_bits`` modes ``(d, k ≥ 1)`` of smallest eigenvalue are kept
    (ties in the authors' order: stable sort) and each bit is ``[eigenfunction(x) > 0]``.
    Deterministic given the data.

    Parameters:
        n_bits: code length (>= 1).
        random_state: ignored (SH is deterministic); accepted so that every baseline takes it.

    Attributes:
        mean_: ``(n_features,)``; components_: ``(n_features, n_pca)``; mn_, mx_: ``(n_pca,)`` box;
        modes_: ``(n_bits, n_pca)`` integer frequencies (one non-zero entry per row).
    """

    def __init__(self, n_bits: int = 32, random_state=None):
        self.n_bits = n_bits
        self.random_state = random_state

    def _fit(self, X: np.ndarray, y) -> None:
        n_pca = min(self.n_bits, X.shape[1], X.shape[0])
        self.mean_, self.components_, _ = pca_directions(X, n_pca)
        Z = (X - self.mean_) @ self.components_
        eps = np.finfo(float).eps
        self.mn_ = Z.min(axis=0) - eps
        self.mx_ = Z.max(axis=0) + eps
        extent = self.mx_ - self.mn_
        max_mode = np.ceil((self.n_bits + 1) * extent / extent.max()).astype(int)
        n_modes = int(max_mode.sum() - len(max_mode) + 1)
        modes = np.ones((n_modes, n_pca))
        row = 0
        for d in range(n_pca):
            modes[row + 1: row + max_mode[d], d] = np.arange(2, max_mode[d] + 1)
            row += max_mode[d] - 1
        modes -= 1  # row 0 is the constant mode (all zeros)
        eigenvalues = ((modes * (np.pi / extent)) ** 2).sum(axis=1)
        order = np.argsort(eigenvalues, kind="stable")
        self.modes_ = modes[order[1: self.n_bits + 1]]
        assert len(self.modes_) == self.n_bits  # the largest direction alone has n_bits + 1 modes

    def _project(self, X: np.ndarray, chunk: int = 4096) -> np.ndarray:
        omegas = self.modes_ * (np.pi / (self.mx_ - self.mn_))  # (n_bits, n_pca)
        out = np.empty((len(X), self.n_bits))
        for start in range(0, len(X), chunk):
            Z = (X[start:start + chunk] - self.mean_) @ self.components_ - self.mn_
            out[start:start + chunk] = np.prod(np.sin(Z[:, None, :] * omegas[None] + np.pi / 2), axis=2)
        return out

"""Spectral hashing (Weiss, Torralba, Fergus, NIPS 2008): analytic eigenfunctions along PCA directions."""
from __future__ import annotations

import numpy as np

from hashlib_core.baselines.base import HashingEstimator
from hashlib_core.baselines.itq import pca_directions

__all__ = ["SH"]


class SH(HashingEstimator):
    """Thresholded 1-D Laplacian eigenfunctions of a uniform distribution on the PCA box.

    Follows the authors' ``trainSH``/``compressSH``: PCA to min(n_bits, n_features) dims, box
    ``[mn, mx]`` per dimension, the ``n_bits`` modes of smallest eigenvalue (excluding the
    constant), bit = sign of ``prod_d sin(pi/2 + omega_d (x_d - mn_d))``.
    Attributes: ``mean_``, ``components_``, ``mn_``, ``mx_``, ``modes_`` ``(n_bits, n_pca)``.
    """

    def __init__(self, n_bits: int = 32, random_state=None):
        self.n_bits = n_bits
        self.random_state = random_state  # unused (SH is deterministic); kept for a uniform API

    def _fit(self, X, y):
        n_pca = min(self.n_bits, X.shape[1])
        self.mean_, self.components_ = pca_directions(X, n_pca)
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
        modes -= 1
        omegas = modes * (np.pi / extent)
        eigenvalues = (omegas ** 2).sum(axis=1)
        order = np.argsort(eigenvalues, kind="stable")
        self.modes_ = modes[order[1: self.n_bits + 1]]
        if len(self.modes_) < self.n_bits:
            raise ValueError(f"SH found only {len(self.modes_)} modes for n_bits={self.n_bits}")

    def _project(self, X):
        Z = (X - self.mean_) @ self.components_ - self.mn_
        omegas = self.modes_ * (np.pi / (self.mx_ - self.mn_))  # (n_bits, n_pca)
        return np.prod(np.sin(Z[:, None, :] * omegas[None] + np.pi / 2), axis=2)

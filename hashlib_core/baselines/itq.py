"""Iterative quantization (Gong & Lazebnik, CVPR 2011): PCA, then an orthogonal rotation."""
from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

from hashlib_core.baselines.base import HashingEstimator

__all__ = ["ITQ", "pca_directions"]


def pca_directions(X: np.ndarray, n_components: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean ``(d,)`` and the top ``n_components`` principal directions ``(d, n_components)``."""
    mean = X.mean(axis=0)
    cov = np.cov(X - mean, rowvar=False).reshape(X.shape[1], X.shape[1])
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1][:n_components]
    return mean, vectors[:, order]


class ITQ(HashingEstimator):
    """PCA to ``n_bits`` dimensions ``V``, then the rotation ``R`` minimising ``||B - V R||_F^2``.

    Alternates ``B = sgn(V R)`` and ``R = Ŝ Sᵀ`` from the SVD ``Bᵀ V = S Ω Ŝᵀ`` for ``n_iter`` steps,
    from a random orthogonal start. Attributes: ``mean_``, ``components_`` ``(n_features, n_bits)``,
    ``rotation_`` ``(n_bits, n_bits)``, ``quantization_loss_`` (one value per iteration, non-increasing).
    """

    def __init__(self, n_bits: int = 32, n_iter: int = 50, random_state=None):
        self.n_bits = n_bits
        self.n_iter = n_iter
        self.random_state = random_state

    def _fit(self, X, y):
        n_samples, n_features = X.shape
        if self.n_bits > n_features:
            raise ValueError(f"ITQ needs n_bits <= n_features for its PCA: n_bits={self.n_bits}, "
                             f"X has {n_features} features")
        if self.n_bits > n_samples:
            raise ValueError(f"ITQ needs at least n_bits samples for its PCA: n_bits={self.n_bits}, "
                             f"X has {n_samples} samples")
        rng = check_random_state(self.random_state)
        self.mean_, self.components_ = pca_directions(X, self.n_bits)
        V = (X - self.mean_) @ self.components_
        R, _ = np.linalg.qr(rng.standard_normal((self.n_bits, self.n_bits)))
        losses = []
        for _ in range(self.n_iter):
            Z = V @ R
            B = np.where(Z >= 0, 1.0, -1.0)
            losses.append(float(((B - Z) ** 2).sum()))
            S, _, Sh_t = np.linalg.svd(B.T @ V)
            R = (S @ Sh_t).T
        self.rotation_ = R
        self.quantization_loss_ = losses

    def _project(self, X):
        return (X - self.mean_) @ self.components_ @ self.rotation_

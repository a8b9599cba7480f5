"""Iterative quantization (Gong & Lazebnik, CVPR 2011): PCA (or CCA), then an orthogonal rotation."""
from __future__ import annotations

import numpy as np
import scipy.linalg
from sklearn.utils import check_random_state

from hashlib_core.baselines.base import (HashingEstimator, check_int_param, check_real_param, label_matrix,
                                         pca_directions)

__all__ = ["ITQ", "ITQCCA", "itq_rotation", "pca_directions"]


def itq_rotation(V: np.ndarray, n_iter: int, rng: np.random.RandomState) -> tuple[np.ndarray, list[float]]:
    """The ITQ rotation of zero-centred data ``V`` ``(n, c)``: ``R`` ``(c, c)`` and the loss history.

    Minimises the quantization loss ``Q(B, R) = ||B − V R||_F²`` over ``B ∈ {−1, +1}^{n×c}`` and
    orthogonal ``R`` by alternating, from a random orthogonal ``R`` (left singular vectors of a
    Gaussian matrix, as in the authors' code):

    - fix ``R``: ``B = sgn(V R)`` (``+1`` where ``V R >= 0``);
    - fix ``B``: orthogonal Procrustes, SVD ``Bᵀ V = S Ω Ŝᵀ`` and ``R = Ŝ Sᵀ`` (maximises ``tr(Bᵀ V R)``).

    Returns ``R`` after ``n_iter`` updates and ``losses`` (``n_iter + 1`` values,
    ``losses[t] = Q(sgn(V R_t), R_t)``), non-increasing since each step minimises over one block.
    """
    c = V.shape[1]
    R, _, _ = np.linalg.svd(rng.standard_normal((c, c)))
    losses = []
    for t in range(n_iter + 1):
        Z = V @ R
        B = np.where(Z >= 0, 1.0, -1.0)
        losses.append(float(((B - Z) ** 2).sum()))
        if t == n_iter:
            break
        S, _, Sh_t = np.linalg.svd(B.T @ V)
        R = Sh_t.T @ S.T
    return R, losses


class ITQ(HashingEstimator):
    """PCA to ``n_bits`` dimensions, then the ITQ rotation; ``bit = [(x − mean) W R >= 0]``.

    Parameters:
        n_bits: code length; needs ``n_bits <= n_features`` and ``n_bits <= n_samples``.
        n_iter: alternating-minimisation iterations (the paper's 50).
        random_state: seed for the initial random rotation (scikit-learn convention).

    Attributes:
        mean_: ``(n_features,)``; components_: ``(n_features, n_bits)`` principal directions;
        rotation_: ``(n_bits, n_bits)`` orthogonal; quantization_loss_: list of ``n_iter + 1``
        non-increasing values ``||B − V R||_F²`` on the training data (see :func:`itq_rotation`).
    """

    def __init__(self, n_bits: int = 32, n_iter: int = 50, random_state=None):
        self.n_bits = n_bits
        self.n_iter = n_iter
        self.random_state = random_state

    def _validate_params(self) -> None:
        super()._validate_params()
        check_int_param("n_iter", self.n_iter, 0, type(self).__name__)

    def _check_shape(self, X: np.ndarray) -> None:
        n_samples, n_features = X.shape
        name = type(self).__name__
        if self.n_bits > n_features:
            raise ValueError(f"{name} projects to n_bits dimensions, so it needs n_bits <= n_features, "
                             f"but n_bits={self.n_bits} and X has n_features={n_features}")
        if self.n_bits > n_samples:
            raise ValueError(f"{name} needs at least n_bits training samples for its {n_features}->{self.n_bits} "
                             f"projection, but n_bits={self.n_bits} and X has n_samples={n_samples}")

    def _fit(self, X: np.ndarray, y) -> None:
        self._check_shape(X)
        rng = check_random_state(self.random_state)
        self.mean_, self.components_, _ = pca_directions(X, self.n_bits)
        V = (X - self.mean_) @ self.components_
        self.rotation_, self.quantization_loss_ = itq_rotation(V, self.n_iter, rng)

    def _project(self, X: np.ndarray) -> np.ndarray:
        return (X - self.mean_) @ self.components_ @ self.rotation_

    def _binarize(self, projection: np.ndarray) -> np.ndarray:
        return projection >= 0  # the authors' convention


class ITQCCA(ITQ):
    """Supervised ITQ (CCA-ITQ, Gong & Lazebnik 2011, sec. 4): CCA with the labels instead of PCA.

    ``fit(X, y)`` with integer labels ``(n,)`` (one-hot encoded) or a 0/1 label matrix
    ``(n, n_classes)``. As in the authors' code: regularised CCA (``reg`` added to both covariance
    diagonals), the top ``n_bits`` directions of ``Cxx⁻¹ Cxy Cyy⁻¹ Cyx`` by canonical correlation
    ``r``, each scaled to unit Euclidean norm and then multiplied by its ``r``; then the ITQ
    rotation. With ``c`` classes only ``c − 1`` correlations are non-zero, so the bits beyond them
    carry little information (as in the paper).

    Attributes: as :class:`ITQ`, with ``components_`` the scaled CCA directions and
    ``correlations_`` ``(n_bits,)`` the canonical correlations.
    """

    _requires_y = True

    def __init__(self, n_bits: int = 32, n_iter: int = 50, reg: float = 1e-4, random_state=None):
        self.n_bits = n_bits
        self.n_iter = n_iter
        self.reg = reg
        self.random_state = random_state

    def _validate_params(self) -> None:
        super()._validate_params()
        check_real_param("reg", self.reg, type(self).__name__, allow_none=False)

    def _fit(self, X: np.ndarray, y) -> None:
        self._check_shape(X)
        rng = check_random_state(self.random_state)
        Y = label_matrix(y, type(self).__name__).astype(np.float64)
        n, d = X.shape
        self.mean_ = X.mean(axis=0)
        Xc, Yc = X - self.mean_, Y - Y.mean(axis=0)
        denom = max(n - 1, 1)
        Cxx = Xc.T @ Xc / denom + self.reg * np.eye(d)
        Cyy = Yc.T @ Yc / denom + self.reg * np.eye(Y.shape[1])
        Cxy = Xc.T @ Yc / denom
        M = Cxy @ np.linalg.solve(Cyy, Cxy.T)
        M = (M + M.T) / 2
        values, vectors = scipy.linalg.eigh(M, Cxx, subset_by_index=[d - self.n_bits, d - 1])
        order = np.argsort(values, kind="stable")[::-1]
        values, vectors = np.maximum(values[order], 0.0), vectors[:, order]
        vectors /= np.linalg.norm(vectors, axis=0)
        signs = np.sign(vectors[np.abs(vectors).argmax(axis=0), np.arange(self.n_bits)])
        vectors *= np.where(signs == 0, 1.0, signs)
        self.correlations_ = np.sqrt(values)
        self.components_ = vectors * self.correlations_
        V = Xc @ self.components_
        self.rotation_, self.quantization_loss_ = itq_rotation(V, self.n_iter, rng)

"""Locality-sensitive hashing with random hyperplanes (Charikar 2002) on centred data."""
from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

from hashlib_core.baselines.base import HashingEstimator

__all__ = ["LSH"]


class LSH(HashingEstimator):
    """Random-hyperplane LSH: ``bit_k(x) = [w_kᵀ (x − mean) > 0]``, ``w_k`` i.i.d. standard Gaussian.

    Parameters:
        n_bits: code length (>= 1).
        random_state: seed / ``RandomState`` / None for the projections (scikit-learn convention).

    Attributes:
        mean_: ``(n_features,)`` training mean (the data are centred before projecting).
        projection_: ``(n_features, n_bits)`` Gaussian projection matrix.
    """

    def __init__(self, n_bits: int = 32, random_state=None):
        self.n_bits = n_bits
        self.random_state = random_state

    def _fit(self, X: np.ndarray, y) -> None:
        rng = check_random_state(self.random_state)
        self.mean_ = X.mean(axis=0)
        self.projection_ = rng.standard_normal((X.shape[1], self.n_bits))

    def _project(self, X: np.ndarray) -> np.ndarray:
        return (X - self.mean_) @ self.projection_

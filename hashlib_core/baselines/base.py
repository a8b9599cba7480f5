"""What every hashing estimator shares: parameter checks, input validation, {0,1} output."""
from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["HashingEstimator"]


class HashingEstimator(TransformerMixin, BaseEstimator):
    """Base class: ``fit(X[, y])`` returns self; ``transform(X)`` returns uint8 {0,1} codes ``(n, n_bits)``.

    Subclasses implement ``_fit(X, y)`` and ``_project(X) -> (n, n_bits)`` real values whose sign is the code.
    """

    def _check_n_bits(self) -> None:
        if not isinstance(self.n_bits, numbers.Integral) or isinstance(self.n_bits, bool) or self.n_bits < 1:
            raise ValueError(f"n_bits must be an integer >= 1, got {self.n_bits!r}")

    def fit(self, X, y=None):
        """Learn the hash function from ``X`` ``(n_samples, n_features)`` (and labels ``y`` if supervised)."""
        self._check_n_bits()
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        self._fit(X, y)
        return self

    def transform(self, X) -> np.ndarray:
        """Binary codes ``(n_samples, n_bits)`` uint8 in {0, 1}."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return (self._project(X) > 0).astype(np.uint8)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []
        return tags

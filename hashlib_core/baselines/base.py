"""What every hashing estimator shares: parameter checks, input validation, {0,1} output.

Conventions (those of scikit-learn): the constructor only stores its arguments; ``fit(X, y=None)``
validates them and the data, learns attributes ending in ``_`` and returns ``self``;
``transform(X)`` returns the binary codes as a ``uint8`` array ``(n_samples, n_bits)`` with values
in {0, 1} (bit = 1 where the real-valued projection is positive; ITQ: non-negative, as in the
authors' code), the format the project's
evaluation engine accepts. Codes in {-1, +1} are ``2 * codes - 1``.
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import scipy.sparse
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["HashingEstimator", "check_int_param", "check_real_param", "label_matrix", "pca_directions"]


def check_int_param(name: str, value: Any, low: int, owner: str, high: int | None = None) -> int:
    """``value`` as an int, or a ValueError naming the parameter, the value and the valid range."""
    valid = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not valid or value < low or (high is not None and value > high):
        rng = f"{low} <= {name}" + (f" <= {high}" if high is not None else "")
        raise ValueError(f"{owner}: {name} must be an integer with {rng}, got {value!r}")
    return int(value)


def check_real_param(name: str, value: Any, owner: str, allow_none: bool = True) -> float | None:
    """``value`` as a positive finite float (or None when allowed), else a ValueError naming it."""
    if value is None and allow_none:
        return None
    valid = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not valid or not np.isfinite(value) or value <= 0:
        extra = " or None" if allow_none else ""
        raise ValueError(f"{owner}: {name} must be a positive finite number{extra}, got {value!r}")
    return float(value)


def label_matrix(y, owner: str = "KSH") -> np.ndarray:
    """Labels as a bool indicator matrix ``(n, n_classes)``.

    ``y`` is either labels ``(n,)`` of any comparable type (one column per distinct value) or a
    0/1 (or bool) multi-label matrix ``(n, n_classes)``. Anything else raises a ValueError.
    """
    if scipy.sparse.issparse(y):
        y = y.toarray()
    y = np.asarray(y)
    if y.ndim == 1:
        _, inverse = np.unique(y, return_inverse=True)
        Y = np.zeros((len(y), int(inverse.max()) + 1 if len(y) else 0), dtype=bool)
        Y[np.arange(len(y)), inverse.ravel()] = True
        return Y
    if y.ndim == 2:
        if y.dtype == bool:
            return y.copy()
        if y.dtype.kind not in "iuf" or not np.isin(y, (0, 1)).all():
            raise ValueError(f"{owner}: a 2-D y must be a 0/1 label-indicator matrix (n_samples, n_classes); "
                             f"got dtype {y.dtype} with values other than 0 and 1")
        return y.astype(bool)
    raise ValueError(f"{owner}: y must be labels (n_samples,) or a 0/1 matrix (n_samples, n_classes), "
                     f"got shape {y.shape}")


class HashingEstimator(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Base class: ``fit(X[, y])`` returns self; ``transform(X)`` gives uint8 {0,1} codes ``(n, n_bits)``.

    Subclasses set ``n_bits`` in ``__init__`` and implement

    - ``_validate_params()``: check the constructor arguments (``n_bits`` is checked here: 1 to
      ``MAX_BITS``, the bound of the deep models);
    - ``_fit(X, y)`` on validated float64 ``X`` ``(n_samples, n_features)``;
    - ``_project(X) -> (n_samples, n_bits)`` float, the real values whose sign is the code;
    - optionally ``_binarize(P)`` (default: ``P > 0``).

    Input checks (from :func:`sklearn.utils.validation.validate_data`): NaN or infinite values,
    fewer than 2 training samples, and at ``transform`` time a feature count that differs from the
    one seen in ``fit`` raise a ``ValueError`` saying so; sparse matrices a ``TypeError``.
    """

    #: whether ``fit`` requires ``y`` (supervised estimators set this to True)
    _requires_y = False

    def _validate_params(self) -> None:
        from hashlib_core.eval.codes import MAX_BITS  # one bound for every method (imported when fitting)

        check_int_param("n_bits", self.n_bits, 1, type(self).__name__, high=MAX_BITS)

    def fit(self, X, y=None) -> "HashingEstimator":
        """Learn the hash functions from ``X`` ``(n_samples, n_features)`` (and labels ``y`` if supervised).

        Returns:
            self
        """
        self._validate_params()
        if self._requires_y:
            if y is None:
                name = type(self).__name__
                raise ValueError(f"{name} is supervised: fit(X, y) needs labels y (integer labels (n_samples,) "
                                 f"or a 0/1 label matrix (n_samples, n_classes)); {name} requires y to be passed, "
                                 "but the target y is None")
            X, y = validate_data(self, X, y, dtype=np.float64, ensure_min_samples=2, multi_output=True)
        else:
            X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        self._fit(X, y)
        self._n_features_out = int(self.n_bits)
        return self

    def transform(self, X) -> np.ndarray:
        """Binary codes of ``X`` ``(n_samples, n_features)``: uint8 ``(n_samples, n_bits)`` in {0, 1}."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self._binarize(self._project(X)).astype(np.uint8)

    def _binarize(self, projection: np.ndarray) -> np.ndarray:
        return projection > 0

    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _project(self, X: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []  # output is always uint8 codes
        tags.target_tags.required = self._requires_y
        return tags


def pca_directions(X: np.ndarray, n_components: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Principal directions of ``X`` ``(n, d)``: mean ``(d,)``, directions ``(d, k)``, variances ``(k,)``.

    The top ``k = n_components`` eigenvectors of the sample covariance, by decreasing eigenvalue,
    each with its sign fixed so that its largest-magnitude entry is positive (deterministic output).
    Uses the ``d x d`` covariance when ``d <= n`` and the ``n x n`` Gram matrix otherwise.
    """
    import scipy.linalg

    n, d = X.shape
    mean = X.mean(axis=0)
    Xc = X - mean
    if d <= n:
        cov = Xc.T @ Xc / max(n - 1, 1)
        values, vectors = scipy.linalg.eigh(cov, subset_by_index=[d - n_components, d - 1])
    else:
        gram = Xc @ Xc.T / max(n - 1, 1)
        values, u = scipy.linalg.eigh(gram, subset_by_index=[n - n_components, n - 1])
        vectors = Xc.T @ u
        norms = np.linalg.norm(vectors, axis=0)
        vectors = vectors / np.where(norms > 0, norms, 1.0)
    order = np.argsort(values, kind="stable")[::-1]
    values, vectors = values[order], vectors[:, order]
    signs = np.sign(vectors[np.abs(vectors).argmax(axis=0), np.arange(vectors.shape[1])])
    vectors = vectors * np.where(signs == 0, 1.0, signs)
    return mean, vectors, np.maximum(values, 0.0)

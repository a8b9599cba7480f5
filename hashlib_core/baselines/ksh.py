"""Kernel-based supervised hashing (Liu, Wang, Ji, Jiang, Chang, CVPR 2012).

Following the authors' ``trainKSH``: RBF kernel features on ``m`` anchors sampled from the
training set, ``k(x, a) = exp(-||x - a||² / (2σ))`` with ``σ`` the mean squared distance from the
training samples to the anchors, centred by their training mean. On ``l`` labelled samples the
target is ``q·S`` (``S_ij = +1`` for a shared label, ``-1`` otherwise). Bits are learned greedily:
for bit k, with the residue ``R = q·S − Σ_{t<k} b_t b_tᵀ``,

1. spectral relaxation: ``a`` = top generalized eigenvector of ``(K̄ᵀ R K̄) a = λ (K̄ᵀ K̄) a``,
   scaled so that ``||K̄ a||² = l``;
2. refinement: minimise the sigmoid-smoothed ``−φ(K̄a)ᵀ R φ(K̄a)``, ``φ(x) = 2/(1+e^{−x}) − 1``, with
   L-BFGS (``n_iter`` iterations; the authors used gradient descent with line search) from the
   spectral solution;
3. keep whichever of the two gives the lower discrete objective ``−sgn(K̄a)ᵀ R sgn(K̄a)``.
"""
from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.optimize
from sklearn.utils import check_random_state

from hashlib_core.baselines.base import HashingEstimator

__all__ = ["KSH", "pairwise_similarity"]


def pairwise_similarity(y: np.ndarray) -> np.ndarray:
    """``S`` ``(n, n)``: +1 where two samples share a label (or any label, for 0/1 rows), −1 otherwise."""
    y = np.asarray(y)
    if y.ndim == 1:
        same = y[:, None] == y[None, :]
    else:
        same = (y @ y.T) > 0
    return np.where(same, 1.0, -1.0)


def _sq_dist(X: np.ndarray, A: np.ndarray) -> np.ndarray:
    return np.maximum((X ** 2).sum(1)[:, None] + (A ** 2).sum(1)[None, :] - 2 * X @ A.T, 0.0)


class KSH(HashingEstimator):
    """Supervised: ``fit(X, y)`` with integer labels ``(n,)`` or 0/1 multi-labels ``(n, n_classes)``.

    Attributes: ``anchors_`` ``(n_anchors, n_features)``, ``sigma_``, ``kernel_mean_`` ``(n_anchors,)``,
    ``coef_`` ``(n_anchors, n_bits)``, ``objective_`` (per bit: spectral and refined discrete objective).
    """

    def __init__(self, n_bits: int = 32, n_anchors: int = 300, n_labeled: int = 2000, n_iter: int = 500,
                 random_state=None):
        self.n_bits = n_bits
        self.n_anchors = n_anchors
        self.n_labeled = n_labeled
        self.n_iter = n_iter
        self.random_state = random_state

    def _kernel(self, X):
        K = np.exp(-_sq_dist(X, self.anchors_) / (2 * self.sigma_))
        return K - self.kernel_mean_

    def fit(self, X, y=None):
        """Learn the bits from features ``X`` ``(n, d)`` and labels ``y`` (required)."""
        if y is None:
            raise ValueError("KSH is supervised: fit(X, y) needs labels y")
        return super().fit(X, y)

    def _fit(self, X, y):
        y = np.asarray(y)
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} samples but y has {len(y)} labels")
        if y.ndim == 1 and y.dtype.kind == "f" and not np.all(np.isfinite(y)):
            raise ValueError("y contains NaN or infinite labels")
        rng = check_random_state(self.random_state)
        n = len(X)
        m = min(self.n_anchors, n)
        self.anchors_ = X[rng.choice(n, m, replace=False)]
        d2 = _sq_dist(X, self.anchors_)
        self.sigma_ = float(d2.mean()) or 1.0
        K = np.exp(-d2 / (2 * self.sigma_))
        self.kernel_mean_ = K.mean(axis=0)
        labeled = np.sort(rng.choice(n, min(self.n_labeled, n), replace=False))
        KK = K[labeled] - self.kernel_mean_
        l = len(labeled)
        residue = self.n_bits * pairwise_similarity(y[labeled])
        RM = KK.T @ KK + 1e-6 * np.eye(m) * np.trace(KK.T @ KK) / m
        coef = np.zeros((m, self.n_bits))
        self.objective_ = []
        for bit in range(self.n_bits):
            LM = KK.T @ residue @ KK
            LM = (LM + LM.T) / 2
            _, vectors = scipy.linalg.eigh(LM, RM, subset_by_index=[m - 1, m - 1])
            a0 = vectors[:, 0]
            a0 *= np.sqrt(l / max(float(a0 @ RM @ a0), 1e-12))
            a1 = self._refine(KK, residue, a0)
            spectral = -self._discrete(KK, residue, a0)
            refined = -self._discrete(KK, residue, a1)
            a = a1 if refined <= spectral else a0
            self.objective_.append({"spectral": spectral, "refined": refined})
            coef[:, bit] = a
            b = np.where(KK @ a > 0, 1.0, -1.0)
            residue = residue - np.outer(b, b)
        self.coef_ = coef

    @staticmethod
    def _discrete(KK, residue, a) -> float:
        b = np.where(KK @ a > 0, 1.0, -1.0)
        return float(b @ residue @ b)

    def _refine(self, KK, residue, a0):
        def objective(a):
            z = KK @ a
            phi = np.tanh(z / 2)  # = 2/(1+exp(-z)) - 1, without overflow
            r_phi = residue @ phi
            value = -float(phi @ r_phi)
            grad = -KK.T @ (2 * r_phi * (1 - phi ** 2) / 2)
            return value, grad

        result = scipy.optimize.minimize(objective, a0, jac=True, method="L-BFGS-B",
                                         options={"maxiter": self.n_iter})
        return result.x

    def _project(self, X):
        return self._kernel(X) @ self.coef_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags

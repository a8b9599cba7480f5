""":class:`DeepHashing`: a deep method of the table as a scikit-learn-style estimator.

``fit(images, labels, X_val=..., y_val=...)`` trains with :func:`~hashlib_core.train.train` (the
epoch is selected on the validation images, never on queries), ``transform(images)`` gives uint8
{0,1} codes ``(n, n_bits)`` like every baseline's ``transform``, and ``predict(images)`` gives class
labels for the methods that end in a classifier::

    est = DeepHashing("ssdh", n_bits=48, random_state=0, config={"epochs": 40, "augment": True})
    codes = est.fit(train_images, train_labels, X_val=val_images, y_val=val_labels).transform(db_images)
"""
from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from hashlib_core.methods import DEEP_METHODS, METHODS
from hashlib_core.train.config import TrainConfig
from hashlib_core.train.result import TrainResult

__all__ = ["DeepHashing"]


def _arrays_dataset(images: np.ndarray, labels: np.ndarray, n_classes: int, n_train: int):
    """A :class:`~hashlib_core.data.Dataset` holding the arrays given to ``fit``, and a Split of it:
    the first ``n_train`` images train, the rest validate."""
    from hashlib_core.data import Dataset
    from hashlib_core.protocols import Split

    ds = Dataset("arrays", "arrays", images, labels, len(labels), tuple(str(c) for c in range(n_classes)),
                 "DeepHashing.fit")
    index = np.arange(len(labels), dtype=np.int64)
    split = Split("fit", "arrays", "arrays", 0, query=index[n_train:], train=index[:n_train],
                  validation=index[n_train:], database=index[:n_train])
    return ds, split


class DeepHashing(BaseEstimator):
    """A deep hashing method of :data:`hashlib_core.methods.METHODS` with the scikit-learn API.

    Args:
        method: a deep method of the table ("dnnh", "expo-pretrain", "ssdh", …).
        n_bits: code length, 1 to :data:`~hashlib_core.eval.codes.MAX_BITS`.
        random_state: the training seed (initialisation and batch order).
        device: "auto", "cpu", "cuda" or "cuda:N".
        n_classes: number of classes (None: the largest label + 1).
        config: other :class:`~hashlib_core.train.TrainConfig` fields (``epochs``, ``lr``, ``augment``, …).

    Attributes (after ``fit``): ``result_`` (the :class:`~hashlib_core.train.TrainResult`: model,
    history, timings), ``n_classes_``.
    """

    def __init__(self, method: str = "dnnh", n_bits: int = 16, random_state: int = 0, device: str = "auto",
                 n_classes: int | None = None, config: dict | None = None):
        self.method = method
        self.n_bits = n_bits
        self.random_state = random_state
        self.device = device
        self.n_classes = n_classes
        self.config = config

    def train_config(self) -> TrainConfig:
        """The :class:`TrainConfig` this estimator trains with (``ValueError`` on an unknown field)."""
        extra = dict(self.config or {})
        unknown = sorted(set(extra) - set(TrainConfig.__dataclass_fields__))
        if unknown:
            raise ValueError(f"unknown training settings {unknown}; valid: TrainConfig fields "
                             f"({', '.join(TrainConfig.__dataclass_fields__)})")
        config = TrainConfig(method=self.method, n_bits=self.n_bits, seed=self.random_state, device=self.device,
                             **extra)
        config.resolved().validate()
        return config

    def fit(self, X, y, X_val=None, y_val=None) -> "DeepHashing":
        """Train on uint8 images ``X`` ``(n, H, W[, C])`` with integer labels ``y`` ``(n,)``.

        ``X_val``/``y_val`` select the epoch (their mAP against ``X``); without them the training
        images themselves are ranked against ``X`` (a weaker criterion: give held-out images). Returns self.
        """
        from hashlib_core.train.loop import train

        config = self.train_config()
        X, y = np.asarray(X), np.asarray(y)
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} images but y has {len(y)} labels")
        if (X_val is None) != (y_val is None):
            raise ValueError("give both X_val and y_val, or neither")
        X_val = X if X_val is None else np.asarray(X_val)
        y_val = y if y_val is None else np.asarray(y_val)
        self.n_classes_ = int(self.n_classes or int(max(y.max(), y_val.max())) + 1)
        ds, split = _arrays_dataset(np.concatenate([X, X_val]), np.concatenate([y, y_val]).astype(np.int64),
                                    self.n_classes_, len(X))
        self.result_: TrainResult = train(config, ds, split)
        return self

    def transform(self, X) -> np.ndarray:
        """uint8 images ``(n, H, W[, C])`` → uint8 {0,1} codes ``(n, n_bits)``."""
        check_is_fitted(self, "result_")
        return self.result_.encode(X)

    def predict(self, X) -> np.ndarray:
        """Class labels ``(n,)`` from the network's classifier (methods with a latent layer only)."""
        check_is_fitted(self, "result_")
        if not self.result_.classifies:
            classifiers = ", ".join(m for m in DEEP_METHODS if METHODS[m].classifies)
            raise ValueError(f"method {self.method!r} has no classifier to predict with; methods that classify: "
                             f"{classifiers}")
        return self.result_.model.predict(X, self.result_.config.eval_batch_size).numpy()

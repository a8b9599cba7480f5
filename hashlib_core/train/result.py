""":class:`TrainResult`: the trained model, its history and timings, and helpers to encode and evaluate."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hashlib_core.models import HashingNet
from hashlib_core.train.config import TrainConfig

__all__ = ["TrainResult"]


@dataclass
class TrainResult:
    """What :func:`~hashlib_core.train.train` returns.

    Attributes:
        model: the trained :class:`~hashlib_core.models.HashingNet` (best validation weights when
            ``restore_best``), in eval mode, on the training device.
        config: the resolved :class:`TrainConfig` (method defaults filled in).
        history: one dict per epoch: ``epoch``, ``phase`` ("pretrain"/"hash"), ``loss`` (mean over
            the epoch's batches), ``val_map`` (None when not validated), ``lr`` (at the epoch's end),
            ``steps``, ``images``, ``seconds`` (training time of the epoch, without validation).
        best_epoch, best_val_map: the selected epoch (1-based) and its validation mAP (None if never validated).
        images_per_second: training throughput over all epochs (validation excluded).
        wall_time: seconds spent in this ``train`` call (including data transfer and validation).
        device: the torch device used ("cpu", "cuda", "cuda:1"); device_name: its human-readable name.
        pretrained_weights: whether ImageNet weights initialised the backbone.
    """

    model: HashingNet
    config: TrainConfig
    history: list[dict] = field(default_factory=list)
    best_epoch: int | None = None
    best_val_map: float | None = None
    images_per_second: float = 0.0
    wall_time: float = 0.0
    device: str = "cpu"
    device_name: str = ""
    pretrained_weights: bool = False

    @property
    def classifies(self) -> bool:
        """True when the model has a classifier (``accuracy`` is then meaningful)."""
        return self.model.classifies

    def config_dict(self) -> dict:
        """The resolved configuration as a JSON-ready dict."""
        return self.config.to_dict()

    def encode(self, images: Any, batch_size: int | None = None) -> np.ndarray:
        """uint8 images ``(n, H, W[, C])`` → uint8 {0,1} codes ``(n, n_bits)`` (numpy)."""
        return self.model.encode(images, batch_size or self.config.eval_batch_size).numpy()

    def accuracy(self, images: Any, labels: Any) -> float:
        """Classification accuracy of the classifier on the latent layer, for ``images`` ``(n, …)``."""
        predicted = self.model.predict(images, self.config.eval_batch_size).numpy()
        return float((predicted == np.asarray(labels)).mean())

    def encode_split(self, dataset, split, *, database: str = "database") -> dict[str, np.ndarray]:
        """Codes and labels for evaluation: ``query_codes`` ``(n_q, q)``, ``db_codes`` ``(n_db, q)``,
        ``query_labels``, ``db_labels``. ``database="train"`` ranks against the training images."""
        db_index = getattr(split, database)
        return {"query_codes": self.encode(dataset.images[split.query]),
                "db_codes": self.encode(dataset.images[db_index]),
                "query_labels": np.asarray(dataset.labels[split.query]),
                "db_labels": np.asarray(dataset.labels[db_index])}

    def evaluate(self, dataset, split, **kwargs) -> dict:
        """:func:`hashlib_core.eval.evaluate` of the split's queries against its database."""
        from hashlib_core.eval import evaluate

        c = self.encode_split(dataset, split)
        return evaluate(c["query_codes"], c["db_codes"], c["query_labels"], c["db_labels"], **kwargs)

    def summary(self) -> str:
        """One line: method, bits, epochs, best validation mAP, throughput, device."""
        val = "n/a" if self.best_val_map is None else f"{self.best_val_map:.4f} (epoch {self.best_epoch})"
        return (f"{self.config.method} {self.config.n_bits} bits: {len(self.history)} epochs, best val mAP {val}, "
                f"{self.images_per_second:.0f} img/s, {self.wall_time:.1f} s on {self.device_name or self.device}")

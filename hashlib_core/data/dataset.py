"""The :class:`Dataset` container and the errors raised by the loaders."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

__all__ = ["Dataset", "DataNotFoundError", "DataIntegrityError"]


class DataNotFoundError(FileNotFoundError):
    """The files of a dataset were not found in any of the places searched."""

    def __init__(self, name: str, searched: Sequence[Path | str], how_to_get: str):
        lines = [f"dataset {name!r} not found. Places searched:"]
        lines += [f"  - {p}" for p in searched]
        lines.append(how_to_get)
        super().__init__("\n".join(lines))
        self.searched = [str(p) for p in searched]


class DataIntegrityError(ValueError):
    """A data file exists but is corrupt, truncated or not the expected release."""


@dataclass(frozen=True)
class Dataset:
    """An image classification dataset held in memory.

    Attributes:
        name: the dataset's name as given to :func:`load_dataset` (``"cifar10"``).
        variant: the exact copy that was read (``"cifar10"`` for the official pickles,
            ``"cifar10-jpeg"`` for the JPEG copy); part of every result's identity.
        images: uint8 array ``(n, H, W)`` (grayscale) or ``(n, H, W, C)`` (colour).
        labels: int64 array ``(n,)`` with values in ``0 .. n_classes-1``.
        n_train_official: the first ``n_train_official`` items are the official training
            set, the rest the official test set (``n`` when the dataset has no test set).
        class_names: one name per class, in label order.
        source: the file or folder the data was read from.
    """

    name: str
    variant: str
    images: np.ndarray
    labels: np.ndarray
    n_train_official: int
    class_names: tuple[str, ...]
    source: str
    extra: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.images.dtype != np.uint8:
            raise TypeError(f"{self.name}: images must be uint8, got {self.images.dtype}")
        if self.images.ndim not in (3, 4):
            raise ValueError(f"{self.name}: images must be (n, H, W) or (n, H, W, C), got shape {self.images.shape}")
        if self.labels.shape != (self.images.shape[0],):
            raise ValueError(f"{self.name}: {self.images.shape[0]} images but labels have shape {self.labels.shape}")
        if not 0 <= self.n_train_official <= len(self.labels):
            raise ValueError(f"{self.name}: n_train_official={self.n_train_official} outside 0..{len(self.labels)}")

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def image_shape(self) -> tuple[int, ...]:
        """Shape of one image: ``(H, W)`` or ``(H, W, C)``."""
        return tuple(self.images.shape[1:])

    def __repr__(self) -> str:
        return (f"Dataset(name={self.name!r}, variant={self.variant!r}, n={len(self)}, "
                f"image_shape={self.image_shape}, n_classes={self.n_classes}, "
                f"n_train_official={self.n_train_official}, source={self.source!r})")

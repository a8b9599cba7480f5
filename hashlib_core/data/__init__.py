"""Datasets: :func:`load_dataset` returns a :class:`Dataset` of uint8 images and int64 labels.

=================  ====================  =========================================================
name               variant(s)            files
=================  ====================  =========================================================
``digits``         ``digits``            scikit-learn's embedded 8x8 digits (always available)
``mnist``          ``mnist``             the four official IDX files, md5-checked after gunzip
``fashion-mnist``  ``fashion-mnist``     the IDX files (Debian package ``dataset-fashion-mnist``)
``cifar10``        ``cifar10``,          ``cifar-10-batches-py`` (official), else the offline
                   ``cifar10-jpeg``      ``cifar10-jpeg.tar.gz`` copy, decoded once and cached
``svhn``           ``svhn``              ``train_32x32.mat`` and ``test_32x32.mat``
=================  ====================  =========================================================
"""
from __future__ import annotations

import os
from typing import Callable

import numpy as np

from hashlib_core.data import cifar, svhn
from hashlib_core.data.cifar import load_cifar10
from hashlib_core.data.dataset import DataIntegrityError, DataNotFoundError, Dataset
from hashlib_core.data.idx import MNIST_MD5, load_idx_dataset
from hashlib_core.data.svhn import load_svhn

__all__ = ["load_dataset", "Dataset", "DATASETS", "DataNotFoundError", "DataIntegrityError", "HOW_TO_GET",
           "dataset_key"]

_DIGIT_NAMES = tuple(str(i) for i in range(10))
_FASHION_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")

#: how to get each dataset's files (shown when they are missing or corrupt)
HOW_TO_GET = {
    "digits": "embedded in scikit-learn: reinstall scikit-learn if it fails to load.",
    "mnist": "Get the four files train-images-idx3-ubyte.gz ... t10k-labels-idx1-ubyte.gz from "
             "http://yann.lecun.com/exdb/mnist/ (or torchvision.datasets.MNIST(root, download=True)) "
             "and set HASHLIB_DATA to their folder or to the torchvision root.",
    "fashion-mnist": "Install the Debian package 'dataset-fashion-mnist' (files in /usr/share/datasets/fashion-mnist) "
                     "or download the IDX files from https://github.com/zalandoresearch/fashion-mnist "
                     "and set HASHLIB_DATA to their folder.",
    "cifar10": cifar.HOW_TO_GET,
    "svhn": svhn.HOW_TO_GET,
}


def _load_digits(data_dir=None) -> Dataset:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    # values 0..16 -> 0..255, so every dataset shares the uint8 convention
    images = np.round(bunch.images * (255.0 / 16.0)).astype(np.uint8)
    return Dataset(name="digits", variant="digits", images=images, labels=bunch.target.astype(np.int64),
                   n_train_official=len(images), class_names=_DIGIT_NAMES, source="sklearn.datasets.load_digits")


def _load_mnist(data_dir=None) -> Dataset:
    return load_idx_dataset("mnist", ["mnist", "MNIST/raw", "mnist/raw"], _DIGIT_NAMES, MNIST_MD5,
                            HOW_TO_GET["mnist"], data_dir)


def _load_fashion(data_dir=None) -> Dataset:
    return load_idx_dataset("fashion-mnist", ["fashion-mnist", "FashionMNIST/raw"], _FASHION_NAMES, None,
                            HOW_TO_GET["fashion-mnist"], data_dir, system_dirs=("/usr/share/datasets/fashion-mnist",))


DATASETS: dict[str, Callable[..., Dataset]] = {
    "digits": _load_digits,
    "mnist": _load_mnist,
    "fashion-mnist": _load_fashion,
    "cifar10": load_cifar10,
    "svhn": load_svhn,
}


def load_dataset(name: str, data_dir: str | os.PathLike | None = None) -> Dataset:
    """Load a dataset by name: uint8 images ``(n, H, W)`` or ``(n, H, W, C)`` and labels ``(n,)``.

    The official training set comes first (``dataset.n_train_official`` items), then the test set.
    ``dataset.variant`` names the exact copy read (``"cifar10"`` or ``"cifar10-jpeg"``).

    Raises:
        ValueError: unknown name (the message lists the valid ones).
        DataNotFoundError: files not found; the message lists every place searched and how to get them.
        DataIntegrityError: a file is corrupt or truncated (the message names it).
    """
    return DATASETS[dataset_key(name)](data_dir=data_dir)


def dataset_key(name: str) -> str:
    """The key of ``name`` in :data:`DATASETS` (``"CIFAR_10"`` → ``"cifar10"``); ValueError listing valid names."""
    key = name.lower().replace("_", "-")
    if key == "cifar-10":
        key = "cifar10"
    if key not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; valid names: {', '.join(DATASETS)}")
    return key

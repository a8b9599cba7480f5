"""SVHN (cropped digits, format 2): the official ``train_32x32.mat`` and ``test_32x32.mat``."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from hashlib_core.data.dataset import DataIntegrityError, DataNotFoundError, Dataset
from hashlib_core.data.locate import candidate_dirs

__all__ = ["load_svhn"]

HOW_TO_GET = ("Get train_32x32.mat and test_32x32.mat from http://ufldl.stanford.edu/housenumbers/ "
              "and set HASHLIB_DATA to their folder (or <root>/svhn/).")


def _read_mat(path: Path) -> tuple[np.ndarray, np.ndarray]:
    from scipy.io import loadmat

    try:
        mat = loadmat(path)
    except Exception as exc:  # scipy raises several types for corrupt files
        raise DataIntegrityError(f"{path}: cannot read as a MATLAB file ({exc})") from exc
    if "X" not in mat or "y" not in mat:
        raise DataIntegrityError(f"{path}: expected variables 'X' and 'y', found {sorted(k for k in mat if not k.startswith('__'))}")
    images = np.ascontiguousarray(mat["X"].transpose(3, 0, 1, 2)).astype(np.uint8)
    labels = mat["y"].reshape(-1).astype(np.int64)
    labels[labels == 10] = 0  # SVHN stores digit 0 as label 10
    return images, labels


def load_svhn(data_dir=None) -> Dataset:
    """Load SVHN train + test (``(n, 32, 32, 3)``); the extra set is not used by the papers."""
    dirs = candidate_dirs(["svhn", "SVHN"], data_dir)
    for d in dirs:
        if (d / "train_32x32.mat").is_file() and (d / "test_32x32.mat").is_file():
            train_x, train_y = _read_mat(d / "train_32x32.mat")
            test_x, test_y = _read_mat(d / "test_32x32.mat")
            return Dataset(name="svhn", variant="svhn", images=np.concatenate([train_x, test_x]),
                           labels=np.concatenate([train_y, test_y]), n_train_official=len(train_x),
                           class_names=tuple(str(i) for i in range(10)), source=str(d))
    raise DataNotFoundError("svhn", [d / "train_32x32.mat" for d in dirs], HOW_TO_GET)

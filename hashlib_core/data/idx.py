"""MNIST-style IDX files (MNIST, Fashion-MNIST), gzip-compressed or not."""
from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np

from hashlib_core.data.dataset import DataIntegrityError, DataNotFoundError, Dataset
from hashlib_core.data.locate import candidate_dirs

__all__ = ["read_idx", "load_idx_dataset", "MNIST_MD5", "FILES"]

FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")

# md5 of the *uncompressed* official files (../shared/data/README.md): a re-compressed
# .gz with identical content is accepted, a corrupt one is not.
MNIST_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}

_IDX_DTYPES = {0x08: np.uint8}


def read_idx(path: str | Path, expected_md5: str | None = None) -> np.ndarray:
    """Read one IDX file (``.gz`` or raw) into an array; check the md5 of the uncompressed bytes.

    Raises:
        DataIntegrityError: bad magic number, truncated payload, or md5 mismatch (names the file).
    """
    path = Path(path)
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError) as exc:
        raise DataIntegrityError(f"{path}: cannot read or decompress ({exc})") from exc
    if expected_md5 is not None:
        got = hashlib.md5(raw).hexdigest()
        if got != expected_md5:
            raise DataIntegrityError(
                f"{path}: md5 of the uncompressed bytes is {got}, expected {expected_md5} "
                "(corrupt, truncated or not the official release)")
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise DataIntegrityError(f"{path}: not an IDX file of unsigned bytes (bad magic number)")
    ndim = raw[3]
    dims = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    offset = 4 + 4 * ndim
    n_values = int(np.prod(dims))
    if len(raw) - offset != n_values:
        raise DataIntegrityError(
            f"{path}: header announces {dims} = {n_values} values but the file holds {len(raw) - offset}")
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(dims).copy()


def _find_file(dirs: list[Path], stem: str) -> Path | None:
    for d in dirs:
        for name in (stem + ".gz", stem):
            if (d / name).is_file():
                return d / name
    return None


def load_idx_dataset(name: str, subdirs: list[str], class_names: tuple[str, ...],
                     md5: dict[str, str] | None, how_to_get: str, data_dir=None,
                     system_dirs: tuple[str, ...] = ()) -> Dataset:
    """Find the four IDX files of ``name`` in one folder and load train + test as one :class:`Dataset`."""
    dirs = candidate_dirs(subdirs, data_dir, system_dirs)
    for d in dirs:
        paths = [_find_file([d], stem) for stem in FILES]
        if all(p is not None for p in paths):
            break
    else:
        raise DataNotFoundError(name, [d / f"{FILES[0]}[.gz]" for d in dirs], how_to_get)
    arrays = [read_idx(p, (md5 or {}).get(stem)) for p, stem in zip(paths, FILES)]
    train_x, train_y, test_x, test_y = arrays
    if len(train_x) != len(train_y) or len(test_x) != len(test_y):
        raise DataIntegrityError(f"{d}: image and label counts differ ({len(train_x)}/{len(train_y)}, "
                                 f"{len(test_x)}/{len(test_y)})")
    return Dataset(name=name, variant=name, images=np.concatenate([train_x, test_x]),
                   labels=np.concatenate([train_y, test_y]).astype(np.int64),
                   n_train_official=len(train_x), class_names=class_names, source=str(d))

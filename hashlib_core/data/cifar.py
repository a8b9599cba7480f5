"""CIFAR-10: the official python release, or the offline JPEG copy (``cifar10-jpeg``).

The JPEG copy is decoded once and cached under :func:`~hashlib_core.files.cache_dir` with the SHA-256
of the decoded arrays; every load checks it and decodes again when the cache was altered.
"""
from __future__ import annotations

import hashlib
import io
import json
import pickle
import tarfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import numpy as np

from hashlib_core.data.dataset import DataIntegrityError, DataNotFoundError, Dataset
from hashlib_core.data.locate import candidate_dirs
from hashlib_core.files import arrays_digest, atomic_path, atomic_write_text, cache_dir

__all__ = ["load_cifar10", "cached_arrays", "CIFAR10_CLASSES", "JPEG_ARCHIVE_MD5"]

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck")
# md5 of the official pickle files (as published with the release and used by torchvision)
PICKLE_MD5 = {
    "data_batch_1": "c99cafc152244af753f735de768cd75f",
    "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
    "data_batch_3": "54ebc095f3ab1f0389bbae665268c751",
    "data_batch_4": "634d18415352ddfa80567beed471001a",
    "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb",
    "test_batch": "40351d587109b95175f43aff81a1287e",
}
JPEG_ARCHIVE = "cifar10-jpeg.tar.gz"
JPEG_ARCHIVE_MD5 = "9aa8ac531e622ad4a98158ea77b2760a"
HOW_TO_GET = (
    "Get CIFAR-10 from https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz, unpack it and set "
    "HASHLIB_DATA to the folder that holds 'cifar-10-batches-py' (or pass data_dir=...). "
    f"The offline JPEG copy '{JPEG_ARCHIVE}' is also accepted (in <root>/cifar10/).")


def _md5_file(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _load_pickles(folder: Path) -> Dataset:
    images, labels = [], []
    for name, md5 in PICKLE_MD5.items():
        path = folder / name
        if not path.is_file():
            raise DataIntegrityError(f"{folder}: missing {name} (the official release has "
                                     f"{', '.join(PICKLE_MD5)})")
        got = _md5_file(path)
        if got != md5:
            raise DataIntegrityError(f"{path}: md5 {got}, expected {md5} (corrupt or truncated)")
        with open(path, "rb") as f:
            batch = pickle.load(f, encoding="bytes")
        images.append(np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        labels.append(np.asarray(batch[b"labels"], dtype=np.int64))
    return Dataset(name="cifar10", variant="cifar10", images=np.ascontiguousarray(np.concatenate(images)),
                   labels=np.concatenate(labels), n_train_official=50000,
                   class_names=CIFAR10_CLASSES, source=str(folder))


def _decode_jpeg(data: bytes) -> np.ndarray:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)


def _decode_archive(archive: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read the tar once and decode its 60,000 JPEGs with a thread pool (Pillow)."""
    from tqdm.auto import tqdm

    blobs: dict[str, bytes] = {}
    texts: dict[str, str] = {}
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            if not member.isfile():
                continue
            data = tar.extractfile(member).read()
            rel = member.name.split("/", 1)[-1]
            if rel.endswith(".jpg"):
                blobs[rel] = data
            elif rel.endswith(".txt"):
                texts[rel] = data.decode()
    out_images, out_labels = [], []
    for split, n_expected in (("train", 50000), ("test", 10000)):
        names = [f"{split}/{i:05d}.jpg" for i in range(n_expected)]
        missing = [n for n in names if n not in blobs]
        if missing or f"{split}_labels.txt" not in texts:
            raise DataIntegrityError(f"{archive}: incomplete archive ({len(missing)} {split} images missing)")
        with ThreadPoolExecutor(max_workers=4) as pool:
            decoded = list(tqdm(pool.map(_decode_jpeg, (blobs[n] for n in names), chunksize=512),
                                total=n_expected, desc=f"decoding cifar10-jpeg {split}", leave=False))
        labels = np.array([int(x) for x in texts[f"{split}_labels.txt"].split()], dtype=np.int64)
        if len(labels) != n_expected:
            raise DataIntegrityError(f"{archive}: {split}_labels.txt has {len(labels)} labels, expected {n_expected}")
        out_images.append(np.stack(decoded))
        out_labels.append(labels)
    return np.concatenate(out_images), np.concatenate(out_labels)


_CACHED = ("images", "labels")


def _read_cache(cache: Path) -> tuple[tuple[np.ndarray, ...] | None, str]:
    """The cached arrays if the SHA-256 stored beside them matches, else None and what is wrong."""
    try:
        expected = json.loads((cache / "digest.json").read_text())["sha256"]
        arrays = tuple(np.load(cache / f"{name}.npy", allow_pickle=False) for name in _CACHED)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return None, f"{type(exc).__name__}: {exc}"
    if arrays_digest(*arrays) != expected:
        return None, "the arrays do not match the digest stored with them"
    return arrays, ""


def cached_arrays(cache: Path, build: Callable[[], tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
    """``(images, labels)`` from ``cache`` when their stored digest checks, else ``build()``'s, cached with it.

    The SHA-256 of the arrays (:func:`~hashlib_core.results.codes.arrays_digest`, about 0.1 s for
    CIFAR-10) is written last, to ``digest.json``; a cache that does not match it, or has none, is
    rebuilt with a warning.
    """
    if cache.is_dir() and any(cache.iterdir()):
        arrays, problem = _read_cache(cache)
        if arrays is not None:
            return arrays
        warnings.warn(f"{cache}: decoded cache not used ({problem}); decoding again", stacklevel=2)
    arrays = build()
    cache.mkdir(parents=True, exist_ok=True)
    for name, array in zip(_CACHED, arrays):
        with atomic_path(cache / f"{name}.npy") as tmp:
            with open(tmp, "wb") as f:
                np.save(f, array)
    atomic_write_text(cache / "digest.json", json.dumps({"sha256": arrays_digest(*arrays)}) + "\n")
    return arrays


def _load_jpeg_copy(archive: Path, verify: bool = True) -> Dataset:
    key = JPEG_ARCHIVE_MD5 if not verify else _md5_file(archive)
    if key != JPEG_ARCHIVE_MD5:
        raise DataIntegrityError(f"{archive}: md5 {key}, expected {JPEG_ARCHIVE_MD5} (corrupt or truncated)")
    cache = cache_dir() / f"cifar10-jpeg-{key[:12]}-pillow"
    images, labels = cached_arrays(cache, lambda: _decode_archive(archive))
    if images.shape != (60000, 32, 32, 3) or labels.shape != (60000,):
        raise DataIntegrityError(f"{cache}: cached arrays have shapes {images.shape}, {labels.shape}; delete the folder")
    return Dataset(name="cifar10", variant="cifar10-jpeg", images=images, labels=labels,
                   n_train_official=50000, class_names=CIFAR10_CLASSES, source=str(archive),
                   extra={"decoder": "pillow", "cache": str(cache)})


def load_cifar10(data_dir=None, prefer: str = "official") -> Dataset:
    """Load CIFAR-10 (60,000 images ``(n, 32, 32, 3)``, train first), official pickles first.

    ``prefer="jpeg"`` skips the official files even when they are present.
    """
    dirs = candidate_dirs(["cifar10", "cifar-10", "CIFAR10"], data_dir)
    searched: list[Path] = []
    if prefer == "official":
        for d in dirs:
            folder = d / "cifar-10-batches-py"
            searched.append(folder)
            if folder.is_dir():
                return _load_pickles(folder)
    for d in dirs:
        archive = d / JPEG_ARCHIVE
        searched.append(archive)
        if archive.is_file():
            return _load_jpeg_copy(archive)
    raise DataNotFoundError("cifar10", searched, HOW_TO_GET)

import gzip
import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from hashlib_core.data import DataIntegrityError, DataNotFoundError, load_dataset
from hashlib_core.data.idx import MNIST_MD5, read_idx


def test_digits_shape_and_histogram(digits):
    assert digits.images.shape == (1797, 8, 8)
    assert digits.images.dtype == np.uint8 and digits.labels.dtype == np.int64
    assert digits.images.max() == 255 and digits.images.min() == 0
    assert np.bincount(digits.labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert digits.variant == "digits" and digits.n_classes == 10


def test_unknown_dataset_lists_valid_names():
    with pytest.raises(ValueError, match="unknown dataset 'imagenet21k'.*digits.*mnist.*cifar10"):
        load_dataset("imagenet21k")


def test_missing_data_names_every_place_searched(tmp_path, monkeypatch):
    monkeypatch.setenv("HASHLIB_DATA", str(tmp_path))
    with pytest.raises(DataNotFoundError) as info:
        load_dataset("svhn", data_dir=tmp_path / "nowhere")
    message = str(info.value)
    assert str(tmp_path / "nowhere") in message and str(tmp_path) in message
    assert "ufldl.stanford.edu" in message


@pytest.mark.data
def test_mnist_official_checksums_and_histogram(mnist):
    assert mnist.images.shape == (70000, 28, 28) and mnist.n_train_official == 60000
    assert np.bincount(mnist.labels[:60000]).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(mnist.labels[60000:]).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    # checksum of the pixel payload: pins the exact bytes across loader changes
    assert hashlib.md5(mnist.images[60000:].tobytes()).hexdigest() == hashlib.md5(
        read_idx(Path(mnist.source) / "t10k-images-idx3-ubyte.gz").tobytes()).hexdigest()


@pytest.mark.data
def test_mnist_corrupt_file_is_named(mnist, tmp_path):
    src = Path(mnist.source)
    for name in MNIST_MD5:
        shutil.copy(src / f"{name}.gz", tmp_path / f"{name}.gz")
    raw = bytearray(gzip.decompress((tmp_path / "t10k-labels-idx1-ubyte.gz").read_bytes()))
    raw[100] ^= 0xFF
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(DataIntegrityError, match="t10k-labels-idx1-ubyte.gz: md5"):
        load_dataset("mnist", data_dir=tmp_path)


@pytest.mark.data
def test_mnist_uncompressed_and_recompressed_files_accepted(mnist, tmp_path):
    """The loader checks the uncompressed bytes, so a raw copy or another gzip wrapper loads."""
    src = Path(mnist.source)
    for name in MNIST_MD5:
        raw = gzip.decompress((src / f"{name}.gz").read_bytes())
        if name.startswith("train"):
            (tmp_path / name).write_bytes(raw)
        else:
            (tmp_path / f"{name}.gz").write_bytes(gzip.compress(raw, compresslevel=1))
    again = load_dataset("mnist", data_dir=tmp_path)
    assert np.array_equal(again.images, mnist.images) and np.array_equal(again.labels, mnist.labels)


def test_truncated_idx_file_is_reported(tmp_path):
    header = bytes([0, 0, 8, 1]) + (10).to_bytes(4, "big")
    (tmp_path / "x-idx1-ubyte").write_bytes(header + bytes(7))
    with pytest.raises(DataIntegrityError, match="announces .*10.* holds 7"):
        read_idx(tmp_path / "x-idx1-ubyte")


@pytest.mark.data
def test_cifar10_jpeg_copy(cifar10):
    assert cifar10.images.shape == (60000, 32, 32, 3) and cifar10.n_train_official == 50000
    assert cifar10.variant in ("cifar10", "cifar10-jpeg")
    assert np.bincount(cifar10.labels[:50000]).tolist() == [5000] * 10
    assert np.bincount(cifar10.labels[50000:]).tolist() == [1000] * 10
    # labels are exact in both variants: the first training labels of data_batch_1
    assert cifar10.labels[:10].tolist() == [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]
    means = cifar10.images[:50000].reshape(-1, 3).mean(axis=0) / 255
    assert np.allclose(means, [0.4914, 0.4822, 0.4465], atol=0.002)


@pytest.mark.data
def test_cifar10_second_load_uses_cache(cifar10, monkeypatch):
    from hashlib_core.data import cifar

    def no_decoding(*args, **kwargs):
        raise AssertionError("the JPEG archive was decoded again although its cache is intact")

    monkeypatch.setattr(cifar, "_decode_archive", no_decoding)  # the official pickles never decode
    again = load_dataset("cifar10")
    assert np.array_equal(again.labels, cifar10.labels) and np.array_equal(again.images[:100], cifar10.images[:100])


def test_cifar10_official_pickles_are_read_unchanged(tmp_path):
    """A fake release with the official layout: md5 mismatch is reported with the file name."""
    import pickle

    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for name in ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"):
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 1]}, f)
    with pytest.raises(DataIntegrityError, match="data_batch_1: md5"):
        load_dataset("cifar10", data_dir=tmp_path)

import numpy as np
import pytest

from hashlib_core.protocols import make_split


def _check_split_invariants(ds, split):
    assert len(np.intersect1d(split.query, split.train)) == 0
    assert len(np.intersect1d(split.query, split.validation)) == 0
    assert len(np.intersect1d(split.train, split.validation)) == 0
    for name in ("query", "train", "validation", "database"):
        idx = getattr(split, name)
        assert idx.dtype == np.int64 and np.all(np.diff(idx) > 0), name


def test_cnnh_mini_on_digits_is_pinned(digits):
    split = make_split(digits, "cnnh-mini", seed=0)
    _check_split_invariants(digits, split)
    assert split.sizes() == {"query": 100, "train": 500, "validation": 100, "database": 1697}
    assert np.bincount(digits.labels[split.query]).tolist() == [10] * 10
    assert np.bincount(digits.labels[split.train]).tolist() == [50] * 10
    assert np.array_equal(split.database, np.setdiff1d(np.arange(len(digits)), split.query))
    assert split.digest() == "844805c4a9029da6"


def test_same_seed_same_digest_other_seed_differs(digits):
    a, b, c = (make_split(digits, "cnnh-mini", seed=s) for s in (3, 3, 4))
    assert a.digest() == b.digest() and a.digest() != c.digest()


def test_bad_protocol_and_sizes(digits):
    with pytest.raises(ValueError, match="unknown protocol 'cnn'.*cnnh, dlbhc, cnnh-mini"):
        make_split(digits, "cnn")
    with pytest.raises(ValueError, match="class 0 has 178 images available.*100 queries \\+ 500 training"):
        make_split(digits, "cnnh")
    with pytest.raises(ValueError, match="needs an official test set"):
        make_split(digits, "dlbhc")
    with pytest.raises(ValueError, match="non-negative integer"):
        make_split(digits, "cnnh-mini", seed=-1)


@pytest.mark.data
def test_cnnh_on_mnist(mnist):
    split = make_split(mnist, "cnnh", seed=0)
    _check_split_invariants(mnist, split)
    assert split.sizes() == {"query": 1000, "train": 5000, "validation": 1000, "database": 69000}
    assert np.bincount(mnist.labels[split.query]).tolist() == [100] * 10
    assert np.bincount(mnist.labels[split.train]).tolist() == [500] * 10
    assert split.digest() == "3f9dd1ca1b7c4fda"


@pytest.mark.data
def test_cnnh_and_dlbhc_on_cifar10(cifar10):
    cnnh = make_split(cifar10, "cnnh", seed=0)
    _check_split_invariants(cifar10, cnnh)
    assert cnnh.sizes() == {"query": 1000, "train": 5000, "validation": 1000, "database": 59000}
    assert cnnh.digest() == "444544a613f09c92"
    dlbhc = make_split(cifar10, "dlbhc", seed=0)
    _check_split_invariants(cifar10, dlbhc)
    assert np.array_equal(dlbhc.query, np.arange(50000, 60000))
    assert np.array_equal(dlbhc.database, np.arange(50000))
    assert dlbhc.sizes()["train"] == 49000 and dlbhc.digest() == "ac23c0800e3ff232"

"""The decoded CIFAR-10 cache is checked against the digest stored with it and rebuilt when altered."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hashlib_core.data import cifar


@pytest.fixture
def fake_copy(tmp_path, monkeypatch):
    """A JPEG copy whose decoding is counted (and faked: a fixed pattern instead of 60,000 JPEGs)."""
    monkeypatch.setenv("HASHLIB_CACHE", str(tmp_path / "cache"))
    decoded = []

    def decode(archive):
        decoded.append(archive)
        images = np.zeros((60000, 32, 32, 3), np.uint8)
        images[::997] = 200
        return images, np.arange(60000, dtype=np.int64) % 10

    monkeypatch.setattr(cifar, "_decode_archive", decode)
    archive = tmp_path / cifar.JPEG_ARCHIVE
    archive.write_bytes(b"not read: decoding is faked")
    return archive, decoded


def load(archive):
    return cifar._load_jpeg_copy(archive, verify=False)


def test_the_cache_is_used_while_it_checks(fake_copy):
    archive, decoded = fake_copy
    first, second = load(archive), load(archive)
    assert len(decoded) == 1 and np.array_equal(first.images, second.images)


@pytest.mark.parametrize("tamper", ["all-zero images", "one changed label", "digest removed", "truncated images"])
def test_an_altered_cache_is_decoded_again(fake_copy, tamper):
    archive, decoded = fake_copy
    first = load(archive)
    cache = first.extra["cache"]
    images_path, labels_path = f"{cache}/images.npy", f"{cache}/labels.npy"
    if tamper == "all-zero images":
        np.save(images_path, np.zeros_like(first.images))
    elif tamper == "one changed label":
        labels = first.labels.copy()
        labels[123] = (labels[123] + 1) % 10
        np.save(labels_path, labels)
    elif tamper == "digest removed":
        np.save(images_path, np.zeros_like(first.images))
        Path(cache, "digest.json").unlink()
    else:
        with open(images_path, "r+b") as f:
            f.truncate(1000)
    with pytest.warns(UserWarning, match="decoded cache not used"):
        again = load(archive)
    assert len(decoded) == 2
    assert np.array_equal(again.images, first.images) and np.array_equal(again.labels, first.labels)
    assert len(load(archive).labels) == 60000 and len(decoded) == 2  # the rebuilt cache checks

"""pixel_features and extract_features: values, the on-disk GIST cache, the model hook, bad input."""
from __future__ import annotations

import numpy as np
import pytest

import hashlib_core.features as features
from hashlib_core.data import Dataset
from hashlib_core.features import extract_features, feature_cache_path, gist, pixel_features


def _dataset(seed: int = 0, n: int = 6, variant: str = "toy") -> Dataset:
    rng = np.random.default_rng(seed)
    return Dataset(name="toy", variant=variant, images=rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8),
                   labels=np.arange(n, dtype=np.int64) % 2, n_train_official=n, class_names=("a", "b"),
                   source="test")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HASHLIB_CACHE", str(tmp_path))
    return tmp_path


def test_pixel_features():
    images = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    f = pixel_features(images)
    assert f.dtype == np.float32 and f.shape == (1, 4)
    np.testing.assert_allclose(f[0], [0.0, 1.0, 0.2, 0.4], rtol=1e-6)
    colour = np.zeros((3, 4, 5, 3), dtype=np.uint8)
    assert pixel_features(colour).shape == (3, 60)


@pytest.mark.parametrize("bad, match", [(np.zeros((2, 4, 4)), "uint8"), (np.zeros(5, dtype=np.uint8), "shape")])
def test_pixel_features_bad_input(bad, match):
    with pytest.raises(ValueError, match=match):
        pixel_features(bad)


def test_gist_cache_written_atomically_and_reused(cache, monkeypatch):
    ds = _dataset()
    first = extract_features(ds, "gist")
    path = feature_cache_path(ds)
    assert path.is_file() and path.parent.parent == cache and path.name.startswith("toy-gist-")
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary files left
    np.testing.assert_array_equal(first, gist(ds.images))

    def no_gist(*args, **kwargs):
        raise AssertionError("gist recomputed although cached")

    monkeypatch.setattr(features, "gist", no_gist)
    np.testing.assert_array_equal(extract_features(ds, "gist"), first)


def test_cache_key_depends_on_content_and_variant(cache):
    a, b, c = _dataset(0), _dataset(1), _dataset(0, variant="toy-jpeg")
    assert feature_cache_path(a) == feature_cache_path(_dataset(0))
    assert len({feature_cache_path(a), feature_cache_path(b), feature_cache_path(c)}) == 3


def test_cache_false_writes_nothing(cache):
    ds = _dataset()
    extract_features(ds, "gist", cache=False)
    assert not (cache / "features").exists() or not any((cache / "features").iterdir())


def test_corrupt_or_wrong_shape_cache_is_recomputed(cache):
    ds = _dataset()
    path = feature_cache_path(ds)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a npy file")
    good = extract_features(ds, "gist")
    np.testing.assert_array_equal(good, gist(ds.images))
    np.save(path, np.zeros((2, 3), dtype=np.float32))
    np.testing.assert_array_equal(extract_features(ds, "gist"), good)
    assert np.load(path).shape == (len(ds), 512)


def test_pixels_kind_is_not_cached(cache):
    ds = _dataset()
    f = extract_features(ds, "pixels")
    assert f.shape == (len(ds), 32 * 32 * 3)
    assert not (cache / "features").exists()


def test_model_hook():
    ds = _dataset()
    f = extract_features(ds, "model", model=lambda images: images.reshape(len(images), -1)[:, :7] * 2.0)
    assert f.shape == (len(ds), 7) and f.dtype == np.float32
    with pytest.raises(ValueError, match="model must return"):
        extract_features(ds, "model", model=lambda images: np.zeros(len(images)))
    with pytest.raises(ValueError, match="exactly when kind='model'"):
        extract_features(ds, "model")
    with pytest.raises(ValueError, match="exactly when kind='model'"):
        extract_features(ds, "gist", model=lambda images: images)


def test_unknown_kind():
    with pytest.raises(ValueError, match="unknown feature kind 'hog'"):
        extract_features(_dataset(), "hog")

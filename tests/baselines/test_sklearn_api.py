"""scikit-learn's estimator checks, and the API contract shared by every baseline."""
from __future__ import annotations

import numpy as np
import pytest

from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from hashlib_core.baselines import ITQ, ITQCCA, KSH, LSH, SH
from hashlib_core.eval.codes import MAX_BITS
from hashlib_core.methods import BASELINES, METHODS

# small code lengths so that every check works on scikit-learn's tiny data sets
CHECKED = [LSH(n_bits=4, random_state=0), ITQ(n_bits=2, random_state=0), SH(n_bits=4),
           KSH(n_bits=4, n_anchors=10, n_labeled=50, random_state=0), ITQCCA(n_bits=2, random_state=0)]


@parametrize_with_checks(CHECKED)
def test_sklearn_compatible(estimator, check):
    check(estimator)


SUPERVISED = {"ksh", "itq-cca"}


def _fit(name, estimator, X, y):
    return estimator.fit(X, y) if name in SUPERVISED else estimator.fit(X)


def _data(n=60, d=6, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    X = rng.normal(size=(n, d)) + 3 * np.eye(3, d)[y]
    return X, y


def _make(name, **kw):
    kw = {"n_bits": 3, **kw}
    if name == "ksh":
        kw.setdefault("n_anchors", 10)
    return METHODS[name].estimator(**kw)


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_codes_are_uint8_zero_one_with_n_bits_columns(name):
    X, y = _data()
    est = _fit(name, _make(name, random_state=0), X, y)
    codes = est.transform(X)
    assert codes.dtype == np.uint8 and codes.shape == (len(X), 3)
    assert set(np.unique(codes)) <= {0, 1}
    np.testing.assert_array_equal(est.fit_transform(X, y), codes)
    assert list(est.get_feature_names_out()) == [f"{type(est).__name__.lower()}{i}" for i in range(3)]


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_random_state_makes_fits_reproducible(name):
    X, y = _data()
    a = _fit(name, _make(name, random_state=3), X, y).transform(X)
    b = _fit(name, _make(name, random_state=3), X, y).transform(X)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_constructor_stores_parameters_only(name):
    est = _make(name, n_bits=-5, random_state=0)  # invalid, but only checked in fit
    assert est.get_params()["n_bits"] == -5
    assert clone(est).get_params() == est.get_params()
    with pytest.raises(NotFittedError):
        est.transform(np.zeros((2, 3)))


@pytest.mark.parametrize("name", sorted(BASELINES))
@pytest.mark.parametrize("n_bits", [0, -1, 2.5, True])
def test_bad_n_bits(name, n_bits):
    X, y = _data()
    with pytest.raises(ValueError, match=rf"n_bits must be an integer with 1 <= n_bits <= {MAX_BITS}, got {n_bits!r}"):
        _fit(name, _make(name, n_bits=n_bits), X, y)


@pytest.mark.parametrize("name", sorted(BASELINES))
@pytest.mark.parametrize("value, match", [(np.nan, "Input X contains NaN"), (np.inf, "Input X contains infinity")])
def test_nan_and_inf_features(name, value, match):
    X, y = _data()
    bad = X.copy()
    bad[4, 2] = value
    with pytest.raises(ValueError, match=match):
        _fit(name, _make(name), bad, y)
    est = _fit(name, _make(name, random_state=0), X, y)
    with pytest.raises(ValueError, match=match):
        est.transform(bad)


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_feature_count_mismatch_names_both_numbers(name):
    X, y = _data(d=6)
    est = _fit(name, _make(name, random_state=0), X, y)
    with pytest.raises(ValueError, match=rf"X has 4 features, but {type(est).__name__} is expecting 6 features"):
        est.transform(X[:, :4])


@pytest.mark.parametrize("name", sorted(SUPERVISED))
def test_supervised_needs_labels(name):
    X, _ = _data()
    cls = type(_make(name)).__name__
    with pytest.raises(ValueError, match=rf"{cls} is supervised: fit\(X, y\) needs labels"):
        _make(name).fit(X)

"""Spectral hashing: mode selection by eigenvalue, known codes on a box, balance, determinism."""
from __future__ import annotations

import numpy as np

from hashlib_core.baselines import SH


def _box(n=4000, extents=(4.0, 1.5), seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 1, size=(n, len(extents))) * np.array(extents)


def test_modes_are_the_smallest_eigenvalues():
    # 1-D eigenvalues ∝ (k / extent)²: extent 4 → 1/16, 4/16, 9/16, 1; extent 1.5 → 0.44, 1.78
    est = SH(n_bits=4).fit(_box())
    np.testing.assert_array_equal(est.modes_, [[1, 0], [2, 0], [0, 1], [3, 0]])


def test_codes_on_a_box_are_the_thresholded_eigenfunctions():
    X = _box()
    est = SH(n_bits=3).fit(X)
    codes = est.transform(X)
    z = (X - est.mean_) @ est.components_
    t = (z - est.mn_) / (est.mx_ - est.mn_)  # position in the box, in [0, 1]
    np.testing.assert_array_equal(codes[:, 0], (np.cos(np.pi * t[:, 0]) > 0).astype(np.uint8))  # t < 1/2
    np.testing.assert_array_equal(codes[:, 1], (np.cos(2 * np.pi * t[:, 0]) > 0).astype(np.uint8))
    np.testing.assert_array_equal(codes[:, 2], (np.cos(np.pi * t[:, 1]) > 0).astype(np.uint8))
    # the first principal direction is the long axis of the box
    assert abs(abs(est.components_[0, 0]) - 1) < 1e-2


def test_bits_are_balanced_on_uniform_data():
    X = _box(n=20000, extents=(5.0, 3.0, 2.0, 1.0), seed=1)
    codes = SH(n_bits=12).fit(X).transform(X)
    assert np.all(np.abs(codes.mean(axis=0) - 0.5) < 0.05), codes.mean(axis=0)


def test_deterministic_and_random_state_ignored():
    X = np.random.default_rng(2).normal(size=(300, 10))
    a = SH(n_bits=16, random_state=0).fit(X).transform(X)
    b = SH(n_bits=16, random_state=123).fit(X).transform(X)
    np.testing.assert_array_equal(a, b)


def test_more_bits_than_dimensions():
    X = _box(n=500, extents=(3.0, 1.0))
    est = SH(n_bits=10).fit(X)
    assert est.modes_.shape == (10, 2) and est.transform(X).shape == (500, 10)
    assert len({tuple(m) for m in est.modes_}) == 10  # distinct eigenfunctions


def test_chunked_projection_matches_single_pass():
    X = np.random.default_rng(3).normal(size=(1000, 6))
    est = SH(n_bits=8).fit(X)
    np.testing.assert_array_equal(est._project(X, chunk=64) > 0, est._project(X, chunk=5000) > 0)

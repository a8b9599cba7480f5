"""LSH: the projections are the seeded Gaussian matrix; bit disagreement estimates the angle."""
from __future__ import annotations

import numpy as np

from hashlib_core.baselines import LSH


def test_codes_on_known_data_match_direct_computation():
    X = np.random.default_rng(0).normal(size=(40, 5)) + 10.0
    est = LSH(n_bits=7, random_state=42).fit(X)
    W = np.random.RandomState(42).standard_normal((5, 7))  # check_random_state(42) draws the same numbers
    np.testing.assert_allclose(est.mean_, X.mean(axis=0))
    np.testing.assert_array_equal(est.projection_, W)
    np.testing.assert_array_equal(est.transform(X), ((X - X.mean(axis=0)) @ W > 0).astype(np.uint8))


def test_data_are_centred_so_bits_are_balanced():
    X = np.random.default_rng(1).normal(size=(4000, 10)) + 100.0  # far from the origin
    codes = LSH(n_bits=32, random_state=0).fit(X).transform(X)
    assert np.all(np.abs(codes.mean(axis=0) - 0.5) < 0.05)


def test_hamming_distance_estimates_the_angle():
    # Charikar: P[bit differs] = angle / pi for random hyperplanes through the (centred) origin
    x = np.array([1.0, 0.0, 0.0])
    angles = [np.pi / 6, np.pi / 3, np.pi / 2, 5 * np.pi / 6]
    ys = [np.array([np.cos(a), np.sin(a), 0.0]) for a in angles]
    X = np.vstack([x, -x] + [v for y in ys for v in (y, -y)])  # mean exactly zero
    estimators = [LSH(n_bits=512, random_state=seed).fit(X) for seed in range(16)]  # 8,192 hyperplanes
    np.testing.assert_allclose(estimators[0].mean_, 0.0, atol=1e-12)
    codes = np.hstack([est.transform(X) for est in estimators])
    sd = np.sqrt(0.25 / codes.shape[1])
    for k, angle in enumerate(angles):
        frac = np.mean(codes[0] != codes[2 + 2 * k])
        assert abs(frac - angle / np.pi) < 4 * sd, (angle, frac)


def test_different_seeds_give_different_codes():
    X = np.random.default_rng(2).normal(size=(50, 8))
    a = LSH(n_bits=16, random_state=0).fit(X).transform(X)
    b = LSH(n_bits=16, random_state=1).fit(X).transform(X)
    assert (a != b).mean() > 0.2

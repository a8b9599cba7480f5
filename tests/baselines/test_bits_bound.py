"""Baselines take the same bound on the code length as deep training (MAX_BITS), with a clear error."""
from __future__ import annotations

import numpy as np
import pytest

from hashlib_core.eval.codes import MAX_BITS
from hashlib_core.methods import BASELINES, METHODS


def _fit(name, n_bits):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 8)), np.arange(60) % 3
    params = {"n_anchors": 10, "n_labeled": 30} if name == "ksh" else {}
    estimator = METHODS[name].estimator(n_bits=n_bits, random_state=0, **params)
    return estimator.fit(X, y)  # unsupervised estimators ignore y


@pytest.mark.parametrize("name", sorted(BASELINES))
@pytest.mark.parametrize("n_bits", [MAX_BITS + 1, 100_000])
def test_more_bits_than_the_bound_is_refused_before_fitting(name, n_bits):
    with pytest.raises(ValueError, match=rf"n_bits must be an integer with 1 <= n_bits <= {MAX_BITS}, got {n_bits}"):
        _fit(name, n_bits)


def test_the_bound_itself_is_accepted():
    assert _fit("lsh", MAX_BITS).transform(np.zeros((2, 8))).shape == (2, MAX_BITS)

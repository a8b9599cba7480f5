"""KSH: kernel map, supervision, the greedy optimisation, retrieval quality, bad input."""
from __future__ import annotations

import numpy as np
import pytest

from hashlib_core.baselines import ITQ, KSH, LSH
from hashlib_core.baselines.ksh import _nesterov, _Residual, _smoothed, label_matrix, pairwise_similarity
from naive_ranking import naive_map  # noqa: E402  (tests/baselines/naive_ranking.py)


def _blobs(n=300, n_classes=4, d_signal=6, d_noise=14, noise=3.0, seed=0):
    """Gaussian classes in a few dimensions, hidden among larger-variance noise dimensions."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    centres = 2.5 * np.random.default_rng(100).normal(size=(n_classes, d_signal))
    X = np.hstack([centres[y] + rng.normal(size=(n, d_signal)), noise * rng.normal(size=(n, d_noise))])
    return X, y


def _loss(codes, y, n_bits):
    """The KSH objective ||B Bᵀ − r S||_F² on ±1 codes, computed directly."""
    B = 2.0 * codes - 1
    S = np.where(y[:, None] == y[None, :], 1.0, -1.0)
    return float(((B @ B.T - n_bits * S) ** 2).sum())


def test_kernel_map_matches_direct_computation():
    X, y = _blobs(n=80)
    est = KSH(n_bits=3, n_anchors=12, random_state=0).fit(X, y)
    d2 = np.array([[np.sum((x - a) ** 2) for a in est.anchors_] for x in X])
    assert np.isclose(est.kernel_width_ ** 2, d2.mean(), rtol=1e-12)  # authors: sigma = mean squared distance
    K = np.exp(-d2 / (2 * d2.mean()))
    np.testing.assert_allclose(est.kernel_mean_, K.mean(axis=0), rtol=1e-10)
    # anchors are distinct training samples
    assert len({tuple(a) for a in est.anchors_}) == 12
    assert all(any(np.array_equal(a, x) for x in X) for a in est.anchors_)
    codes = ((K - K.mean(axis=0)) @ est.coef_ > 0).astype(np.uint8)
    np.testing.assert_array_equal(est.transform(X), codes)


def test_given_kernel_width_is_used():
    X, y = _blobs(n=60)
    est = KSH(n_bits=2, n_anchors=10, kernel_width=2.5, random_state=0).fit(X, y)
    assert est.kernel_width_ == 2.5
    d2 = ((X[:, None] - est.anchors_[None]) ** 2).sum(-1)
    np.testing.assert_allclose(est.kernel_mean_, np.exp(-d2 / (2 * 2.5 ** 2)).mean(0), rtol=1e-10)


def test_objective_improves_over_spectral_and_random_projections():
    X, y = _blobs(n=300)
    r = 8
    est = KSH(n_bits=r, n_anchors=60, random_state=0).fit(X, y)
    spectral = KSH(n_bits=r, n_anchors=60, n_iter=0, random_state=0).fit(X, y)
    loss_ksh, loss_spectral = _loss(est.transform(X), y, r), _loss(spectral.transform(X), y, r)
    K = np.exp(-((X[:, None] - est.anchors_[None]) ** 2).sum(-1) / (2 * est.kernel_width_ ** 2)) - est.kernel_mean_
    rng = np.random.default_rng(0)
    random_losses = [_loss((K @ rng.normal(size=(60, r)) > 0).astype(np.uint8), y, r) for _ in range(20)]
    assert loss_ksh < 0.9 * loss_spectral
    assert loss_spectral < min(random_losses)
    # per-bit bookkeeping: the refined solution is kept exactly when its discrete objective is lower
    np.testing.assert_array_equal(est.refined_used_, est.refined_objective_ < est.spectral_objective_)
    assert est.refined_used_.any()
    assert np.all(spectral.n_iter_ == 0) and not spectral.refined_used_.any()


@pytest.mark.parametrize("kw", [{"precondition": False}, {"optimizer": "lbfgs"}])
def test_other_optimisers_also_improve_over_spectral(kw):
    X, y = _blobs(n=200, seed=1)
    est = KSH(n_bits=6, n_anchors=40, random_state=0, **kw).fit(X, y)
    spectral = KSH(n_bits=6, n_anchors=40, n_iter=0, random_state=0).fit(X, y)
    assert _loss(est.transform(X), y, 6) < _loss(spectral.transform(X), y, 6)
    assert est.refined_used_.any()


def test_nesterov_decreases_the_smoothed_objective():
    rng = np.random.default_rng(2)
    KK = rng.normal(size=(100, 20))
    KK -= KK.mean(0)
    y = rng.integers(0, 3, 100)
    R = _Residual(label_matrix(y), 4.0, 4, factored=True)
    a0 = rng.normal(size=20) * 0.1
    a1, n_iter = _nesterov(KK, R, a0, 300)
    assert 0 < n_iter <= 300
    assert _smoothed(KK, R, a1)[0] < _smoothed(KK, R, a0)[0]


def test_smoothed_gradient_matches_finite_differences():
    rng = np.random.default_rng(3)
    KK = rng.normal(size=(30, 5))
    R = _Residual(label_matrix(rng.integers(0, 3, 30)), 3.0, 3, factored=True)
    R.subtract(np.where(rng.normal(size=30) > 0, 1.0, -1.0))
    a = rng.normal(size=5)
    _, grad = _smoothed(KK, R, a)
    eps = 1e-6
    numeric = [(_smoothed(KK, R, a + eps * e)[0] - _smoothed(KK, R, a - eps * e)[0]) / (2 * eps) for e in np.eye(5)]
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-6)


def test_factored_residual_equals_the_dense_one():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 5, 40)
    factored = _Residual(label_matrix(y), 6.0, 2, factored=True)
    dense = _Residual(label_matrix(y), 6.0, 2, factored=False)
    S = 6.0 * np.where(y[:, None] == y[None], 1.0, -1.0)
    for _ in range(2):
        v = rng.normal(size=(40, 3))
        np.testing.assert_allclose(factored.matvec(v), dense.matvec(v), atol=1e-10)
        np.testing.assert_allclose(dense.matvec(v), S @ v, atol=1e-10)
        b = np.where(rng.normal(size=40) > 0, 1.0, -1.0)
        for R in (factored, dense):
            R.subtract(b)
        S -= np.outer(b, b)


def test_integer_labels_and_one_hot_matrix_give_the_same_model():
    X, y = _blobs(n=120, seed=5)
    a = KSH(n_bits=4, n_anchors=20, random_state=0).fit(X, y)
    b = KSH(n_bits=4, n_anchors=20, random_state=0).fit(X, np.eye(4, dtype=int)[y])  # dense residual path
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-6, atol=1e-8 * np.abs(a.coef_).max())


def test_multilabel_relevance_is_sharing_a_label():
    Y = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]])
    expected = -np.ones((5, 5))
    for i in range(5):
        for j in range(5):
            if any(Y[i, k] and Y[j, k] for k in range(3)):
                expected[i, j] = 1
    np.testing.assert_array_equal(pairwise_similarity(Y), expected)
    np.testing.assert_array_equal(pairwise_similarity(np.array([2, 7, 2])), [[1, -1, 1], [-1, 1, -1], [1, -1, 1]])


def test_multilabel_fit_groups_samples_sharing_labels():
    rng = np.random.default_rng(6)
    Y = (rng.uniform(size=(200, 3)) < 0.35).astype(int)
    X = Y @ (3 * rng.normal(size=(3, 8))) + rng.normal(size=(200, 8))
    codes = KSH(n_bits=8, n_anchors=40, random_state=0).fit(X, Y).transform(X)
    d = (codes[:, None] != codes[None]).sum(-1)
    share = (Y @ Y.T) > 0
    off = ~np.eye(200, dtype=bool)
    assert d[share & off].mean() + 1.5 < d[~share].mean()


def test_retrieval_beats_lsh_and_itq_clearly():
    X, y = _blobs(n=400, seed=7)
    Xq, yq = _blobs(n=100, seed=8)
    ksh = KSH(n_bits=12, n_anchors=80, random_state=0).fit(X, y)
    m_ksh = naive_map(ksh.transform(Xq), ksh.transform(X), yq, y)
    lsh = LSH(n_bits=12, random_state=0).fit(X)
    itq = ITQ(n_bits=12, random_state=0).fit(X)
    m_lsh = naive_map(lsh.transform(Xq), lsh.transform(X), yq, y)
    m_itq = naive_map(itq.transform(Xq), itq.transform(X), yq, y)
    assert m_ksh > 0.8
    assert m_ksh > m_lsh + 0.3 and m_ksh > m_itq + 0.3


def test_labelled_subset():
    X, y = _blobs(n=150, seed=9)
    a = KSH(n_bits=3, n_anchors=20, n_labeled=40, random_state=0).fit(X, y)
    b = KSH(n_bits=3, n_anchors=20, n_labeled=10_000, random_state=0).fit(X, y)  # more than available: all
    c = KSH(n_bits=3, n_anchors=20, n_labeled=150, random_state=0).fit(X, y)
    np.testing.assert_array_equal(b.coef_, c.coef_)
    assert not np.allclose(a.coef_, c.coef_)


def test_requires_labels():
    X, _ = _blobs(n=30)
    with pytest.raises(ValueError, match=r"KSH is supervised: fit\(X, y\) needs labels"):
        KSH(n_bits=2, n_anchors=5).fit(X)


@pytest.mark.parametrize("kw, match", [
    ({"n_anchors": 50}, r"n_anchors=50 anchors are drawn from the training samples, but X has n_samples=30"),
    ({"n_anchors": 0}, r"n_anchors must be an integer with 1 <= n_anchors, got 0"),
    ({"n_labeled": 1}, r"n_labeled must be an integer with 2 <= n_labeled, got 1"),
    ({"n_iter": -1}, r"n_iter must be an integer with 0 <= n_iter, got -1"),
    ({"kernel_width": -1.0}, r"kernel_width must be a positive finite number or None, got -1.0"),
    ({"optimizer": "sgd"}, r"optimizer must be one of nesterov, lbfgs, got 'sgd'"),
    ({"precondition": "yes"}, r"precondition must be True or False"),
])
def test_bad_parameters(kw, match):
    X, y = _blobs(n=30)
    with pytest.raises(ValueError, match=match):
        KSH(**{"n_bits": 2, "n_anchors": 5, **kw}).fit(X, y)


def test_bad_labels():
    X, y = _blobs(n=30)
    with pytest.raises(ValueError, match="0/1 label-indicator matrix"):
        KSH(n_bits=2, n_anchors=5).fit(X, np.full((30, 3), 2))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        KSH(n_bits=2, n_anchors=5).fit(X, y[:20])
    with pytest.raises(ValueError, match="Input y contains NaN"):
        KSH(n_bits=2, n_anchors=5).fit(X, np.where(y == 0, np.nan, y))


@pytest.mark.data
def test_mnist_subset_ksh_beats_unsupervised(mnist):
    from hashlib_core.features import pixel_features

    rng = np.random.default_rng(0)
    idx = rng.permutation(len(mnist))
    train, query, db = idx[:1000], idx[1000:1200], idx[1200:4200]
    X = pixel_features(mnist.images)
    y = mnist.labels
    ksh = KSH(n_bits=16, n_anchors=100, random_state=0).fit(X[train], y[train])
    itq = ITQ(n_bits=16, random_state=0).fit(X[train])
    m_ksh = naive_map(ksh.transform(X[query]), ksh.transform(X[db]), y[query], y[db])
    m_itq = naive_map(itq.transform(X[query]), itq.transform(X[db]), y[query], y[db])
    assert m_ksh > 0.6 and m_ksh > m_itq + 0.2

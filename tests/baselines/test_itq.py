"""ITQ: PCA, orthogonal rotation, monotone quantization loss, the Procrustes step, bad shapes; ITQ-CCA."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.decomposition import PCA

from hashlib_core.baselines import ITQ, ITQCCA, LSH
from hashlib_core.baselines.itq import itq_rotation
from naive_ranking import naive_map  # noqa: E402  (tests/baselines/naive_ranking.py)


def _correlated(n=500, d=12, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) + 5.0


def _rotated_hypercube(n=500, c=8, d=12, seed=0):
    """Noisy vertices of a c-cube, rotated at random and embedded in d dimensions: ITQ's ideal case."""
    rng = np.random.default_rng(seed)
    B = rng.choice([-1.0, 1.0], size=(n, c))
    Q = np.linalg.qr(rng.normal(size=(d, d)))[0][:c]  # (c, d) orthonormal rows
    return (B + 0.1 * rng.normal(size=(n, c))) @ Q + 2.0


def test_rotation_is_orthogonal_and_loss_decreases_monotonically():
    X = _rotated_hypercube()
    est = ITQ(n_bits=8, n_iter=50, random_state=0).fit(X)
    R = est.rotation_
    np.testing.assert_allclose(R.T @ R, np.eye(8), atol=1e-10)
    loss = np.array(est.quantization_loss_)
    assert len(loss) == 51
    assert np.all(np.diff(loss) <= 1e-9 * loss[0])
    assert loss[-1] < 0.3 * loss[0]  # the rotation finds the cube's axes


def test_loss_history_matches_a_direct_computation():
    X = _correlated(seed=1)
    est = ITQ(n_bits=6, n_iter=10, random_state=0).fit(X)
    V = (X - est.mean_) @ est.components_ @ est.rotation_
    B = np.where(V >= 0, 1.0, -1.0)
    assert np.isclose(((B - V) ** 2).sum(), est.quantization_loss_[-1], rtol=1e-10)
    np.testing.assert_array_equal(est.transform(X), (V >= 0).astype(np.uint8))


def test_learned_rotation_beats_random_rotations():
    X = _correlated(seed=2)
    est = ITQ(n_bits=8, random_state=0).fit(X)
    V = (X - est.mean_) @ est.components_
    rng = np.random.default_rng(0)

    def loss(R):
        Z = V @ R
        return ((np.where(Z >= 0, 1.0, -1.0) - Z) ** 2).sum()

    random_losses = [loss(np.linalg.qr(rng.normal(size=(8, 8)))[0]) for _ in range(50)]
    assert loss(est.rotation_) < min(random_losses)


def test_procrustes_step_is_the_optimal_rotation():
    # with c = 2, brute force over all rotations and reflections: R1 must maximise tr(B0ᵀ V R)
    V = np.random.default_rng(3).normal(size=(200, 2)) * [3.0, 1.0]
    R1, _ = itq_rotation(V, 1, np.random.RandomState(0))
    R0, _, _ = np.linalg.svd(np.random.RandomState(0).standard_normal((2, 2)))  # the same start
    B0 = np.where(V @ R0 >= 0, 1.0, -1.0)
    M = B0.T @ V
    best = -np.inf
    for t in np.linspace(0, 2 * np.pi, 20001):
        c, s = np.cos(t), np.sin(t)
        for R in (np.array([[c, -s], [s, c]]), np.array([[c, s], [s, -c]])):
            best = max(best, np.trace(M @ R))
    assert np.trace(M @ R1) >= best - 1e-6 * abs(best)


def test_procrustes_step_reaches_the_nuclear_norm():
    # max over orthogonal R of tr(M R) is the sum of the singular values of M (von Neumann)
    V = np.random.default_rng(8).normal(size=(300, 4)) * [4.0, 3.0, 2.0, 1.0]
    R1, _ = itq_rotation(V, 1, np.random.RandomState(1))
    R0, _, _ = np.linalg.svd(np.random.RandomState(1).standard_normal((4, 4)))
    M = np.where(V @ R0 >= 0, 1.0, -1.0).T @ V
    nuclear = np.linalg.svd(M, compute_uv=False).sum()
    assert np.isclose(np.trace(M @ R1), nuclear, rtol=1e-10)
    assert np.trace(M @ R1.T) < nuclear - 1e-3 * nuclear  # the transposed formula would be wrong


def test_principal_directions_agree_with_sklearn_pca():
    X = _correlated(seed=4)
    est = ITQ(n_bits=5, random_state=0).fit(X)
    pca = PCA(n_components=5).fit(X)
    np.testing.assert_allclose(np.abs(est.components_.T @ pca.components_.T), np.eye(5), atol=1e-8)


def test_more_features_than_samples_uses_the_gram_matrix():
    X = np.random.default_rng(5).normal(size=(20, 50))
    est = ITQ(n_bits=8, random_state=0).fit(X)
    np.testing.assert_allclose(est.components_.T @ est.components_, np.eye(8), atol=1e-10)
    pca = PCA(n_components=8).fit(X)
    np.testing.assert_allclose(np.abs(est.components_.T @ pca.components_.T), np.eye(8), atol=1e-6)


def test_fewer_samples_than_bits():
    X = np.random.default_rng(6).normal(size=(5, 20))
    with pytest.raises(ValueError, match=r"n_bits=8 and X has n_samples=5"):
        ITQ(n_bits=8).fit(X)


def test_more_bits_than_features():
    X = np.random.default_rng(7).normal(size=(50, 3))
    with pytest.raises(ValueError, match=r"needs n_bits <= n_features, but n_bits=4 and X has n_features=3"):
        ITQ(n_bits=4).fit(X)


def test_bad_n_iter():
    with pytest.raises(ValueError, match=r"n_iter must be an integer with 0 <= n_iter, got -1"):
        ITQ(n_bits=2, n_iter=-1).fit(np.random.default_rng(0).normal(size=(10, 3)))


def _label_in_low_variance_directions(n=600, seed=0):
    """Labels live in 2 low-variance dimensions; 10 high-variance dimensions are noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, n)
    centres = np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]]) * 1.0
    X = np.hstack([centres[y] + 0.3 * rng.normal(size=(n, 2)), 5 * rng.normal(size=(n, 10))])
    return X, y


def test_itq_cca_uses_the_labels():
    X, y = _label_in_low_variance_directions()
    Xq, yq = _label_in_low_variance_directions(n=100, seed=1)
    cca = ITQCCA(n_bits=2, random_state=0).fit(X, y)
    itq = ITQ(n_bits=2, random_state=0).fit(X)
    np.testing.assert_allclose(cca.rotation_.T @ cca.rotation_, np.eye(2), atol=1e-10)
    assert np.all(np.diff(cca.quantization_loss_) <= 1e-9 * cca.quantization_loss_[0])
    assert cca.correlations_[0] > 0.9
    m_cca = naive_map(cca.transform(Xq), cca.transform(X), yq, y)
    m_itq = naive_map(itq.transform(Xq), itq.transform(X), yq, y)
    m_lsh = naive_map(*(LSH(n_bits=2, random_state=0).fit(X).transform(Z) for Z in (Xq, X)), yq, y)
    assert m_cca > 0.9 and m_cca > m_itq + 0.3 and m_cca > m_lsh + 0.3

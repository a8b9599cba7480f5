"""``evaluate`` against the brute-force reference (tests/eval/naive.py): every key, both tie policies,
both AP@K denominators, both no-relevant policies, single- and multi-label, heavy ties."""
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))
import naive  # noqa: E402

import hashlib_core as hc  # noqa: E402
from hashlib_core.eval import average_precision  # noqa: E402


def random_case(seed, n_q=5, n_db=12, n_bits=3, n_classes=3, multi=False):
    rng = np.random.default_rng(seed)
    q, d = rng.integers(0, 2, (n_q, n_bits)), rng.integers(0, 2, (n_db, n_bits))
    if multi:
        return q, d, rng.integers(0, 2, (n_q, n_classes)), rng.integers(0, 2, (n_db, n_classes))
    return q, d, rng.integers(0, n_classes, n_q), rng.integers(0, n_classes, n_db)


def assert_same(got: dict, ref: dict, tol=1e-12):
    for key, value in ref.items():
        if isinstance(value, dict):
            for sub, seq in value.items():
                assert got[key][sub] == pytest.approx(seq, abs=tol), (key, sub)
        else:
            assert got[key] == pytest.approx(value, abs=tol), key


SETTINGS = [dict(ties=t, ap_at_k_denominator=a, no_relevant=z)
            for t in ("expected", "index") for a in ("retrieved", "min") for z in ("zero", "skip")]


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: "-".join(s.values()))
@pytest.mark.parametrize("seed", range(3))
def test_every_metric_matches_brute_force_heavy_ties(seed, settings):
    q, d, ql, dl = random_case(seed)  # 3 bits, 12 items: every distance is a tie group
    ql[0] = 7  # a query without any relevant item
    kw = dict(topk=(1, 3, 5, 100), radius=(0, 2), precision_at=(1, 4, 7, 50), **settings)
    assert_same(hc.evaluate(q, d, ql, dl, **kw), naive.naive_evaluate(q, d, ql, dl, **kw))


@pytest.mark.parametrize("ties", ["expected", "index"])
@pytest.mark.parametrize("seed", range(2))
def test_multilabel_matches_brute_force(seed, ties):
    q, d, ql, dl = random_case(seed + 10, n_db=10, n_classes=4, multi=True)
    ql[1] = 0  # no label at all: no relevant item
    kw = dict(topk=(2, 6), radius=(1,), precision_at=(3, 9), ties=ties)
    assert_same(hc.evaluate(q, d, ql, dl, **kw), naive.naive_evaluate(q, d, ql, dl, **kw))


@pytest.mark.parametrize("n_bits", [1, 2, 4, 9, 16])
@pytest.mark.parametrize("seed", range(3))
def test_index_order_matches_brute_force_more_bits(seed, n_bits):
    q, d, ql, dl = random_case(seed, n_q=6, n_db=40, n_bits=n_bits)
    kw = dict(topk=(5, 17, 100), radius=(0, 1, 3), precision_at=(1, 10, 40), ties="index")
    for den in ("retrieved", "min"):
        assert_same(hc.evaluate(q, d, ql, dl, ap_at_k_denominator=den, **kw),
                    naive.naive_evaluate(q, d, ql, dl, ap_at_k_denominator=den, **kw))


def test_all_identical_codes_give_the_random_order_expectation():
    d = np.zeros((10, 4), int)
    labels = np.array([1] * 3 + [0] * 7)
    for k in (None, 1, 4, 10):
        got = float(average_precision(np.zeros((1, 4), int), d, [1], labels, k=k)[0])
        assert got == pytest.approx(float(naive.naive_expected_ap([0] * 4, d.tolist(), 1, list(labels), k)), abs=1e-14)
    # with one tie group, the expected AP@all is the classic (1/R) Σ_t E[t / position of t-th relevant]
    assert float(average_precision(np.zeros((1, 4), int), d, [1], labels)[0]) == pytest.approx(
        float(naive.naive_expected_ap([0] * 4, d.tolist(), 1, list(labels))), abs=1e-14)


def test_no_relevant_policies_and_counts():
    q, d, ql, dl = random_case(0, n_q=6, n_db=30, n_classes=3)
    dl = np.where(dl == 2, 1, dl)
    ql = np.array([2, 2, 0, 1, 0, 1])  # two queries whose class is absent from the database
    zero = hc.evaluate(q, d, ql, dl, topk=(5,), curves=False)
    skip = hc.evaluate(q, d, ql, dl, topk=(5,), no_relevant="skip", curves=False)
    assert zero["n_queries_without_relevant"] == skip["n_queries_without_relevant"] == 2
    assert zero["map@all"] == pytest.approx(skip["map@all"] * 4 / 6, abs=1e-14)
    assert zero["map@5"] == pytest.approx(skip["map@5"] * 4 / 6, abs=1e-14)
    ap = average_precision(q, d, ql, dl)
    assert torch.equal(ap[:2], torch.zeros(2, dtype=torch.float64))
    nobody = hc.evaluate(q, d, np.full(6, 2), dl, no_relevant="skip")
    assert nobody["map@all"] == 0.0 and nobody["n_queries_without_relevant"] == 6


def test_k_larger_than_database_is_the_whole_ranking():
    q, d, ql, dl = random_case(4, n_q=9, n_db=30, n_bits=5)
    for ties in ("expected", "index"):
        for den in ("retrieved", "min"):
            out = hc.evaluate(q, d, ql, dl, topk=(30, 1000), ties=ties, ap_at_k_denominator=den, curves=False)
            assert out["map@1000"] == pytest.approx(out["map@all"], abs=1e-14)
            assert out["map@30"] == pytest.approx(out["map@all"], abs=1e-14)


def test_expected_equals_index_without_ties_and_sklearn_agrees():
    from sklearn.metrics import average_precision_score

    n_bits = 20
    d = np.array([[1] * w + [0] * (n_bits - w) for w in range(n_bits)])  # distances 0..19: no ties
    rng = np.random.default_rng(3)
    for trial in range(5):
        labels = rng.integers(0, 2, n_bits)
        labels[trial] = 1
        perm = rng.permutation(n_bits)
        args = (np.zeros((1, n_bits), int), d[perm], [1], labels[perm])
        exp = float(average_precision(*args)[0])
        idx = float(average_precision(*args, ties="index")[0])
        ref = average_precision_score(labels == 1, -np.arange(n_bits))  # score = -distance
        assert exp == pytest.approx(ref, abs=1e-14) and idx == pytest.approx(ref, abs=1e-14)


def test_sklearn_is_tie_pessimistic_and_differs_from_the_expectation():
    """sklearn counts a whole tie group at once (its threshold rule); ours averages over orders."""
    from sklearn.metrics import average_precision_score

    d = np.array([[0, 0]] * 2 + [[1, 0]] * 3)  # distances 0,0,1,1,1
    labels = np.array([0, 1, 1, 0, 1])
    dist = np.array([0, 0, 1, 1, 1])
    sk = average_precision_score(labels == 1, -dist)
    exact = float(naive.naive_expected_ap([0, 0], d.tolist(), 1, list(labels)))
    got = float(average_precision(np.zeros((1, 2), int), d, [1], labels)[0])
    assert got == pytest.approx(exact, abs=1e-14)
    assert sk == pytest.approx((1 / 3) * (1 / 2) + (2 / 3) * (3 / 5), abs=1e-14)  # threshold form
    assert abs(sk - got) > 1e-3


def test_chunking_threads_and_segments_do_not_change_results():
    q, d, ql, dl = random_case(5, n_q=37, n_db=3000, n_bits=12, n_classes=5)
    ref = hc.evaluate(q, d, ql, dl, topk=(10, 100))
    ref_index = hc.evaluate(q, d, ql, dl, topk=(10, 100), ties="index")
    old = torch.get_num_threads()
    try:
        for threads in (1, 2):
            torch.set_num_threads(threads)
            for chunk in (1, 7, None):
                assert hc.evaluate(q, d, ql, dl, topk=(10, 100), chunk_size=chunk) == ref
                assert hc.evaluate(q, d, ql, dl, topk=(10, 100), chunk_size=chunk, ties="index") == ref_index
    finally:
        torch.set_num_threads(old)


def test_expected_metrics_do_not_depend_on_database_order():
    q, d, ql, dl = random_case(6, n_q=20, n_db=500, n_bits=6, n_classes=4)
    perm = np.random.default_rng(0).permutation(len(d))
    a = hc.evaluate(q, d, ql, dl, topk=(7, 50))
    b = hc.evaluate(q, d[perm], ql, dl[perm], topk=(7, 50))
    assert_same(b, {k: v for k, v in a.items() if not isinstance(v, str)}, tol=1e-13)
    c = hc.evaluate(q, d[perm], ql, dl[perm], topk=(7, 50), ties="index")
    assert c["map@all"] != pytest.approx(a["map@all"], abs=1e-9)  # index order does depend on it


def test_output_is_json_ready_with_fixed_keys():
    import json

    q, d, ql, dl = random_case(1, n_q=4, n_db=20)
    out = hc.evaluate(q, d, ql, dl, topk=[1000, 5000], radius=2)
    assert {"map@all", "map@1000", "map@5000", "p@r2", "n_queries", "n_queries_without_relevant", "ties",
            "pr_curve", "precision@n", "recall@n"} <= set(out)
    assert out["ties"] == "expected" and out["ap_at_k_denominator"] == "retrieved" and out["no_relevant"] == "zero"
    assert all(type(out[k]) is float for k in ("map@all", "map@1000", "p@r2"))
    assert all(type(v) is float for v in out["pr_curve"]["precision"] + out["precision@n"]["precision"])
    json.dumps(out, allow_nan=False)
    assert hc.evaluate(q, d, ql, dl, topk=(), curves=False).keys() >= {"map@all", "p@r2"}


def test_labels_are_any_integers_and_multilabel_bool_matrices_work():
    q, d, ql, dl = random_case(8, n_q=6, n_db=50, n_bits=5, n_classes=4)
    ref = hc.evaluate(q, d, ql, dl, topk=(9,))
    mapping = np.array([-7, 10**12, 3, 5])  # negative and huge labels: only equality matters
    assert hc.evaluate(q, d, mapping[ql], mapping[dl], topk=(9,)) == ref
    assert hc.evaluate(q, d, ql.astype(float), dl.astype(np.float32), topk=(9,)) == ref
    onehot = np.eye(4, dtype=bool)  # one-hot multi-label relevance equals single-label relevance
    multi = hc.evaluate(q, d, onehot[ql], onehot[dl], topk=(9,))
    assert_same(multi, {k: v for k, v in ref.items() if not isinstance(v, str)}, tol=1e-14)

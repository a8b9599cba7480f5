import itertools
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))
import naive  # noqa: E402

import hashlib_core as hc  # noqa: E402
from hashlib_core.eval import average_precision, pack_codes, search  # noqa: E402


def _random_case(seed, n_q=6, n_db=40, n_bits=5, n_classes=3):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 2, (n_q, n_bits)), rng.integers(0, 2, (n_db, n_bits)),
            rng.integers(0, n_classes, n_q), rng.integers(0, n_classes, n_db))


def _naive_map(q, d, ql, dl, fn, **kw):
    return float(sum(fn(list(q[i]), [list(x) for x in d], int(ql[i]), [int(x) for x in dl], **kw)
                     for i in range(len(q))) / len(q))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("n_bits", [1, 3, 8])
def test_index_order_map_matches_brute_force(seed, n_bits):
    q, d, ql, dl = _random_case(seed, n_bits=n_bits)
    got = hc.evaluate(q, d, ql, dl, ties="index", topk=(5, 100), curves=False)
    assert got["map@all"] == pytest.approx(_naive_map(q, d, ql, dl, naive.naive_ap), abs=1e-12)
    for k in (5, 100):
        for den in ("retrieved", "min"):
            ref = _naive_map(q, d, ql, dl, naive.naive_ap, k=k, denominator=den)
            val = hc.evaluate(q, d, ql, dl, ties="index", topk=(k,), ap_at_k_denominator=den, curves=False)
            assert val[f"map@{k}"] == pytest.approx(ref, abs=1e-12), (k, den)


@pytest.mark.parametrize("seed", range(3))
def test_expected_ties_match_exhaustive_permutations(seed):
    q, d, ql, dl = _random_case(seed, n_q=3, n_db=9, n_bits=2, n_classes=2)  # heavy ties
    exact = _naive_map(q, d, ql, dl, naive.naive_expected_ap)
    assert hc.evaluate(q, d, ql, dl, curves=False)["map@all"] == pytest.approx(exact, abs=1e-12)
    for k in (1, 3, 4, 7):
        for den in ("retrieved", "min"):
            ref = _naive_map(q, d, ql, dl, naive.naive_expected_ap, k=k, denominator=den)
            got = hc.evaluate(q, d, ql, dl, topk=(k,), ap_at_k_denominator=den, curves=False)[f"map@{k}"]
            assert got == pytest.approx(ref, abs=1e-12), (k, den)


def test_expected_equals_index_without_ties():
    rng = np.random.default_rng(1)
    n_bits = 16
    d = np.array([[int(b) for b in np.binary_repr(v, n_bits)] for v in rng.choice(2 ** n_bits, 12, replace=False)])
    q = np.zeros((1, n_bits), dtype=int)
    # distinct codes can still tie in distance; choose db codes at distinct distances from the query
    d = np.array([[1] * w + [0] * (n_bits - w) for w in range(12)])
    labels = rng.integers(0, 2, 12)
    a = hc.evaluate(q, d, [1], labels, curves=False)
    b = hc.evaluate(q, d, [1], labels, ties="index", curves=False)
    assert a["map@all"] == pytest.approx(b["map@all"], abs=1e-12)


def test_sklearn_average_precision_as_second_reference():
    from sklearn.metrics import average_precision_score

    d = np.array([[1] * w + [0] * (20 - w) for w in range(20)])  # distances 0..19, no ties
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, 20)
    labels[0] = 1
    got = average_precision(np.zeros((1, 20), int), d, [1], labels)
    ref = average_precision_score(labels == 1, -np.arange(20))
    assert float(got[0]) == pytest.approx(ref, abs=1e-12)


def test_all_identical_codes_give_the_random_ranking_expectation():
    d = np.zeros((10, 4), int)
    labels = np.array([1] * 3 + [0] * 7)
    got = hc.evaluate(np.zeros((1, 4), int), d, [1], labels, curves=False)["map@all"]
    exact = naive.naive_expected_ap([0] * 4, [[0] * 4] * 10, 1, list(labels))
    assert got == pytest.approx(float(exact), abs=1e-12)


def test_query_without_relevant_item_zero_or_skip():
    q, d, ql, dl = _random_case(0, n_classes=3)
    dl = np.where(dl == 2, 1, dl)
    ql[0] = 2
    zero = hc.evaluate(q, d, ql, dl, curves=False)
    skip = hc.evaluate(q, d, ql, dl, no_relevant="skip", curves=False)
    assert zero["n_queries_without_relevant"] == (ql == 2).sum() >= 1
    n = len(q)
    kept = n - zero["n_queries_without_relevant"]
    assert zero["map@all"] == pytest.approx(skip["map@all"] * kept / n, abs=1e-12)


def test_multilabel_relevance_is_any_shared_label():
    rng = np.random.default_rng(5)
    q, d = rng.integers(0, 2, (4, 6)), rng.integers(0, 2, (25, 6))
    ql, dl = rng.integers(0, 2, (4, 3)), rng.integers(0, 2, (25, 3))
    ref = sum(naive.naive_ap(list(q[i]), [list(x) for x in d], list(ql[i]), [list(x) for x in dl])
              for i in range(4)) / 4
    got = hc.evaluate(q, d, ql, dl, ties="index", curves=False)["map@all"]
    assert got == pytest.approx(float(ref), abs=1e-12)
    exp = hc.evaluate(q, d, ql, dl, curves=False)["map@all"]
    assert 0 <= exp <= 1


def test_precision_within_radius_and_curves():
    q, d, ql, dl = _random_case(2, n_bits=6)
    got = hc.evaluate(q, d, ql, dl, radius=(0, 2), precision_at=(1, 5, 1000))
    for r in (0, 2):
        ref = sum(naive.naive_precision_radius(list(q[i]), [list(x) for x in d], ql[i], list(dl), r)
                  for i in range(len(q))) / len(q)
        assert got[f"p@r{r}"] == pytest.approx(float(ref), abs=1e-12)
    assert got["pr_curve"]["recall"][-1] == pytest.approx(1.0)
    assert got["precision@n"]["n"] == [1, 5, 40]  # clipped to the database size
    assert got["recall@n"]["recall"][-1] == pytest.approx(1.0)


@pytest.mark.parametrize("n_bits", [1, 128])
def test_input_forms_agree(n_bits):
    q, d, ql, dl = _random_case(7, n_bits=n_bits, n_db=60)
    ref = hc.evaluate(q, d, ql, dl, curves=False)
    for qq, dd in ((2 * q - 1, 2 * d - 1), (torch.tensor(q).bool(), torch.tensor(d).float()),
                   (pack_codes(q), pack_codes(d))):
        assert hc.evaluate(qq, dd, ql, dl, curves=False)["map@all"] == pytest.approx(ref["map@all"], abs=1e-12)


def test_k_larger_than_database_and_chunking():
    q, d, ql, dl = _random_case(4, n_q=9, n_db=30)
    a = hc.evaluate(q, d, ql, dl, topk=(1000,), curves=False, ap_at_k_denominator="min")
    b = hc.evaluate(q, d, ql, dl, topk=(1000,), curves=False, chunk_size=2, ap_at_k_denominator="min")
    assert a["map@1000"] == pytest.approx(a["map@all"], abs=1e-12)
    assert b["map@all"] == pytest.approx(a["map@all"], abs=1e-12)


def test_search_matches_stable_argsort():
    q, d, _, _ = _random_case(8, n_q=5, n_db=50, n_bits=4)
    dist, idx = search(q, d, 10)
    for i in range(5):
        order = naive.ranking_index_order(list(q[i]), [list(x) for x in d])[:10]
        assert idx[i].tolist() == order
        assert dist[i].tolist() == [naive.hamming(q[i], d[j]) for j in order]
    assert search(torch.tensor(q), d, 500)[1].shape == (5, 50)


@pytest.mark.parametrize("kwargs, message", [
    (dict(query_codes=np.array([[0, 2]])), "not binary: found value 2"),
    (dict(query_codes=np.array([[0.0, np.nan]])), "contain NaN"),
    (dict(query_codes=np.zeros((2, 3), int)), "query codes have 3 bits, database codes have 2"),
    (dict(query_labels=np.zeros(5, int)), "query_labels has 5 entries but there are 2 query codes"),
    (dict(db_codes=np.zeros((0, 2), int), db_labels=np.zeros(0, int)), "database is empty"),
    (dict(topk=(0,)), "K >= 1"),
    (dict(ties="random"), "unknown ties 'random'; valid: expected, index"),
    (dict(no_relevant="drop"), "unknown no_relevant"),
])
def test_bad_input_is_a_clear_error(kwargs, message):
    args = dict(query_codes=np.zeros((2, 2), int), db_codes=np.ones((3, 2), int),
                query_labels=np.zeros(2, int), db_labels=np.zeros(3, int))
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        hc.evaluate(**args)
    with pytest.raises(ValueError, match="k must be a positive integer"):
        search(np.zeros((1, 2), int), np.zeros((2, 2), int), 0)


@pytest.mark.gpu
def test_cuda_matches_cpu():
    q, d, ql, dl = _random_case(9, n_q=50, n_db=500, n_bits=48)
    cpu = hc.evaluate(q, d, ql, dl)
    gpu = hc.evaluate(torch.tensor(q).cuda(), torch.tensor(d).cuda(), ql, dl)
    assert gpu["map@all"] == pytest.approx(cpu["map@all"], abs=1e-9)
    dist, idx = search(torch.tensor(q).cuda(), torch.tensor(d).cuda(), 7)
    assert idx.device.type == "cuda" and torch.equal(idx.cpu(), search(q, d, 7)[1])

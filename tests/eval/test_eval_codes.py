"""Code formats, ``search``, ``hamming_distance``, and the error messages for bad input."""
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))
import naive  # noqa: E402

import hashlib_core as hc  # noqa: E402
from hashlib_core.eval import (PackedCodes, average_precision, hamming_distance, pack_codes, search,  # noqa: E402
                               to_bit_array, to_bits, unpack_codes)
from hashlib_core.eval.codes import pack_bits, unpack_bits  # noqa: E402


def case(seed, n_q=5, n_db=60, n_bits=8, n_classes=3):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 2, (n_q, n_bits)), rng.integers(0, 2, (n_db, n_bits)),
            rng.integers(0, n_classes, n_q), rng.integers(0, n_classes, n_db))


@pytest.mark.parametrize("n_bits", [1, 7, 12, 24, 32, 48, 64, 127, 128, 300])
def test_hamming_distance_matches_brute_force(n_bits):
    q, d, _, _ = case(n_bits, n_q=4, n_db=33, n_bits=n_bits)
    got = hamming_distance(q, d)
    assert got.dtype == torch.int32 and got.shape == (4, 33)
    assert got.tolist() == [[naive.hamming(a, b) for b in d] for a in q]


@pytest.mark.parametrize("n_bits", [1, 128])
def test_input_forms_give_identical_results(n_bits):
    q, d, ql, dl = case(7, n_bits=n_bits, n_db=80)
    ref = hc.evaluate(q, d, ql, dl, topk=(10,))
    ref_index = hc.evaluate(q, d, ql, dl, topk=(10,), ties="index")
    forms = [
        (2 * q - 1, 2 * d - 1),                                   # {-1,+1} int
        ((2 * q - 1).astype(np.float32), (2 * d - 1).astype(np.float64)),
        (q.astype(bool), d.astype(np.uint8)),                     # bool / uint8
        (torch.tensor(q).bool(), torch.tensor(d).float()),        # torch
        (torch.tensor(2 * q - 1, dtype=torch.int8), torch.tensor(d, dtype=torch.float16)),
        (pack_codes(q), pack_codes(d)),                           # packed
        (PackedCodes(np.packbits(q.astype(np.uint8), axis=1), n_bits), d),
        (q, 2 * d - 1),                                           # mixed formats
        (np.asfortranarray(q), d[::-1][::-1]),                    # non-contiguous numpy
    ]
    for qq, dd in forms:
        assert hc.evaluate(qq, dd, ql, dl, topk=(10,)) == ref
        assert hc.evaluate(qq, dd, ql, dl, topk=(10,), ties="index") == ref_index
    assert hc.evaluate(q, d, torch.tensor(ql), torch.tensor(dl), topk=(10,)) == ref


def test_pack_unpack_round_trip_and_numpy_order():
    rng = np.random.default_rng(0)
    for n_bits in (1, 8, 13, 64, 130):
        bits = rng.integers(0, 2, (9, n_bits))
        packed = pack_codes(bits)
        assert packed.n_bits == n_bits and len(packed) == 9
        assert np.array_equal(packed.packed.numpy(), np.packbits(bits.astype(np.uint8), axis=1))
        assert np.array_equal(unpack_codes(packed).numpy(), bits)
        assert np.array_equal(to_bits(2 * bits - 1).numpy(), bits)
        assert np.array_equal(pack_bits(bits.astype(np.uint8)), packed.packed.numpy())
        assert np.array_equal(unpack_bits(pack_bits(bits.astype(np.uint8)), n_bits), bits)


def test_bit_array_is_numpy_and_can_refuse_signed_codes():
    bits = np.array([[0, 1], [1, 1]], np.uint8)
    assert np.shares_memory(to_bit_array(bits, signed=False), bits)  # valid uint8 codes: checked, not copied
    assert to_bit_array(torch.tensor(2 * bits.astype(int) - 1)).tolist() == bits.tolist()
    with pytest.raises(ValueError, match=r"^codes are not binary: found value -1 \(codes must be in \{0, 1\}\)$"):
        to_bit_array(2 * bits.astype(int) - 1, signed=False)
    with pytest.raises(ValueError, match=r"^stored codes contain NaN; codes must be binary, in \{0, 1\}$"):
        to_bit_array(np.array([[np.nan, 1.0]]), "stored codes", signed=False)


@pytest.mark.parametrize("n_bits", [1, 4, 64])
def test_search_matches_stable_argsort(n_bits):
    q, d, _, _ = case(8, n_q=6, n_db=50, n_bits=n_bits)
    for k in (1, 10, 50, 500):
        dist, idx = search(q, d, k)
        assert dist.dtype == idx.dtype == torch.int64 and dist.shape == (6, min(k, 50))
        for i in range(6):
            brute = np.array([naive.hamming(q[i], x) for x in d])
            order = np.argsort(brute, kind="stable")[:k]
            assert idx[i].tolist() == order.tolist()
            assert dist[i].tolist() == brute[order].tolist()
    d_t, i_t = search(torch.tensor(q), pack_codes(d), 7, chunk_size=2)
    assert torch.equal(i_t, search(q, d, 7)[1]) and torch.equal(d_t, search(q, d, 7)[0])


def test_search_agrees_with_faiss_distances():
    faiss = pytest.importorskip("faiss")
    q, d, _, _ = case(9, n_q=20, n_db=300, n_bits=32)
    index = faiss.IndexBinaryFlat(32)
    index.add(np.packbits(d.astype(np.uint8), axis=1))
    f_dist, _ = index.search(np.packbits(q.astype(np.uint8), axis=1), 25)
    dist, _ = search(q, d, 25)
    assert np.array_equal(dist.numpy(), f_dist)  # identical distances; tie order is ours by index


def test_results_stay_on_the_input_device_and_dtype():
    q, d, ql, dl = case(1)
    ap = average_precision(torch.tensor(q), torch.tensor(d), ql, dl)
    assert ap.dtype == torch.float64 and ap.device.type == "cpu" and ap.shape == (5,)
    total, relevant = hc.eval.histograms(q, d, ql, dl)
    assert total.shape == (5, 9) and int(total.sum()) == 5 * 60 and bool((relevant <= total).all())


GOOD = dict(query_codes=np.zeros((2, 2), int), db_codes=np.ones((3, 2), int),
            query_labels=np.zeros(2, int), db_labels=np.zeros(3, int))


@pytest.mark.parametrize("kwargs, message", [
    (dict(query_codes=np.array([[0, 2], [1, 1]])),
     r"query codes are not binary: found value 2 \(valid codes are \{0, 1\} or \{-1, \+1\}\)"),
    (dict(db_codes=np.array([[0, 0.5]] * 3)), r"database codes are not binary: found value 0.5"),
    (dict(db_codes=np.array([[-1, 0]] * 3)), r"found value 0 among -1/\+1 codes"),
    (dict(query_codes=np.array([[0.0, np.nan]] * 2)), r"query codes contain NaN"),
    (dict(query_codes=np.zeros(2, int)), r"query codes must be a 2-D array \(n, n_bits\), got shape \(2,\)"),
    (dict(query_codes=np.zeros((2, 3), int)), r"query codes have 3 bits, database codes have 2"),
    (dict(query_codes=np.zeros((2, 48), int), db_codes=np.zeros((3, 32), int)),
     r"query codes have 48 bits, database codes have 32"),
    (dict(query_labels=np.zeros(5, int)), r"query_labels has 5 entries but there are 2 query codes"),
    (dict(db_labels=np.zeros(4, int)), r"db_labels has 4 entries but there are 3 database codes"),
    (dict(db_labels=np.array([0, 1, np.nan])), r"db_labels contains NaN"),
    (dict(db_labels=np.array([0, 1.5, 2])), r"single-label labels must be integers"),
    (dict(db_labels=np.zeros((3, 2), int)), r"labels must be both 1-D \(single-label\) or both 2-D"),
    (dict(query_labels=np.array([[0, 2]] * 2), db_labels=np.zeros((3, 2), int)), r"query_labels must be a 0/1 matrix"),
    (dict(query_labels=np.zeros((2, 3)), db_labels=np.zeros((3, 2))), r"multi-label matrices have 3 \(query\) and 2"),
    (dict(db_codes=np.zeros((0, 2), int), db_labels=np.zeros(0, int)), r"the database is empty"),
    (dict(query_codes=np.zeros((0, 2), int), query_labels=np.zeros(0, int)), r"there are no query codes"),
    (dict(topk=(0,)), r"topk must contain integers K >= 1, got 0"),
    (dict(topk=(-5, 10)), r"K >= 1, got -5"),
    (dict(radius=-1), r"radius must contain integers >= 0"),
    (dict(precision_at=(0,)), r"precision_at must contain integers >= 1"),
    (dict(chunk_size=0), r"chunk_size must be a positive integer"),
    (dict(ties="random"), r"unknown ties 'random'; valid: expected, index"),
    (dict(ap_at_k_denominator="R"), r"unknown ap_at_k_denominator 'R'; valid: retrieved, min"),
    (dict(no_relevant="drop"), r"unknown no_relevant 'drop'; valid: zero, skip"),
])
def test_bad_input_is_a_clear_value_error(kwargs, message):
    args = {**GOOD, **kwargs}
    with pytest.raises(ValueError, match=message):
        hc.evaluate(**args)


def test_bad_search_and_packed_inputs():
    with pytest.raises(ValueError, match="k must be a positive integer, got 0"):
        search(np.zeros((1, 2), int), np.zeros((2, 2), int), 0)
    with pytest.raises(ValueError, match="query codes have 3 bits, database codes have 2"):
        search(np.zeros((1, 3), int), np.zeros((2, 2), int), 1)
    with pytest.raises(ValueError, match=r"PackedCodes with n_bits=20 needs 3 bytes per code, got 2"):
        PackedCodes(np.zeros((4, 2), np.uint8), 20)
    with pytest.raises(ValueError, match="PackedCodes.packed must be a uint8 array"):
        PackedCodes(np.zeros((4, 2), np.int64), 16)
    with pytest.raises(ValueError, match="needs n_bits >= 1"):
        PackedCodes(np.zeros((4, 0), np.uint8), 0)
    with pytest.raises(ValueError, match="query codes have 0 bits"):
        hamming_distance(np.zeros((1, 0)), np.zeros((1, 0)))
    with pytest.raises(ValueError, match="ties"):
        average_precision(*GOOD.values(), ties="argsort")

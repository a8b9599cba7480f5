"""The histogram backends: the fused numba kernel and the pure-PyTorch products give identical counts."""
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import hashlib_core as hc
from hashlib_core.eval import histogram
from hashlib_core.eval.codes import to_bits
from hashlib_core.eval.histogram import distance_histograms, label_order, resolve_backend
from hashlib_core.eval.kernel import int8_gemm_available
from hashlib_core.eval.relevance import prepare_labels

numba = pytest.importorskip("numba")
from hashlib_core.eval import fused  # noqa: E402

CPU = torch.device("cpu")
PRODUCTS = ["int8", "float32"] if int8_gemm_available("cpu") else ["float32"]


def tied_case(seed: int, n_bits: int, n_q: int = 11, n_db: int = 700, multi: bool = False, n_classes: int = 7):
    """Codes drawn from a small pool (many exact ties), and labels."""
    rng = np.random.default_rng(seed)
    pool = rng.integers(0, 2, (5, n_bits))
    q, d = pool[rng.integers(0, 5, n_q)], pool[rng.integers(0, 5, n_db)]
    d[::3] = rng.integers(0, 2, (len(d[::3]), n_bits))  # and some spread
    if multi:
        return q, d, rng.integers(0, 2, (n_q, n_classes)), rng.integers(0, 2, (n_db, n_classes))
    return q, d, rng.integers(0, n_classes, n_q), rng.integers(0, n_classes, n_db)


def brute_force(q, d, ql, dl) -> tuple[np.ndarray, np.ndarray]:
    n_bits = q.shape[1]
    dist = (q[:, None, :] != d[None, :, :]).sum(2)
    rel = (ql @ dl.T > 0) if ql.ndim == 2 else ql[:, None] == dl[None, :]
    total = np.stack([np.bincount(row, minlength=n_bits + 1) for row in dist])
    relevant = np.stack([np.bincount(row[m], minlength=n_bits + 1) for row, m in zip(dist, rel)])
    return total, relevant


def counts(q, d, ql, dl, backend: str, chunk_size=None) -> tuple[np.ndarray, np.ndarray]:
    labels = prepare_labels(ql, dl, len(q), len(d), CPU)
    total, relevant = distance_histograms(to_bits(q), to_bits(d), labels, chunk_size, backend=backend)
    return total.numpy(), relevant.numpy()


@pytest.mark.parametrize("multi", [False, True], ids=["single", "multi"])
@pytest.mark.parametrize("n_bits", [1, 7, 63, 64, 65, 130])
def test_fused_and_pytorch_histograms_are_identical(n_bits, multi):
    q, d, ql, dl = tied_case(n_bits, n_bits, multi=multi, n_classes=70 if multi else 7)  # 70: two label words
    ref = brute_force(q, d, ql, dl)
    for backend in ["numba"] + PRODUCTS:
        for chunk in (None, 4):
            got = counts(q, d, ql, dl, backend, chunk)
            assert np.array_equal(got[0], ref[0]) and np.array_equal(got[1], ref[1]), (backend, chunk)


@settings(derandomize=True, max_examples=30, deadline=None)
@given(st.integers(1, 140), st.integers(1, 9), st.integers(1, 300), st.booleans(), st.integers(0, 2**31 - 1))
def test_property_fused_equals_pytorch(n_bits, n_q, n_db, multi, seed):
    q, d, ql, dl = tied_case(seed, n_bits, n_q, n_db, multi, n_classes=3)
    fused_counts = counts(q, d, ql, dl, "numba")
    product_counts = counts(q, d, ql, dl, PRODUCTS[0])
    assert all(np.array_equal(a, b) for a, b in zip(fused_counts, product_counts))


def test_fused_kernel_splits_long_databases(monkeypatch):
    """Database segments (few queries, or more items than the uint32 counters allow) add up exactly."""
    q, d, ql, dl = tied_case(3, 64, n_q=2, n_db=5000)
    ref = brute_force(q, d, ql, dl)
    monkeypatch.setattr(fused, "MAX_ITEMS", 700)
    got = counts(q, d, ql, dl, "numba")
    assert np.array_equal(got[0], ref[0]) and np.array_equal(got[1], ref[1])
    with pytest.raises(ValueError, match="at most 700 database items, got 701"):
        fused.block_histogram(*(np.zeros((n, 1), np.uint64) for n in (1, 701, 1, 701)), False, 64)


def test_evaluate_gives_identical_metrics_with_every_backend():
    q, d, ql, dl = tied_case(5, 12, n_q=20, n_db=3000)
    for ties in ("expected", "index"):
        ref = hc.evaluate(q, d, ql, dl, topk=(10, 100), ties=ties, backend=PRODUCTS[0])
        assert hc.evaluate(q, d, ql, dl, topk=(10, 100), ties=ties, backend="numba") == ref
        assert hc.evaluate(q, d, ql, dl, topk=(10, 100), ties=ties) == ref
    ap = hc.eval.average_precision(q, d, ql, dl, k=50, backend="numba")
    assert torch.equal(ap, hc.eval.average_precision(q, d, ql, dl, k=50, backend=PRODUCTS[0]))
    t, r = hc.eval.histograms(q, d, ql, dl, backend="numba")
    ref_t, ref_r = brute_force(q, d, ql, dl)
    assert np.array_equal(t.numpy(), ref_t) and np.array_equal(r.numpy(), ref_r)


def test_pack_words_gives_hamming_distances_by_popcount():
    rng = np.random.default_rng(0)
    for n_bits in (1, 8, 13, 64, 65, 200):
        bits = rng.integers(0, 2, (9, n_bits), dtype=np.uint8)
        words = fused.pack_words(torch.from_numpy(bits))
        assert words.shape == (9, fused.words_for(n_bits)) and words.dtype == np.uint64
        xor = words[:, None, :] ^ words[None, :, :]
        popcount = np.unpackbits(xor.view(np.uint8), axis=-1).reshape(9, 9, -1).sum(-1)
        assert np.array_equal(popcount, (bits[:, None, :] != bits[None, :, :]).sum(-1))
        fortran = fused.pack_words(torch.from_numpy(np.asfortranarray(bits)))  # non-contiguous rows
        assert np.array_equal(fortran, words)


def test_database_label_runs_are_stable():
    keys, order = label_order(prepare_labels([0], [2, 0, 2, 1, 0], 1, 5, CPU))
    assert keys.tolist() == [0, 0, 1, 2, 2] and order.tolist() == [1, 4, 3, 0, 2]
    multi = prepare_labels([[1, 0]], [[1, 1], [0, 1], [1, 1], [0, 1]], 1, 4, CPU)
    words, order = histogram._sorted_label_words(multi)
    assert order.tolist() == [1, 3, 0, 2] and words[:, 0].tolist() == [2, 2, 3, 3]


def test_backend_choice_and_errors(monkeypatch):
    assert resolve_backend(None, CPU, 64) == "numba"
    assert resolve_backend(None, CPU, 4096) == PRODUCTS[0]  # long codes: the product wins (measured)
    assert resolve_backend(None, torch.device("cuda"), 64) == "float32"
    assert resolve_backend("float32", CPU, 64) == "float32"
    with pytest.raises(ValueError, match="unknown backend 'gpu'; valid: numba, int8, float32"):
        hc.evaluate(*tied_case(0, 4, 2, 10), backend="gpu")
    with pytest.raises(ValueError, match="the numba backend runs on CPU only, not on cuda"):
        resolve_backend("numba", torch.device("cuda"), 64)
    monkeypatch.setattr(histogram, "numba_available", lambda: False)
    assert resolve_backend(None, CPU, 64) == PRODUCTS[0]
    with pytest.raises(ValueError, match=r"the numba backend needs the numba package \(pip install numba\)"):
        resolve_backend("numba", CPU, 64)


def test_benchmark_limit_kernel_counts_equal_the_engines(tmp_path):
    """benchmarks/limit_kernel.c (compiled as bench_eval.py does) counts what the engine counts."""
    sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
    import bench_eval

    lib, how = bench_eval.build_limit_kernel(str(tmp_path))
    if lib is None:
        pytest.skip(f"limit kernel not built: {how}")
    for n_bits in (7, 64, 130):
        q, d, ql, dl = tied_case(n_bits, n_bits, n_q=70, n_db=900)
        hist = bench_eval.limit_reference(lib, q.astype(np.uint8), d.astype(np.uint8), ql, dl)[1]
        assert bench_eval.limit_agrees(hist, q, d, ql, dl), n_bits

"""Numerics of the closed forms, kernel backends, property tests, and the memory bound."""
import math
import subprocess
import sys
import textwrap
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
import naive  # noqa: E402

import hashlib_core as hc  # noqa: E402
from hashlib_core.eval.codes import to_bits  # noqa: E402
from hashlib_core.eval.histogram import distance_histograms  # noqa: E402
from hashlib_core.eval.metrics import _hypergeometric, expected_ap, expected_ap_at_k, harmonic_diff  # noqa: E402
from hashlib_core.eval.relevance import prepare_labels  # noqa: E402


@pytest.mark.parametrize("x", [1, 2, 10, 63, 64, 65, 1000, 123457, 10**6, 10**9])
@pytest.mark.parametrize("m", [0, 1, 2, 7, 300])
def test_harmonic_diff_has_full_relative_precision(x, m):
    exact = sum((Fraction(1, x + k) for k in range(m)), Fraction(0))
    got = harmonic_diff(torch.tensor([float(x)], dtype=torch.float64), torch.tensor([float(m)], dtype=torch.float64))
    if m == 0:
        assert got.item() == 0.0
    else:
        assert abs(got.item() - float(exact)) <= 2e-15 * float(exact)


def test_hypergeometric_pmf_is_exact():
    for n, r, m in [(10, 4, 3), (50, 50, 7), (50, 0, 7), (5000, 1200, 300), (40, 30, 35)]:
        got = _hypergeometric(*(torch.tensor([float(v)], dtype=torch.float64) for v in (n, r, m)), min(r, m))[0]
        for j in range(min(r, m) + 1):
            exact = Fraction(math.comb(r, j) * math.comb(n - r, m - j), math.comb(n, m))
            assert got[j].item() == pytest.approx(float(exact), rel=1e-11, abs=1e-300)


def test_expected_ap_far_down_a_million_item_ranking():
    """Large counts before small groups: the regime where naive digamma differences lose digits."""
    total = [3, 1_000_000, 5, 300, 7, 1, 2_000_000, 40, 999]
    relevant = [1, 0, 2, 150, 7, 1, 0, 17, 0]
    t = torch.tensor([total], dtype=torch.int64)
    r = torch.tensor([relevant], dtype=torch.int64)
    exact = naive.exact_expected_ap_from_counts(total, relevant)
    assert expected_ap(t, r).item() == pytest.approx(float(exact), rel=1e-13)
    for k in (2, 1_000_004, 1_000_150, 1_000_308, 3_000_330, 10**8):
        for den in ("retrieved", "min"):
            exact = naive.exact_expected_ap_from_counts(total, relevant, k, den)
            assert expected_ap_at_k(t, r, k, den).item() == pytest.approx(float(exact), rel=1e-12), (k, den)


def test_ap_at_k_batches_of_very_different_widths():
    """Rows whose cut groups need few and many hypergeometric terms, under a tiny work budget."""
    rows = [([5, 300, 10], [2, 150, 3], 90), ([1, 4, 9], [1, 2, 5], 3), ([0, 400, 0], [0, 200, 0], 150),
            ([10, 10, 10], [0, 0, 0], 15), ([3, 3, 3], [3, 3, 3], 4)]
    t = torch.tensor([r[0] for r in rows])
    r = torch.tensor([r[1] for r in rows])
    for k in {row[2] for row in rows}:
        got = expected_ap_at_k(t, r, k, "retrieved", budget=64)
        for i, (tot, rel, _) in enumerate(rows):
            assert got[i].item() == pytest.approx(float(naive.exact_expected_ap_from_counts(tot, rel, k)), rel=1e-12)


@pytest.mark.parametrize("multi", [False, True])
@pytest.mark.parametrize("n_bits", [3, 64, 130])
def test_int8_and_float32_products_give_identical_histograms(multi, n_bits):
    rng = np.random.default_rng(n_bits)
    q, d = rng.integers(0, 2, (9, n_bits)), rng.integers(0, 2, (700, n_bits))
    if multi:
        ql, dl = rng.integers(0, 2, (9, 5)), rng.integers(0, 2, (700, 5))
        rel = (ql @ dl.T) > 0
    else:
        ql, dl = rng.integers(0, 40, 9), rng.integers(0, 40, 700)  # many classes: many small blocks
        rel = ql[:, None] == dl[None, :]
    labels = prepare_labels(ql, dl, 9, 700, torch.device("cpu"))
    dist = (q[:, None, :] != d[None, :, :]).sum(2)
    ref_t = np.stack([np.bincount(row, minlength=n_bits + 1) for row in dist])
    ref_r = np.stack([np.bincount(row[m], minlength=n_bits + 1) for row, m in zip(dist, rel)])
    for backend in ("int8", "float32"):
        if backend == "int8" and not hc.eval.kernel.int8_gemm_available("cpu"):
            continue
        t, r = distance_histograms(to_bits(q), to_bits(d), labels, chunk_size=4, backend=backend)
        assert np.array_equal(t.numpy(), ref_t) and np.array_equal(r.numpy(), ref_r), backend


def _np_stable_map(q, d, ql, dl):
    """A straightforward numpy reference: distances, stable argsort, AP per query."""
    dist = (q[:, None, :] != d[None, :, :]).sum(2)
    aps = []
    for i in range(len(q)):
        rel = (dl[np.argsort(dist[i], kind="stable")] == ql[i]).astype(float)
        hits = np.cumsum(rel)
        aps.append((hits / np.arange(1, len(rel) + 1) * rel).sum() / rel.sum() if rel.sum() else 0.0)
    return float(np.mean(aps))


tiny = st.integers(1, 3).flatmap(lambda n_bits: st.tuples(
    st.lists(st.lists(st.integers(0, 1), min_size=n_bits, max_size=n_bits), min_size=1, max_size=3),
    st.lists(st.lists(st.integers(0, 1), min_size=n_bits, max_size=n_bits), min_size=1, max_size=7),
    st.integers(0, 2**31 - 1)))


@settings(derandomize=True, max_examples=40, deadline=None)
@given(tiny, st.sampled_from([1, 2, 3, 5, 9]), st.sampled_from(["retrieved", "min"]))
def test_property_expected_metrics_equal_exhaustive_enumeration(data, k, denominator):
    q, d, seed = data
    rng = np.random.default_rng(seed)
    ql, dl = rng.integers(0, 2, len(q)).tolist(), rng.integers(0, 2, len(d)).tolist()
    kw = dict(topk=(k,), radius=(1,), precision_at=(k,), ap_at_k_denominator=denominator)
    got = hc.evaluate(np.array(q), np.array(d), ql, dl, **kw)
    ref = naive.naive_evaluate(q, d, ql, dl, **kw)
    for key in ("map@all", f"map@{k}", "p@r1"):
        assert got[key] == pytest.approx(ref[key], abs=1e-12)
    assert got["precision@n"]["precision"] == pytest.approx(ref["precision@n"]["precision"], abs=1e-12)
    assert got["recall@n"]["recall"] == pytest.approx(ref["recall@n"]["recall"], abs=1e-12)


@settings(derandomize=True, max_examples=15, deadline=None)
@given(st.integers(1, 20), st.integers(1, 400), st.integers(1, 6), st.integers(0, 2**31 - 1))
def test_property_index_order_equals_numpy_stable_argsort(n_bits, n_db, n_classes, seed):
    rng = np.random.default_rng(seed)
    q, d = rng.integers(0, 2, (4, n_bits)), rng.integers(0, 2, (n_db, n_bits))
    ql, dl = rng.integers(0, n_classes, 4), rng.integers(0, n_classes, n_db)
    got = hc.evaluate(q, d, ql, dl, ties="index", curves=False)["map@all"]
    assert got == pytest.approx(_np_stable_map(q, d, ql, dl), abs=1e-12)


@pytest.mark.slow
def test_peak_memory_is_bounded_for_a_million_codes():
    """1M × 64-bit database: extra peak memory of evaluate (both tie policies) stays far below 2 GB."""
    script = textwrap.dedent("""
        import numpy as np, torch, hashlib_core as hc
        def rss(field):
            for line in open("/proc/self/status"):
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
        rng = np.random.default_rng(0)
        d = rng.integers(0, 2, (1_000_000, 64), dtype=np.uint8)
        q = rng.integers(0, 2, (48, 64), dtype=np.uint8)
        dl, ql = rng.integers(0, 10, 1_000_000), rng.integers(0, 10, 48)
        hc.evaluate(q[:2], d[:1000], ql[:2], dl[:1000], ties="index")  # warm up the allocator and libraries
        base = rss("VmRSS")
        open("/proc/self/clear_refs", "w").write("5")  # reset the peak (VmHWM)
        hc.evaluate(q, d, ql, dl, topk=(1000, 5000))
        hc.evaluate(q, d, ql, dl, topk=(1000,), ties="index")
        print((rss("VmHWM") - base) / 2**30)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr
    extra_gib = float(out.stdout.strip().splitlines()[-1])
    assert extra_gib < 2.0, extra_gib

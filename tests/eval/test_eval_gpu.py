"""CUDA: the same code path must give the CPU's numbers, with results on the caller's device.

Marked ``gpu``; tests/conftest.py skips them with a reason when ``torch.cuda.is_available()`` is False.
"""
import numpy as np
import pytest
import torch

import hashlib_core as hc
from hashlib_core.eval import average_precision, hamming_distance, pack_codes, search

pytestmark = pytest.mark.gpu


def case(seed, n_q=40, n_db=3000, n_bits=48, multi=False):
    rng = np.random.default_rng(seed)
    q, d = rng.integers(0, 2, (n_q, n_bits)), rng.integers(0, 2, (n_db, n_bits))
    if multi:
        return q, d, rng.integers(0, 2, (n_q, 6)), rng.integers(0, 2, (n_db, 6))
    return q, d, rng.integers(0, 10, n_q), rng.integers(0, 10, n_db)


@pytest.mark.parametrize("multi", [False, True])
@pytest.mark.parametrize("ties", ["expected", "index"])
def test_cuda_matches_cpu(ties, multi):
    q, d, ql, dl = case(9, multi=multi)
    cpu = hc.evaluate(q, d, ql, dl, topk=(100, 1000), ties=ties)
    gpu = hc.evaluate(torch.tensor(q).cuda(), torch.tensor(d).cuda(), ql, dl, topk=(100, 1000), ties=ties)
    for key, value in cpu.items():
        if isinstance(value, float):
            assert gpu[key] == pytest.approx(value, abs=1e-12), key
    on_gpu = hc.evaluate(q, d, ql, dl, topk=(100,), ties=ties, device="cuda")
    assert on_gpu["map@all"] == pytest.approx(cpu["map@all"], abs=1e-12)


def test_cuda_results_stay_on_the_device():
    q, d, ql, dl = case(3, n_bits=128)
    qc, dc = torch.tensor(q).cuda(), pack_codes(torch.tensor(d).cuda())
    ap = average_precision(qc, dc, torch.tensor(ql).cuda(), torch.tensor(dl).cuda(), k=50)
    assert ap.device.type == "cuda"
    assert torch.allclose(ap.cpu(), average_precision(q, d, ql, dl, k=50), atol=1e-12)
    dist, idx = search(qc, dc, 7)
    assert idx.device.type == "cuda" and dist.device.type == "cuda"
    ref_d, ref_i = search(q, d, 7)
    assert torch.equal(idx.cpu(), ref_i) and torch.equal(dist.cpu(), ref_d)
    assert torch.equal(hamming_distance(qc, dc).cpu(), hamming_distance(q, d))

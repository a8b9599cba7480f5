"""Benchmark the evaluation engine against a numpy reference and a FAISS-based ranking.

On the same random inputs (fixed seed, 10 classes of single labels) it times

1. this engine: ``hashlib_core.evaluate`` with the defaults (``ties="expected"``, all metrics) and
   with ``ties="index"``;
2. a straightforward numpy reference, as in the released code of the papers: ±1 codes,
   ``0.5 * (n_bits - B_db @ b_q)``, a stable ``argsort``, AP from the sorted relevance, one query
   at a time (for case b on a subset of queries, extrapolated linearly — the output says so);
3. FAISS ``IndexBinaryFlat`` producing the full ranking (``search`` with k = database size, in
   query chunks to bound memory; ``use_heap=False``, FAISS's faster counting search for large k),
   followed by AP from that ranking in numpy.

Cases: (a) 1,000 queries × 59,000 database × 48 bits; (b) 1,000 × 1,000,000 × 64 bits.
mAP@all of the index-order methods must agree (FAISS's counting search returns equal-distance
items in database order, i.e. index order; the check is printed). Prints a Markdown table.

    python benchmarks/bench_eval.py            # both cases
    python benchmarks/bench_eval.py --quick    # small sizes, seconds
    python benchmarks/bench_eval.py --quick --kernels   # plus per-pair costs of distance kernels
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import torch

import hashlib_core as hc
from hashlib_core.results.environment import cpu_model


def make_case(n_q: int, n_db: int, n_bits: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 2, (n_q, n_bits), dtype=np.uint8), rng.integers(0, 2, (n_db, n_bits), dtype=np.uint8),
            rng.integers(0, 10, n_q), rng.integers(0, 10, n_db))


def ap_from_ranking(ranked_labels: np.ndarray, label) -> float:
    """AP of one query from the database labels in ranked order (all items ranked)."""
    rel = ranked_labels == label
    n_rel = int(rel.sum())
    if n_rel == 0:
        return 0.0
    hits = np.cumsum(rel)
    ranks = np.arange(1, rel.size + 1)
    return float((hits[rel] / ranks[rel]).sum() / n_rel)


def numpy_reference(q, d, ql, dl, n_queries: int) -> tuple[float, float]:
    """(mAP@all over the first ``n_queries``, seconds per query)."""
    n_bits = q.shape[1]
    qs = q.astype(np.float32) * 2 - 1
    ds = d.astype(np.float32) * 2 - 1
    aps = []
    start = time.perf_counter()
    for i in range(n_queries):
        ham = 0.5 * (n_bits - ds @ qs[i])
        order = np.argsort(ham, kind="stable")
        aps.append(ap_from_ranking(dl[order], ql[i]))
    return float(np.mean(aps)), (time.perf_counter() - start) / n_queries


def blas_threads(n: int | None):
    """Context limiting numpy's BLAS threads to ``n`` (None: leave as is)."""
    import contextlib

    if n is None:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(n, user_api="blas")


def best_blas_threads(q, d, ql, dl, n_queries: int) -> int | None:
    """The faster BLAS setting for the numpy reference (default or 1 thread): fair on a busy machine,
    where a multi-threaded matrix-vector product can wait for a descheduled thread."""
    times = {}
    for setting in (None, 1):
        with blas_threads(setting):
            times[setting] = numpy_reference(q, d, ql, dl, n_queries)[1]
    return min(times, key=times.get)


def faiss_reference(q, d, ql, dl, chunk: int) -> tuple[float, float, float] | None:
    """(mAP@all, search seconds, AP seconds) with FAISS producing the full ranking; None without faiss."""
    try:
        import faiss
    except ImportError:
        return None
    n_bits = q.shape[1]
    index = faiss.IndexBinaryFlat(n_bits)
    index.use_heap = False  # counting-based search: much faster than the heap for k = n_db
    index.add(np.packbits(d, axis=1))
    qp = np.packbits(q, axis=1)
    aps, t_search, t_ap = [], 0.0, 0.0
    for start in range(0, len(q), chunk):
        t0 = time.perf_counter()
        _, ranking = index.search(qp[start:start + chunk], d.shape[0])
        t1 = time.perf_counter()
        aps.extend(ap_from_ranking(dl[row], ql[start + i]) for i, row in enumerate(ranking))
        t_search += t1 - t0
        t_ap += time.perf_counter() - t1
    return float(np.mean(aps)), t_search, t_ap


def kernel_table() -> None:
    """Per-pair cost of candidate Hamming-distance kernels (one thread, 32 × 16384 tile, 64 bits)."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    rows, cols = 32, 16384
    rng = np.random.default_rng(0)
    bq = torch.from_numpy(rng.integers(0, 2, (rows, 64), dtype=np.uint8))
    bd = torch.from_numpy(rng.integers(0, 2, (cols, 64), dtype=np.uint8))
    pq, pd = torch.from_numpy(np.packbits(bq.numpy(), axis=1)), torch.from_numpy(np.packbits(bd.numpy(), axis=1))
    lut = torch.tensor([bin(i).count("1") for i in range(256)], dtype=torch.uint8)
    q64, d64 = pq.view(torch.int64).squeeze(1), pd.view(torch.int64).squeeze(1)

    def swar():
        x = q64[:, None] ^ d64[None, :]
        x = x - ((x >> 1) & 0x5555555555555555)
        x = (x & 0x3333333333333333) + ((x >> 2) & 0x3333333333333333)
        x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0F
        x = x + (x >> 8)
        x = x + (x >> 16)
        return (x + (x >> 32)) & 0x7F

    qf, df = bq.float() * 2 - 1, bd.float() * 2 - 1
    qi, di = 1 - 2 * bq.to(torch.int8), bd.view(torch.int8)
    pad = lambda m: torch.cat([m, torch.zeros(m.shape[0], 8, dtype=torch.int8)], 1)  # noqa: E731
    qi72, di72 = pad(qi), pad(di)
    out = torch.empty(rows, cols, dtype=torch.int32)
    keys = torch.from_numpy(rng.integers(0, 65, (rows, cols), dtype=np.int32)) + \
        torch.arange(rows, dtype=torch.int32).unsqueeze(1) * 65
    cases = {
        "uint8 XOR + 256-entry popcount LUT (8 bytes)": lambda: lut[(pq[:, None] ^ pd[None]).long()].sum(-1),
        "int64 XOR + SWAR popcount": swar,
        "float32 GEMM, ±1 identity (n - s·s)/2": lambda: qf @ df.T,
        "int8 torch._int_mm, K = 64 (the engine)": lambda: torch._int_mm(qi, di.T, out=out),
        "int8 torch._int_mm, K = 72": lambda: torch._int_mm(qi72, di72.T, out=out),
        "engine: in-place add of row offsets": lambda: out.add_(0),
        "engine: flat bincount of the keys": lambda: torch.bincount(keys.view(-1), minlength=rows * 65),
    }
    print("\n| kernel (1 thread, 64-bit codes) | ns per pair |\n|---|---|")
    for name, fn in cases.items():
        try:
            fn()
        except RuntimeError as exc:  # e.g. no _int_mm on this build
            print(f"| {name} | n/a ({str(exc).splitlines()[0][:60]}) |")
            continue
        best = min(timed(fn)[1] for _ in range(5))
        print(f"| {name} | {best / (rows * cols) * 1e9:.2f} |")
    torch.set_num_threads(old)


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def run_case(name: str, n_q: int, n_db: int, n_bits: int, args) -> list[dict]:
    print(f"\n## case {name}: {n_q} queries x {n_db} database x {n_bits} bits", flush=True)
    q, d, ql, dl = make_case(n_q, n_db, n_bits)
    device = args.device
    hc.evaluate(q[:2], d[:1000], ql[:2], dl[:1000], device=device)  # warm-up (library loading, probes)
    rows = []
    exp, t_exp = timed(lambda: hc.evaluate(q, d, ql, dl, device=device, progress=False))
    print(f"engine expected: {t_exp:.2f} s", flush=True)
    rows.append(dict(case=name, method="engine, ties=expected (default, all metrics)", map=exp["map@all"], t=t_exp))
    idx, t_idx = timed(lambda: hc.evaluate(q, d, ql, dl, ties="index", device=device, progress=False))
    print(f"engine index: {t_idx:.2f} s", flush=True)
    rows.append(dict(case=name, method="engine, ties=index (all metrics)", map=idx["map@all"], t=t_idx))
    n_np = n_q if n_db * n_q <= args.numpy_pairs else min(n_q, args.numpy_queries)
    blas = best_blas_threads(q, d, ql, dl, min(n_np, 10))
    with blas_threads(blas):
        np_map, per_query = numpy_reference(q, d, ql, dl, n_np)
    note = f" (BLAS threads: {blas or 'default'}"
    note += ")" if n_np == n_q else f"; {n_np} queries, time extrapolated x{n_q / n_np:g})"
    print(f"numpy: {per_query * n_q:.2f} s{note}", flush=True)
    rows.append(dict(case=name, method="numpy reference: matmul + stable argsort + AP" + note, map=np_map,
                     t=per_query * n_q, subset=n_np))
    if not args.skip_faiss:
        res = faiss_reference(q, d, ql, dl, args.faiss_chunk)
        if res is None:
            print("faiss not installed: skipped")
        else:
            f_map, t_search, t_ap = res
            print(f"faiss: {t_search + t_ap:.2f} s (search {t_search:.2f} s + AP {t_ap:.2f} s)", flush=True)
            rows.append(dict(case=name, method=f"FAISS IndexBinaryFlat full ranking ({t_search:.1f} s) + numpy AP "
                             f"({t_ap:.1f} s)", map=f_map, t=t_search + t_ap))
    # agreement of the index-order methods (numpy on its subset: compare with the engine on the same queries)
    if n_np < n_q:
        sub = hc.evaluate(q[:n_np], d, ql[:n_np], dl, ties="index", curves=False, device=device,
                          progress=False)["map@all"]
    else:
        sub = idx["map@all"]
    print(f"agreement: engine index vs numpy (same {n_np} queries): |diff| = {abs(sub - np_map):.1e}")
    if not args.skip_faiss and len(rows) == 4:
        print(f"agreement: engine index vs FAISS (all queries): |diff| = {abs(idx['map@all'] - rows[3]['map']):.1e}")
        rows[3]["agree"] = abs(idx["map@all"] - rows[3]["map"]) < 1e-9
    rows[2]["agree"] = abs(sub - np_map) < 1e-9
    if n_np < n_q:
        rows[2]["method"] += f"; engine ties=index on the same {n_np} queries: {sub:.6f}"
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    parser.add_argument("--device", default=None, help="engine device (cpu, cuda); default cpu")
    parser.add_argument("--cases", default="a,b", help="comma-separated: a, b")
    parser.add_argument("--numpy-queries", type=int, default=20, help="numpy subset size for large cases")
    parser.add_argument("--numpy-pairs", type=float, default=1e8,
                        help="run numpy on every query when n_q * n_db is at most this")
    parser.add_argument("--faiss-chunk", type=int, default=16, help="queries per FAISS search call")
    parser.add_argument("--skip-faiss", action="store_true")
    parser.add_argument("--kernels", action="store_true", help="also time candidate distance kernels")
    args = parser.parse_args(argv)
    sizes = {"a": (1000, 59_000, 48), "b": (1000, 1_000_000, 64)}
    if args.quick:
        sizes = {"a": (200, 5_900, 48), "b": (100, 100_000, 64)}
    try:
        import faiss
        faiss_info = f"faiss {faiss.__version__} ({faiss.omp_get_max_threads()} OpenMP threads)"
    except ImportError:
        faiss_info = "faiss not installed"
    print("# Evaluation engine benchmark")
    print(f"- CPU: {cpu_model()}, {os.cpu_count()} logical cores; load average at start: "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"- torch {torch.__version__} ({torch.get_num_threads()} threads), numpy {np.__version__}, {faiss_info}, "
          f"Python {sys.version.split()[0]}")
    print(f"- engine device: {args.device or 'cpu'}"
          + (f" ({torch.cuda.get_device_name()})" if args.device and args.device.startswith("cuda") else ""))
    if args.kernels:
        kernel_table()
    rows = []
    for name in args.cases.split(","):
        rows += run_case(name, *sizes[name], args)
    print("\n| case | method | mAP@all | time (s) | engine (expected) is faster by |")
    print("|---|---|---|---|---|")
    for name in args.cases.split(","):
        case_rows = [r for r in rows if r["case"] == name]
        t_engine = case_rows[0]["t"]
        n_q, n_db, n_bits = sizes[name]
        for r in case_rows:
            speedup = "—" if r is case_rows[0] else f"{r['t'] / t_engine:.1f}x"
            agree = {True: " ✓", False: " ✗"}.get(r.get("agree"), "")
            print(f"| {name}: {n_q}x{n_db}x{n_bits} | {r['method']} | {r['map']:.6f}{agree} | {r['t']:.2f} "
                  f"| {speedup} |")
    print("\n✓/✗: mAP@all equal (|diff| < 1e-9) to the engine's ties=index value on the same queries; "
          "ties=expected differs from index order by design (it averages over the orders of tied items).")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark the evaluation engine against the limit kernel, FAISS and a numpy reference.

On the same random inputs (fixed seed, 10 classes of single labels), in one run, it times

1. this engine: ``hashlib_core.evaluate`` with the defaults (``ties="expected"``, all metrics),
   with ``ties="index"``, and mAP@1000 alone (``topk=(1000,)``, no radius, no curves);
2. the **limit kernel** (``benchmarks/limit_kernel.c``): only XOR + popcount of packed 64-bit words
   and one per-class, per-distance histogram increment per pair, compiled at run time in a
   temporary directory (``cc -O3 -march=native -fopenmp``; skipped with a note without a C
   compiler); its counts must equal the engine's (checked);
3. a straightforward numpy reference, as in the released code of the papers: ±1 codes,
   ``0.5 * (n_bits - B_db @ b_q)``, a stable ``argsort``, AP from the sorted relevance, one query
   at a time (for case b on a subset of queries, extrapolated linearly — the output says so);
4. FAISS ``IndexBinaryFlat`` producing the full ranking (``search`` with k = database size, in
   query chunks to bound memory; ``use_heap=False``, FAISS's faster counting search for large k),
   followed by AP from that ranking in numpy; and FAISS ``search(k=1000)`` (the faster of its heap
   and counting modes) followed by AP@1000 in numpy, against the engine's mAP@1000 alone.

Every row also reports the peak extra memory of the call (resident set high-water mark above the
resident set at its start; on CUDA the peak of allocated device memory). With a CUDA device (or
``--extra-device``) a device section follows: the engine on that device for every case, and the
per-pair cost of the distance kernels on it.

Cases: (a) 1,000 queries × 59,000 database × 48 bits; (b) 1,000 × 1,000,000 × 64 bits.
mAP@all of the index-order methods must agree (FAISS's counting search returns equal-distance
items in database order, i.e. index order; the check is printed). Prints Markdown tables.

    python benchmarks/bench_eval.py            # both cases
    python benchmarks/bench_eval.py --quick    # small sizes, seconds
    python benchmarks/bench_eval.py --quick --kernels   # plus per-pair costs of distance kernels
"""
from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

import hashlib_core as hc
from hashlib_core.eval.histogram import numba_available, resolve_backend
from hashlib_core.machine import cpu_model

LIMIT_SOURCE = Path(__file__).with_name("limit_kernel.c")
TOPK = 1000
GIB = 2 ** 30


def make_case(n_q: int, n_db: int, n_bits: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 2, (n_q, n_bits), dtype=np.uint8), rng.integers(0, 2, (n_db, n_bits), dtype=np.uint8),
            rng.integers(0, 10, n_q), rng.integers(0, 10, n_db))


def packed_words(bits: np.ndarray) -> np.ndarray:
    """{0,1} uint8 ``(n, n_bits)`` → uint64 ``(n, ceil(n_bits / 64))`` (packbits order, zero-padded)."""
    packed = np.packbits(bits, axis=1)
    packed = np.pad(packed, ((0, 0), (0, (-packed.shape[1]) % 8)))
    return np.ascontiguousarray(packed).view(np.uint64)


# -- timing and peak memory --------------------------------------------------------------------

def _status(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    raise OSError(f"{field} not in /proc/self/status")


def _reset_peak() -> int | None:
    """Reset the resident-set high-water mark (Linux); the resident set now, or None where unsupported.

    Free heap memory is first handed back (glibc ``malloc_trim``), so that the base counts live memory only.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return _status("VmRSS")
    except OSError:
        return None


def measure(fn, device: str = "cpu") -> tuple[object, float, int | None]:
    """``(fn(), seconds, peak extra bytes or None)``; on CUDA synchronised, with device memory."""
    cuda = device.startswith("cuda")
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    else:
        base = _reset_peak()
    start = time.perf_counter()
    out = fn()
    if cuda:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    if cuda:
        return out, seconds, torch.cuda.max_memory_allocated() - base
    return out, seconds, None if base is None else max(0, _status("VmHWM") - base)


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


# -- references ----------------------------------------------------------------------------------

def ap_from_ranking(ranked_labels: np.ndarray, label) -> float:
    """AP of one query from the database labels in ranked order (all items ranked)."""
    rel = ranked_labels == label
    n_rel = int(rel.sum())
    if n_rel == 0:
        return 0.0
    hits = np.cumsum(rel)
    ranks = np.arange(1, rel.size + 1)
    return float((hits[rel] / ranks[rel]).sum() / n_rel)


def ap_at_k_retrieved(ranked_labels: np.ndarray, query_labels: np.ndarray) -> np.ndarray:
    """AP@k of every query from its top-k labels ``(n_q, k)``, divided by the relevant items retrieved."""
    rel = ranked_labels == query_labels[:, None]
    hits = np.cumsum(rel, 1)
    sums = (rel * hits / np.arange(1, rel.shape[1] + 1)).sum(1)
    return np.where(hits[:, -1] > 0, sums / np.maximum(hits[:, -1], 1), 0.0)


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


def faiss_index(d: np.ndarray):
    """``IndexBinaryFlat`` over the database codes, or None without faiss."""
    try:
        import faiss
    except ImportError:
        return None
    index = faiss.IndexBinaryFlat(d.shape[1])
    index.add(np.packbits(d, axis=1))
    return index


def faiss_reference(index, q, ql, dl, chunk: int) -> tuple[float, float, float]:
    """(mAP@all, search seconds, AP seconds) with FAISS producing the full ranking."""
    index.use_heap = False  # counting-based search: much faster than the heap for k = n_db
    qp = np.packbits(q, axis=1)
    aps, t_search, t_ap = [], 0.0, 0.0
    for start in range(0, len(q), chunk):
        t0 = time.perf_counter()
        _, ranking = index.search(qp[start:start + chunk], index.ntotal)
        t1 = time.perf_counter()
        aps.extend(ap_from_ranking(dl[row], ql[start + i]) for i, row in enumerate(ranking))
        t_search += t1 - t0
        t_ap += time.perf_counter() - t1
    return float(np.mean(aps)), t_search, t_ap


def faiss_topk(index, q, ql, dl, k: int) -> tuple[float, float, float, str]:
    """(mAP@k, search seconds, AP seconds, mode): ``search(k)`` in the faster of FAISS's two modes, AP@k in numpy."""
    qp, k = np.packbits(q, axis=1), min(k, index.ntotal)
    runs = {}
    for use_heap in (True, False):
        index.use_heap = use_heap
        runs["heap" if use_heap else "counting"] = timed(lambda: index.search(qp, k)[1])
    mode = min(runs, key=lambda m: runs[m][1])
    ranking, t_search = runs[mode]
    aps, t_ap = timed(lambda: ap_at_k_retrieved(dl[ranking], ql))
    return float(aps.mean()), t_search, t_ap, mode


# -- the limit kernel ------------------------------------------------------------------------------

def build_limit_kernel(workdir: str) -> tuple[ctypes.CDLL | None, str]:
    """Compile ``limit_kernel.c`` in ``workdir``: ``(library, how it was built)`` or ``(None, why not)``."""
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        return None, "no C compiler (cc or gcc) on PATH"
    out = os.path.join(workdir, "limit_kernel.so")
    cmd = [cc, "-O3", "-march=native", "-fopenmp", "-shared", "-fPIC", str(LIMIT_SOURCE), "-o", out]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        return None, f"`{' '.join(cmd[:5])}` failed: {(proc.stderr.strip().splitlines() or ['?'])[-1]}"
    lib = ctypes.CDLL(out)
    lib.limit_histograms.argtypes = [ctypes.c_void_p] * 3 + [ctypes.c_int64] * 5 + [ctypes.c_void_p]
    lib.limit_histograms.restype = ctypes.c_int
    lib.limit_threads.restype = ctypes.c_int
    return lib, f"{Path(cc).name} -O3 -march=native -fopenmp, {lib.limit_threads()} OpenMP threads"


def limit_reference(lib: ctypes.CDLL, q, d, ql, dl) -> tuple[float, np.ndarray]:
    """(seconds of the kernel call alone, counts int64 ``(n_q, n_classes, n_bits + 1)``)."""
    qw, dw, cls = packed_words(q), packed_words(d), dl.astype(np.int32)
    n_classes = int(max(ql.max(), dl.max())) + 1
    hist = np.empty((len(q), n_classes, q.shape[1] + 1), np.int64)

    def call(n_q: int, n_db: int) -> None:
        args = (qw.ctypes.data, dw.ctypes.data, cls.ctypes.data, n_q, n_db, qw.shape[1], q.shape[1], n_classes,
                hist.ctypes.data)
        if lib.limit_histograms(*args) != 0:
            raise MemoryError("the limit kernel ran out of memory")

    call(min(len(q), 64), min(len(d), 1000))  # warm-up: threads, page faults
    return timed(lambda: call(len(q), len(d)))[1], hist


def limit_agrees(hist: np.ndarray, q, d, ql, dl) -> bool:
    """Whether the limit kernel's counts equal the engine's ``(total, relevant)``."""
    total, relevant = hc.eval.histograms(q, d, ql, dl)
    own = hist[np.arange(len(q)), ql]
    return bool(np.array_equal(hist.sum(1), total.numpy()) and np.array_equal(own, relevant.numpy()))


# -- per-pair costs of distance kernels ----------------------------------------------------------

def _swar(q64: torch.Tensor, d64: torch.Tensor) -> torch.Tensor:
    """Hamming distances from int64 words ``(n, w)``: XOR + SWAR popcount, eager PyTorch."""
    x = q64[:, None, :] ^ d64[None, :, :]
    x = x - ((x >> 1) & 0x5555555555555555)
    x = (x & 0x3333333333333333) + ((x >> 2) & 0x3333333333333333)
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0F
    return ((x * 0x0101010101010101) >> 56).sum(-1)


def _kernel_cases(n_bits: int, rows: int, cols: int, device: str) -> dict:
    """name → zero-argument callable for one (rows × cols) tile of ``n_bits``-bit codes on ``device``."""
    from hashlib_core.eval import fused

    rng = np.random.default_rng(n_bits)
    bq, bd = rng.integers(0, 2, (rows, n_bits), dtype=np.uint8), rng.integers(0, 2, (cols, n_bits), dtype=np.uint8)
    tq, td = torch.from_numpy(bq).to(device), torch.from_numpy(bd).to(device)
    pq, pd = torch.from_numpy(np.packbits(bq, axis=1)).to(device), torch.from_numpy(np.packbits(bd, axis=1)).to(device)
    q64, d64 = (torch.from_numpy(packed_words(b).view(np.int64)).to(device) for b in (bq, bd))
    lut = torch.tensor([bin(i).count("1") for i in range(256)], dtype=torch.uint8, device=device)
    pad = (-n_bits) % 8
    qi = torch.nn.functional.pad(1 - 2 * tq.to(torch.int8), (0, pad))
    di = torch.nn.functional.pad(td.to(torch.int8), (0, pad))
    qf, df = tq.float() * 2 - 1, td.float() * 2 - 1
    out = torch.empty(rows, cols, dtype=torch.int32, device=device)
    offsets = (torch.arange(rows, device=device) * (n_bits + 1) + tq.sum(1)).to(torch.int32).unsqueeze(1)
    cases = {
        "int8 torch._int_mm (the PyTorch path on CPU)": lambda: torch._int_mm(qi, di.T, out=out),
        "int8 torch._int_mm + row offsets + bincount (PyTorch path, histograms)":
            lambda: torch.bincount(torch._int_mm(qi, di.T, out=out).add_(offsets).view(-1)),
        "float32 GEMM, ±1 identity (the PyTorch path on CUDA)": lambda: qf @ df.T,
        "int64 XOR + SWAR popcount (eager PyTorch)": lambda: _swar(q64, d64),
        "uint8 XOR + 256-entry popcount LUT (eager PyTorch)": lambda: lut[(pq[:, None] ^ pd[None]).long()].sum(-1),
    }
    if device == "cpu" and numba_available():
        qw, dw = packed_words(bq), packed_words(bd)
        ql, dl = np.zeros((rows, 1), np.uint64), np.zeros((cols, 1), np.uint64)
        cases = {"fused numba: XOR + popcount + histogram increment (the engine's default)":
                 lambda: fused.block_histogram(qw, dw, ql, dl, False, n_bits), **cases}
    return cases


def _per_pair_ns(fn, pairs: int, device: str) -> float:
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    fn()
    sync()
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        fn()
        sync()
        best = min(best, time.perf_counter() - start)
    return best / pairs * 1e9


def kernel_table(device: str = "cpu", bit_lengths=(16, 32, 64, 128, 256)) -> None:
    """ns per (query, item) pair of candidate kernels, one thread on CPU, 64 × 4096 tiles, per code length."""
    rows, cols = 64, 4096
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    table: dict[str, list[str]] = {}
    try:
        for n_bits in bit_lengths:
            for name, fn in _kernel_cases(n_bits, rows, cols, device).items():
                try:
                    value = f"{_per_pair_ns(fn, rows * cols, device):.2f}"
                except RuntimeError as exc:  # e.g. no _int_mm for this shape or build
                    value = f"n/a ({str(exc).splitlines()[0][:40]})"
                table.setdefault(name, []).append(value)
    finally:
        torch.set_num_threads(old)
    threads = "1 thread" if device == "cpu" else device
    print(f"\n| kernel ({threads}; ns per pair) | " + " | ".join(f"{b} bits" for b in bit_lengths) + " |")
    print("|---|" + "---|" * len(bit_lengths))
    for name, values in table.items():
        print(f"| {name} | " + " | ".join(values) + " |")


# -- the cases ---------------------------------------------------------------------------------

def row(case, method, value, seconds, memory, agree=None) -> dict:
    return dict(case=case, method=method, map=value, t=seconds, mem=memory, agree=agree)


def engine_rows(name: str, q, d, ql, dl, device: str | None) -> list[dict]:
    """The engine's three settings: all metrics tie-aware, all metrics index order, mAP@1000 alone."""
    dev = device or "cpu"
    settings = [("engine, ties=expected (default, all metrics)", {}),
                ("engine, ties=index (all metrics)", {"ties": "index"}),
                (f"engine, mAP@{TOPK} alone (ties=expected)", {"topk": (TOPK,), "radius": (), "curves": False})]
    rows = []
    for method, kw in settings:
        out, seconds, memory = measure(lambda: hc.evaluate(q, d, ql, dl, device=device, progress=False, **kw), dev)
        key = f"map@{TOPK}" if "topk" in kw else "map@all"
        print(f"{method}: {seconds:.2f} s", flush=True)
        rows.append(row(name, method, out[key], seconds, memory))
    return rows


def limit_rows(name: str, lib, how: str, q, d, ql, dl) -> list[dict]:
    if lib is None:
        print(f"limit kernel skipped: {how}")
        return []
    (seconds, hist), _, memory = measure(lambda: limit_reference(lib, q, d, ql, dl))
    agree = limit_agrees(hist, q, d, ql, dl)
    print(f"limit kernel: {seconds:.2f} s ({how}); counts equal the engine's: {agree}", flush=True)
    return [row(name, f"limit kernel: XOR + popcount + histogram increment only ({how})", float("nan"), seconds,
                memory, agree)]


def numpy_rows(name: str, q, d, ql, dl, args) -> tuple[list[dict], float, int]:
    """The numpy reference row, its mAP@all and the number of queries it ran on."""
    n_q, n_db = len(q), len(d)
    n_np = n_q if n_db * n_q <= args.numpy_pairs else min(n_q, args.numpy_queries)
    blas = best_blas_threads(q, d, ql, dl, min(n_np, 10))
    with blas_threads(blas):
        (np_map, per_query), _, memory = measure(lambda: numpy_reference(q, d, ql, dl, n_np))
    note = f" (BLAS threads: {blas or 'default'}"
    note += ")" if n_np == n_q else f"; {n_np} queries, time extrapolated x{n_q / n_np:g})"
    print(f"numpy: {per_query * n_q:.2f} s{note}", flush=True)
    return [row(name, "numpy reference: matmul + stable argsort + AP" + note, np_map, per_query * n_q, memory)], \
        np_map, n_np


def faiss_rows(name: str, q, d, ql, dl, args) -> list[dict]:
    index = faiss_index(d)
    if index is None:
        print("faiss not installed: skipped")
        return []
    (f_map, t_search, t_ap), _, memory = measure(lambda: faiss_reference(index, q, ql, dl, args.faiss_chunk))
    print(f"faiss: {t_search + t_ap:.2f} s (search {t_search:.2f} s + AP {t_ap:.2f} s)", flush=True)
    rows = [row(name, f"FAISS IndexBinaryFlat full ranking ({t_search:.1f} s) + numpy AP ({t_ap:.1f} s)", f_map,
                t_search + t_ap, memory)]
    (k_map, k_search, k_ap, mode), _, memory = measure(lambda: faiss_topk(index, q, ql, dl, TOPK))
    print(f"faiss k={TOPK}: {k_search + k_ap:.2f} s ({mode} search {k_search:.2f} s + AP@{TOPK} {k_ap:.2f} s)")
    rows.append(row(name, f"FAISS search(k={TOPK}) ({mode}, {k_search:.2f} s) + numpy AP@{TOPK} ({k_ap:.2f} s)",
                    k_map, k_search + k_ap, memory))
    return rows


def run_case(name: str, n_q: int, n_db: int, n_bits: int, args, limit: tuple) -> list[dict]:
    print(f"\n## case {name}: {n_q} queries x {n_db} database x {n_bits} bits", flush=True)
    q, d, ql, dl = make_case(n_q, n_db, n_bits)
    hc.evaluate(q[:2], d[:1000], ql[:2], dl[:1000], device=args.device)  # warm-up (library loading, probes)
    rows = engine_rows(name, q, d, ql, dl, args.device)
    rows += limit_rows(name, *limit, q, d, ql, dl)
    np_rows, np_map, n_np = numpy_rows(name, q, d, ql, dl, args)
    rows += np_rows
    if not args.skip_faiss:
        rows += faiss_rows(name, q, d, ql, dl, args)
    # agreement of the index-order methods (numpy on its subset: compare with the engine on the same queries)
    idx = rows[1]["map"]
    sub = idx if n_np == n_q else hc.evaluate(q[:n_np], d, ql[:n_np], dl, ties="index", curves=False,
                                              device=args.device, progress=False)["map@all"]
    print(f"agreement: engine index vs numpy (same {n_np} queries): |diff| = {abs(sub - np_map):.1e}")
    np_rows[0]["agree"] = abs(sub - np_map) < 1e-9
    if n_np < n_q:
        np_rows[0]["method"] += f"; engine ties=index on the same {n_np} queries: {sub:.6f}"
    full = [r for r in rows if r["method"].startswith("FAISS IndexBinaryFlat full")]
    if full:
        print(f"agreement: engine index vs FAISS (all queries): |diff| = {abs(idx - full[0]['map']):.1e}")
        full[0]["agree"] = abs(idx - full[0]["map"]) < 1e-9
    return rows


# -- reporting ------------------------------------------------------------------------------------

def _gib(memory: int | None) -> str:
    return "n/a" if memory is None else f"{memory / GIB:.3f}"


def print_table(rows: list[dict], sizes: dict) -> None:
    print("\n| case | method | mAP | time (s) | peak extra memory (GiB) "
          "| engine (expected, all metrics) is faster by |")
    print("|---|---|---|---|---|---|")
    for name in dict.fromkeys(r["case"] for r in rows):
        case_rows = [r for r in rows if r["case"] == name]
        t_engine = case_rows[0]["t"]
        label = "x".join(str(v) for v in sizes[name])
        for r in case_rows:
            speedup = "—" if r is case_rows[0] else f"{r['t'] / t_engine:.1f}x"
            agree = {True: " ✓", False: " ✗"}.get(r.get("agree"), "")
            value = "—" if r["map"] != r["map"] else f"{r['map']:.6f}"
            print(f"| {name}: {label} | {r['method']} | {value}{agree} | {r['t']:.2f} | {_gib(r['mem'])} | {speedup} |")
    print("\n✓/✗: mAP@all equal (|diff| < 1e-9) to the engine's ties=index value on the same queries (for the "
          "limit kernel: its counts equal the engine's); ties=expected differs from index order by design (it "
          "averages over the orders of tied items), and so does FAISS's top-k tie order.")


def print_targets(rows: list[dict]) -> None:
    """The issue's targets, per case, from this run's rows."""
    def find(case, prefix):
        return next((r for r in rows if r["case"] == case and r["method"].startswith(prefix)), None)

    for name in dict.fromkeys(r["case"] for r in rows):
        engine, alone = find(name, "engine, ties=expected"), find(name, "engine, mAP@")
        limit, full, topk = find(name, "limit kernel"), find(name, "FAISS IndexBinaryFlat"), find(name, "FAISS search")
        print(f"\ntargets, case {name}:")
        if limit:
            print(f"- engine all metrics / limit kernel: {engine['t'] / limit['t']:.2f}x (target <= 1.5x)")
        if full:
            print(f"- FAISS full ranking + AP / engine all metrics: {full['t'] / engine['t']:.1f}x (target >= 40x)")
        if topk:
            ratio = topk["t"] / alone["t"]
            print(f"- FAISS k={TOPK} + AP@{TOPK} / engine mAP@{TOPK} alone: {ratio:.2f}x (target >= 1x)")
        peak = max((r["mem"] or 0) for r in (engine, alone) if r)
        print(f"- engine peak extra memory: {peak / GIB:.3f} GiB (target < 1 GiB)")


def device_section(device: str, sizes: dict, cases: list[str], args) -> None:
    """The engine on ``device`` for every case (time, peak memory), then the kernels' per-pair costs there."""
    print(f"\n## device section: {device}" + (f" ({torch.cuda.get_device_name(device)})"
                                              if device.startswith("cuda") else ""))
    print("\n| case | engine setting | mAP | time (s) | peak extra memory (GiB) |\n|---|---|---|---|---|")
    for name in cases:
        q, d, ql, dl = make_case(*sizes[name])
        hc.evaluate(q[:2], d[:1000], ql[:2], dl[:1000], device=device)  # warm-up
        for r in engine_rows(name, q, d, ql, dl, device):
            print(f"| {name} | {r['method']} | {r['map']:.6f} | {r['t']:.3f} | {_gib(r['mem'])} |")
    if args.kernels:
        kernel_table(device)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    parser.add_argument("--device", default=None, help="engine device (cpu, cuda); default cpu")
    parser.add_argument("--extra-device", default=None,
                        help="device of the device section (default: cuda when present and --device is not)")
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
    cases = args.cases.split(",")
    try:
        import faiss
        faiss_info = f"faiss {faiss.__version__} ({faiss.omp_get_max_threads()} OpenMP threads)"
    except ImportError:
        faiss_info = "faiss not installed"
    backend = {name: resolve_backend(None, torch.device(args.device or "cpu"), sizes[name][2]) for name in cases}
    numba_info = f"numba {__import__('numba').__version__}" if numba_available() else "numba not installed"
    print("# Evaluation engine benchmark")
    print(f"- CPU: {cpu_model()}, {os.cpu_count()} logical cores; load average at start: "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"- torch {torch.__version__} ({torch.get_num_threads()} threads), numpy {np.__version__}, {numba_info}, "
          f"{faiss_info}, Python {sys.version.split()[0]}")
    print(f"- engine device: {args.device or 'cpu'}, histogram backend per case: {backend}"
          + (f" ({torch.cuda.get_device_name()})" if args.device and args.device.startswith("cuda") else ""))
    if args.kernels:
        kernel_table()
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        limit = build_limit_kernel(workdir)
        print(f"- limit kernel: {limit[1]}" if limit[0] else f"- limit kernel skipped: {limit[1]}")
        for name in cases:
            rows += run_case(name, *sizes[name], args, limit)
    print_table(rows, sizes)
    print_targets(rows)
    extra = args.extra_device or ("cuda" if torch.cuda.is_available() and not (args.device or "").startswith("cuda")
                                  else None)
    if extra:
        device_section(extra, sizes, cases, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

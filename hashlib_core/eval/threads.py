"""The engine's thread scheduler: work items of (query chunk × database segment) run on a pool of
Python threads, each with one intra-op torch thread (torch and the numba kernel release the GIL).

- :func:`engine_threads` — the context every public entry point of :mod:`hashlib_core.eval` runs
  in: the calling thread drops to one intra-op thread and the pool gets as many workers as torch
  had intra-op threads;
- :func:`parallel_map` — runs the work items (in order on CUDA) and yields their results in order;
- :func:`worker_count`, :func:`query_chunks`, :func:`progress_default` — how work is cut up.
"""
from __future__ import annotations

import contextlib
import contextvars
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterator

import torch

__all__ = ["engine_threads", "parallel_map", "worker_count", "query_chunks", "progress_default"]

_WORKERS: contextvars.ContextVar[int | None] = contextvars.ContextVar("hashlib_eval_workers", default=None)


def progress_default(n_query: int, n_db: int) -> bool:
    """Show a progress bar only when the work is large (more than 2·10^8 pairs)."""
    return n_query * n_db > 2e8


def query_chunks(n_query: int, rows: int) -> list[tuple[int, int]]:
    """``[(start, stop), ...]``: ``range(n_query)`` cut into chunks of ``rows`` queries (the last may be shorter)."""
    return [(s, min(s + rows, n_query)) for s in range(0, n_query, rows)]


def worker_count(device: torch.device) -> int:
    """Threads :func:`parallel_map` uses on ``device``: the engine's pool size on CPU, 1 on CUDA."""
    return (_WORKERS.get() or torch.get_num_threads()) if device.type == "cpu" else 1


@contextlib.contextmanager
def engine_threads(device: torch.device) -> Iterator[int]:
    """Run the engine's CPU work on its own thread pool only.

    Inside, the calling thread uses one intra-op thread (``torch.set_num_threads`` is per thread
    with OpenMP, and is restored on exit) and :func:`parallel_map` uses as many worker threads as
    torch had intra-op threads. This matters on busy machines: a 2-thread OpenMP region on an
    oversubscribed CPU waits for its slowest thread's time slice (measured: small element-wise
    ops 10-20x slower), while independent workers just proceed. Yields the worker count.
    """
    outer = _WORKERS.get()
    if outer is not None or device.type != "cpu":
        yield outer or 1
        return
    workers = torch.get_num_threads()
    token = _WORKERS.set(workers)
    if workers > 1:
        torch.set_num_threads(1)
    try:
        yield workers
    finally:
        if workers > 1:
            torch.set_num_threads(workers)
        _WORKERS.reset(token)


def parallel_map(fn: Callable, items: list, device: torch.device, progress: bool = False,
                 desc: str = "hamming ranking") -> Iterator[tuple[object, object]]:
    """Yield ``(item, fn(item))`` in order; CPU items run on a thread pool (one intra-op thread each)."""
    from tqdm.auto import tqdm

    n_workers = min(worker_count(device), len(items))
    bar = tqdm(total=len(items), desc=desc, unit="chunk", disable=not progress, leave=False)
    try:
        if n_workers <= 1:
            for item in items:
                yield item, fn(item)
                bar.update()
            return
        with ThreadPoolExecutor(n_workers, initializer=torch.set_num_threads, initargs=(1,)) as pool:
            futures = [pool.submit(fn, item) for item in items]
            try:
                for item, future in zip(items, futures):
                    yield item, future.result()
                    bar.update()
            finally:
                for future in futures:
                    future.cancel()
    finally:
        bar.close()

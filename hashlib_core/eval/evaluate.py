"""The entry point :func:`evaluate`: every metric the book reports, under one stated definition.

Definitions (the defaults are what every record and figure of the book uses):

- **Ranking**: database items by increasing Hamming distance to the query. Distances are
  integers 0..n_bits, so many items tie; ``ties`` says what happens inside a tie:

  * ``"expected"`` (**default**): the exact expectation of each metric when the items at equal
    distance come in uniformly random order, computed in closed form from per-distance counts
    (McSherry & Najork 2008; no sampling). It depends only on the multiset of (distance,
    relevance) pairs, never on how the database happens to be ordered, so any correct
    implementation reproduces it bit-for-bit up to float rounding. That is why the book uses it.
  * ``"index"``: ties broken by database index (smaller first), i.e. a *stable* argsort of the
    distances. Public code that calls ``np.argsort`` on distances gets roughly this (its default
    quicksort is not stable, so it is not even reproducible across numpy versions); FAISS breaks
    ties in its own, heap- or scan-dependent, order.

- **Relevance**: same label (single-label ``(n,)``), or at least one shared label (multi-label
  0/1 ``(n, n_classes)``).
- **AP** of one query: ``(1/R) Σ_{relevant i} precision@rank(i)`` over the whole ranking (all
  ``n_db`` items, none dropped); ``R`` = number of relevant database items. **mAP@all** = mean AP.
- **AP@K** (``ap_at_k_denominator``): ``Σ_{relevant i, rank(i) ≤ K} precision@rank(i) / D`` with
  ``D`` = ``"retrieved"`` (**default**): the number of relevant items in the top K (what the
  released code of DPSH, HashNet, DSH … computes; AP@K = 0 when none is retrieved), or ``"min"``:
  ``min(K, R)``. K larger than the database means the whole ranking.
- **Queries without any relevant item** (``no_relevant``): ``"zero"`` (**default**; their AP,
  AP@K, precision and recall are 0 and they stay in every mean) or ``"skip"`` (left out of every
  mean, including P@r and the curves; if all are skipped the means are 0.0).
  ``n_queries_without_relevant`` is always reported.
- **P@r** (precision within Hamming radius r, default r = 2): relevant / all items at distance
  ≤ r; a query with nothing inside the radius counts as precision 0 (the papers' convention).
- **Curves**: ``pr_curve`` precision and recall of the items at distance ≤ r for r = 0..n_bits;
  ``precision@n`` / ``recall@n``: relevant items in the top N over N / over R, for each N of
  ``precision_at`` (clipped to the database size; ties at the cut-off follow ``ties``).
  Every curve point is a mean over queries.
"""
from __future__ import annotations

import numbers

import torch

from hashlib_core.eval.codes import resolve_device
from hashlib_core.eval.distance import prepare_codes
from hashlib_core.eval.histogram import distance_histograms, resolve_backend
from hashlib_core.eval.metrics import (expected_ap, expected_ap_at_k, expected_hits, pr_curve_by_radius,
                                       precision_within_radius)
from hashlib_core.eval.ranking import index_order_stats
from hashlib_core.eval.relevance import Labels, prepare_labels
from hashlib_core.eval.threads import engine_threads, progress_default

__all__ = ["evaluate", "average_precision", "histograms", "TIES", "DENOMINATORS", "NO_RELEVANT",
           "DEFAULT_PRECISION_AT"]

TIES = ("expected", "index")
DENOMINATORS = ("retrieved", "min")
NO_RELEVANT = ("zero", "skip")
DEFAULT_PRECISION_AT = (1, 5, 10, 20, 50, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000)


def _choice(value, valid: tuple[str, ...], name: str) -> str:
    if not isinstance(value, str) or value not in valid:
        raise ValueError(f"unknown {name} {value!r}; valid: {', '.join(valid)}")
    return value


def _ints(values, name: str, minimum: int) -> list[int]:
    if isinstance(values, numbers.Integral):
        values = (values,)
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < minimum:
            what = "K >= 1" if name == "topk" else f">= {minimum}"
            raise ValueError(f"{name} must contain integers {what}, got {v!r}")
        out.append(int(v))
    return out


def _chunk(chunk_size) -> int | None:
    if chunk_size is None:
        return None
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, numbers.Integral) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer or None, got {chunk_size!r}")
    return int(chunk_size)


def _backend(backend, query_bits: torch.Tensor) -> str:
    """Validate the histogram backend (``None``: the fastest here, see :func:`resolve_backend`)."""
    return resolve_backend(backend, query_bits.device, query_bits.shape[1])


def _product(backend: str) -> str | None:
    """The product backend for the index-order pass, which has no fused kernel."""
    return None if backend == "numba" else backend


def _prepare(query_codes, db_codes, query_labels, db_labels, device) -> tuple[torch.Tensor, torch.Tensor, Labels]:
    query_bits, db_bits = prepare_codes(query_codes, db_codes, device)
    if query_bits.shape[0] == 0:
        raise ValueError("there are no query codes: at least one query is needed")
    labels = prepare_labels(query_labels, db_labels, query_bits.shape[0], db_bits.shape[0], query_bits.device)
    return query_bits, db_bits, labels


def histograms(query_codes, db_codes, query_labels, db_labels, *, device=None,
               chunk_size: int | None = None, backend: str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-query counts of database items and of relevant ones at each Hamming distance.

    Args: as :func:`evaluate` (codes ``(n_q, n_bits)``, ``(n_db, n_bits)``; labels ``(n,)`` or ``(n, n_classes)``).

    Returns:
        ``(total, relevant)``, int64 ``(n_q, n_bits + 1)`` each, on the computing device.
    """
    with engine_threads(resolve_device(device, query_codes, db_codes)):
        prepared = _prepare(query_codes, db_codes, query_labels, db_labels, device)
        return distance_histograms(*prepared, _chunk(chunk_size), backend=_backend(backend, prepared[0]))


def _ap_from_index(stats: dict, n_rel: torch.Tensor, cut_index: int, k: int | None, denominator: str):
    sums = stats["sums"][:, cut_index]
    if k is None:
        denom = n_rel.double()
    elif denominator == "min":
        denom = n_rel.double().clamp(max=float(k))
    else:
        denom = stats["retrieved"][:, cut_index].double()
    return torch.where(denom > 0, sums / denom.clamp(min=1), torch.zeros_like(sums))


def average_precision(query_codes, db_codes, query_labels, db_labels, *, k: int | None = None,
                      ties: str = "expected", ap_at_k_denominator: str = "retrieved", device=None,
                      chunk_size: int | None = None, backend: str | None = None) -> torch.Tensor:
    """Per-query AP (``k=None``) or AP@k, float64 ``(n_q,)`` on the computing device.

    Definitions (and ``backend``) as in :func:`evaluate`; a query without relevant items gets 0.
    """
    _choice(ties, TIES, "ties")
    _choice(ap_at_k_denominator, DENOMINATORS, "ap_at_k_denominator")
    if k is not None:
        k = _ints((k,), "k", 1)[0]
    with engine_threads(resolve_device(device, query_codes, db_codes)):
        return _average_precision(query_codes, db_codes, query_labels, db_labels, k, ties, ap_at_k_denominator,
                                  device, chunk_size, backend)


def _average_precision(query_codes, db_codes, query_labels, db_labels, k, ties, ap_at_k_denominator, device,
                       chunk_size, backend) -> torch.Tensor:
    prepared = _prepare(query_codes, db_codes, query_labels, db_labels, device)
    chunk = _chunk(chunk_size)
    backend = _backend(backend, prepared[0])
    total, relevant = distance_histograms(*prepared, chunk, backend=backend)
    if ties == "expected":
        return expected_ap(total, relevant) if k is None else \
            expected_ap_at_k(total, relevant, k, ap_at_k_denominator)
    n_db = prepared[1].shape[0]
    stats = index_order_stats(*prepared, [n_db if k is None else min(k, n_db)], [], chunk, backend=_product(backend))
    return _ap_from_index(stats, relevant.sum(1), 0, k, ap_at_k_denominator)


def evaluate(query_codes, db_codes, query_labels, db_labels, *, topk=(1000,), radius=2,
             ties: str = "expected", ap_at_k_denominator: str = "retrieved", no_relevant: str = "zero",
             precision_at=DEFAULT_PRECISION_AT, curves: bool = True, device=None,
             chunk_size: int | None = None, progress: bool | None = None, backend: str | None = None) -> dict:
    """Hamming-ranking metrics of query codes against database codes (definitions: module docstring).

    Args:
        query_codes: ``(n_q, n_bits)``; db_codes: ``(n_db, n_bits)``. {0,1} or {-1,+1} numpy arrays
            or tensors of any bool/int/float dtype, or :class:`~hashlib_core.eval.codes.PackedCodes`.
        query_labels, db_labels: int ``(n,)`` (single-label) or 0/1 ``(n, n_classes)`` (multi-label).
        topk: the K of each mAP@K (an int or a sequence; empty for none).
        radius: the r of each P@r (an int or a sequence).
        ties: ``"expected"`` (default) or ``"index"``.
        ap_at_k_denominator: ``"retrieved"`` (default) or ``"min"``.
        no_relevant: ``"zero"`` (default) or ``"skip"``.
        precision_at: the N of the precision@N / recall@N curves (clipped to the database size).
        curves: add ``pr_curve``, ``precision@n`` and ``recall@n``.
        device: where to compute (default: the device of the code tensors; numpy → CPU).
        chunk_size: queries per work item (default: automatic; memory stays bounded either way).
        progress: tqdm bar over query chunks (default: only for more than 2·10^8 pairs).
        backend: the kernel of the per-distance counts: ``"numba"`` (fused XOR + popcount, CPU;
            the default where numba is installed), ``"int8"`` or ``"float32"`` (pure PyTorch
            products; the default without numba and on CUDA). Results are identical.

    Returns:
        A JSON-ready dict (Python floats and ints, lists of floats) with fixed keys:
        ``"map@all"``, ``"map@<K>"`` per K, ``"p@r<r>"`` per radius, ``"n_queries"``,
        ``"n_queries_without_relevant"``, ``"n_database"``, ``"n_bits"``, ``"ties"``,
        ``"ap_at_k_denominator"``, ``"no_relevant"``, and with ``curves``:
        ``"pr_curve"`` {"radius", "precision", "recall"}, ``"precision@n"`` {"n", "precision"},
        ``"recall@n"`` {"n", "recall"}.

    Raises:
        ValueError: non-binary codes or NaN, mismatched bit lengths, empty database or query set,
        label arrays of the wrong length, K < 1, negative radius, unknown definition names or
        backend, a backend that cannot run here (numba on CUDA or not installed).
    """
    _choice(ties, TIES, "ties")
    _choice(ap_at_k_denominator, DENOMINATORS, "ap_at_k_denominator")
    _choice(no_relevant, NO_RELEVANT, "no_relevant")
    ks = _ints(topk, "topk", 1)
    radii = _ints(radius, "radius", 0)
    ns = _ints(precision_at, "precision_at", 1) if curves else []
    chunk = _chunk(chunk_size)
    with engine_threads(resolve_device(device, query_codes, db_codes)):
        return _evaluate(query_codes, db_codes, query_labels, db_labels, ks, radii, ns, ties, ap_at_k_denominator,
                         no_relevant, curves, device, chunk, progress, backend)


def _evaluate(query_codes, db_codes, query_labels, db_labels, ks, radii, ns, ties, ap_at_k_denominator,
              no_relevant, curves, device, chunk, progress, backend) -> dict:
    prepared = _prepare(query_codes, db_codes, query_labels, db_labels, device)
    (n_q, n_bits), n_db = prepared[0].shape, prepared[1].shape[0]
    backend = _backend(backend, prepared[0])
    show = progress_default(n_q, n_db) if progress is None else bool(progress)
    total, relevant = distance_histograms(*prepared, chunk, show, backend)
    n_rel = relevant.sum(1)
    keep = (n_rel > 0) if no_relevant == "skip" else torch.ones_like(n_rel, dtype=torch.bool)
    n_kept = int(keep.sum().item())

    def mean(values: torch.Tensor) -> float:
        return float(values[keep].double().mean().item()) if n_kept else 0.0

    def curve(values: torch.Tensor) -> list[float]:
        return [float(v) for v in values[keep].double().mean(0).tolist()] if n_kept else [0.0] * values.shape[1]

    ns_clipped = [min(n, n_db) for n in ns]
    if ties == "expected":
        ap = {None: expected_ap(total, relevant)}
        ap.update({k: expected_ap_at_k(total, relevant, k, ap_at_k_denominator) for k in ks})
        hits = expected_hits(total, relevant, ns_clipped)
    else:
        cuts = [n_db] + [min(k, n_db) for k in ks]
        stats = index_order_stats(*prepared, cuts, ns_clipped, chunk, show, _product(backend))
        ap = {None: _ap_from_index(stats, n_rel, 0, None, ap_at_k_denominator)}
        ap.update({k: _ap_from_index(stats, n_rel, i + 1, k, ap_at_k_denominator) for i, k in enumerate(ks)})
        hits = stats["hits_at"].double()

    out: dict = {"map@all": mean(ap[None])}
    out.update({f"map@{k}": mean(ap[k]) for k in ks})
    out.update({f"p@r{r}": mean(precision_within_radius(total, relevant, r)) for r in radii})
    out.update({"n_queries": int(n_q), "n_queries_without_relevant": int((n_rel == 0).sum().item()),
                "n_database": int(n_db), "n_bits": int(n_bits), "ties": ties,
                "ap_at_k_denominator": ap_at_k_denominator, "no_relevant": no_relevant})
    if curves:
        precision, recall = pr_curve_by_radius(total, relevant)
        out["pr_curve"] = {"radius": list(range(n_bits + 1)), "precision": curve(precision),
                           "recall": curve(recall)}
        n_tensor = torch.tensor(ns_clipped, dtype=torch.float64, device=total.device)
        rel_col = n_rel.unsqueeze(1).double()
        recall_n = torch.where(rel_col > 0, hits / rel_col.clamp(min=1), torch.zeros_like(hits))
        out["precision@n"] = {"n": ns_clipped, "precision": curve(hits / n_tensor)}
        out["recall@n"] = {"n": ns_clipped, "recall": curve(recall_n)}
    return out

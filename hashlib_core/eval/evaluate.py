"""The entry point: :func:`evaluate` — every metric the book reports, under one stated definition.

Definitions (the defaults are what every record and figure of the book uses):

- **Relevance**: same label (single-label), or at least one shared label (multi-label 0/1 rows).
- **Ties** (``ties``): ``"expected"`` (default) — the exact expectation over uniformly random
  orders of equal-distance items, from per-distance counts; it cannot depend on how the database
  is ordered. ``"index"`` — ties broken by database index (a stable sort on distance).
- **mAP@all**: AP over the whole ranking, divided by R, the number of relevant items.
- **mAP@K** (``ap_at_k_denominator``): ``"retrieved"`` (default; the released code of the papers
  divides by the relevant items retrieved in the top K, AP@K = 0 when there are none) or ``"min"``
  (divide by min(K, R)).
- **Queries without any relevant item** (``no_relevant``): ``"zero"`` (default; AP = 0, they stay
  in every mean) or ``"skip"`` (excluded from every mean). ``n_queries_without_relevant`` is always
  reported.
- **P@r** (precision within Hamming radius r, r = 2 by default): a query with no item inside the
  radius has precision 0.
- **Curves**: precision and recall of the items within radius r = 0..n_bits (mean over queries),
  and precision / recall at the top N.
"""
from __future__ import annotations

import torch

from hashlib_core.eval.codes import to_bits
from hashlib_core.eval.distance import distances_from_signs, signs_for
from hashlib_core.eval.histogram import default_chunk_size, distance_histograms
from hashlib_core.eval.metrics import (ap_from_order, expected_ap, expected_ap_at_k, expected_relevant_in_top,
                                       pr_curve_by_radius, precision_within_radius)
from hashlib_core.eval.relevance import Labels, prepare_labels

__all__ = ["evaluate", "average_precision", "TIES", "DENOMINATORS", "NO_RELEVANT", "DEFAULT_PRECISION_AT"]

TIES = ("expected", "index")
DENOMINATORS = ("retrieved", "min")
NO_RELEVANT = ("zero", "skip")
DEFAULT_PRECISION_AT = (1, 5, 10, 20, 50, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000)


def _choice(value: str, valid: tuple[str, ...], name: str) -> str:
    if value not in valid:
        raise ValueError(f"unknown {name} {value!r}; valid: {', '.join(valid)}")
    return value


def _positive_ints(values, name: str) -> list[int]:
    out = []
    for v in values:
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{name} must contain positive integers (K >= 1), got {v!r}")
        out.append(v)
    return out


def _prepare(query_codes, db_codes, query_labels, db_labels, device):
    query_bits = to_bits(query_codes, "query codes", device)
    db_bits = to_bits(db_codes, "database codes", query_bits.device)
    if query_bits.shape[1] != db_bits.shape[1]:
        raise ValueError(f"query codes have {query_bits.shape[1]} bits, database codes have {db_bits.shape[1]}")
    if db_bits.shape[0] == 0:
        raise ValueError("the database is empty: at least one database code is needed")
    if query_bits.shape[0] == 0:
        raise ValueError("there are no query codes")
    labels = prepare_labels(query_labels, db_labels, query_bits.shape[0], db_bits.shape[0], query_bits.device)
    return query_bits, db_bits, labels


def _index_order_stats(query_bits, db_bits, labels: Labels, ks: list[int | None], ns: list[int],
                       denominator: str, n_relevant: torch.Tensor, chunk_size: int | None):
    """AP for each k in ``ks`` (None = all) and hits at each N, with ties broken by database index."""
    n_q, n_db = query_bits.shape[0], db_bits.shape[0]
    chunk = chunk_size or max(1, default_chunk_size(n_db, query_bits.shape[1]) // 4)
    db_signs = signs_for(db_bits)
    aps = {k: [] for k in ks}
    hits = []
    for start in range(0, n_q, chunk):
        stop = min(start + chunk, n_q)
        dist = distances_from_signs(signs_for(query_bits[start:stop]), db_signs)
        order = torch.sort(dist, dim=1, stable=True).indices
        rel_sorted = labels.relevance(slice(start, stop)).gather(1, order)
        for k in ks:
            aps[k].append(ap_from_order(rel_sorted, k, denominator, n_relevant[start:stop]))
        cum = torch.cumsum(rel_sorted, 1)
        hits.append(torch.stack([cum[:, min(n, n_db) - 1] for n in ns], 1).double())
    return {k: torch.cat(v) for k, v in aps.items()}, torch.cat(hits)


def average_precision(query_codes, db_codes, query_labels, db_labels, *, k: int | None = None,
                      ties: str = "expected", ap_at_k_denominator: str = "retrieved",
                      device=None, chunk_size: int | None = None) -> torch.Tensor:
    """Per-query AP (or AP@k), ``(n_q,)`` float64 on the queries' device; 0 for queries without relevant items."""
    _choice(ties, TIES, "ties")
    _choice(ap_at_k_denominator, DENOMINATORS, "ap_at_k_denominator")
    query_bits, db_bits, labels = _prepare(query_codes, db_codes, query_labels, db_labels, device)
    total, relevant = distance_histograms(query_bits, db_bits, labels, chunk_size)
    if ties == "expected":
        return expected_ap(total, relevant) if k is None else expected_ap_at_k(total, relevant, k, ap_at_k_denominator)
    aps, _ = _index_order_stats(query_bits, db_bits, labels, [k], [1], ap_at_k_denominator,
                                relevant.sum(1), chunk_size)
    return aps[k]


def evaluate(query_codes, db_codes, query_labels, db_labels, *, topk=(1000,), radius: int | tuple = 2,
             ties: str = "expected", ap_at_k_denominator: str = "retrieved", no_relevant: str = "zero",
             precision_at=DEFAULT_PRECISION_AT, curves: bool = True, device=None,
             chunk_size: int | None = None, progress: bool | None = None) -> dict:
    """Hamming-ranking metrics of query codes ``(n_q, n_bits)`` against database codes ``(n_db, n_bits)``.

    Args:
        query_codes, db_codes: {0,1} or {-1,+1} arrays/tensors, or ``PackedCodes``.
        query_labels, db_labels: int ``(n,)`` (single-label) or 0/1 ``(n, n_classes)`` (multi-label).
        topk: the K of each mAP@K. radius: the r of each P@r (int or tuple).
        ties, ap_at_k_denominator, no_relevant: the definitions (module docstring).
        precision_at: the N of the precision/recall@N curves (clipped to the database size).
        device: where to compute (default: the query codes' device; numpy → CPU).

    Returns:
        A JSON-ready dict with fixed keys: ``"map@all"``, ``"map@<K>"`` per K, ``"p@r<r>"`` per radius,
        ``"n_queries"``, ``"n_queries_without_relevant"``, ``"n_bits"``, the three definition names,
        and with ``curves``: ``"pr_curve"`` {radius, precision, recall}, ``"precision@n"`` {n, precision},
        ``"recall@n"`` {n, recall}.

    Raises:
        ValueError: non-binary codes or NaN, mismatched bit lengths, empty database, label arrays of the
        wrong length, K < 1, unknown definition names.
    """
    _choice(ties, TIES, "ties")
    _choice(ap_at_k_denominator, DENOMINATORS, "ap_at_k_denominator")
    _choice(no_relevant, NO_RELEVANT, "no_relevant")
    ks = _positive_ints(tuple(topk), "topk")
    radii = [radius] if isinstance(radius, int) else list(radius)
    if any(not isinstance(r, int) or r < 0 for r in radii):
        raise ValueError(f"radius must be non-negative integers, got {radius!r}")
    ns = _positive_ints(tuple(precision_at), "precision_at") if curves else []
    query_bits, db_bits, labels = _prepare(query_codes, db_codes, query_labels, db_labels, device)
    n_q, n_bits = query_bits.shape
    n_db = db_bits.shape[0]
    show = progress if progress is not None else n_q * n_db > 5e7
    total, relevant = distance_histograms(query_bits, db_bits, labels, chunk_size, show)
    n_rel = relevant.sum(1)
    keep = (n_rel > 0) if no_relevant == "skip" else torch.ones_like(n_rel, dtype=torch.bool)
    n_kept = int(keep.sum().item())
    mean = lambda values: float(values[keep].mean().item()) if n_kept else 0.0
    ns_clipped = [min(n, n_db) for n in ns]
    if ties == "expected":
        ap = {None: expected_ap(total, relevant)}
        ap.update({k: expected_ap_at_k(total, relevant, k, ap_at_k_denominator) for k in ks})
        hits = (torch.stack([expected_relevant_in_top(total, relevant, n) for n in ns_clipped], 1)
                if ns else None)
    else:
        ap, hits = _index_order_stats(query_bits, db_bits, labels, [None, *ks], ns_clipped or [1],
                                      ap_at_k_denominator, n_rel, chunk_size)
    out: dict = {"map@all": mean(ap[None])}
    out.update({f"map@{k}": mean(ap[k]) for k in ks})
    out.update({f"p@r{r}": mean(precision_within_radius(total, relevant, r)) for r in radii})
    out.update({"n_queries": int(n_q), "n_queries_without_relevant": int((n_rel == 0).sum().item()),
                "n_database": int(n_db), "n_bits": int(n_bits), "ties": ties,
                "ap_at_k_denominator": ap_at_k_denominator, "no_relevant": no_relevant})
    if curves:
        precision, recall = pr_curve_by_radius(total, relevant)
        out["pr_curve"] = {"radius": list(range(n_bits + 1)),
                           "precision": [float(v) for v in precision[keep].mean(0).tolist()] if n_kept else [],
                           "recall": [float(v) for v in recall[keep].mean(0).tolist()] if n_kept else []}
        n_tensor = torch.tensor(ns_clipped, dtype=torch.float64, device=hits.device)
        prec_n = hits / n_tensor
        rec_n = torch.where(n_rel.unsqueeze(1) > 0, hits / n_rel.unsqueeze(1).double().clamp(min=1),
                            torch.zeros_like(hits))
        out["precision@n"] = {"n": ns_clipped, "precision": [float(v) for v in prec_n[keep].mean(0).tolist()]}
        out["recall@n"] = {"n": ns_clipped, "recall": [float(v) for v in rec_n[keep].mean(0).tolist()]}
    return out

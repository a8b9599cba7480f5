"""Ranking metrics from per-distance counts (tie-aware expectations) or from an explicit order.

Notation, per query: ``n[d]`` database items and ``r[d]`` relevant ones at Hamming distance ``d``;
``N_b``, ``R_b`` the items and relevant items at smaller distances; ``R`` all relevant items.

**Tie-aware expected AP** (``ties="expected"``): items at equal distance are in uniformly random
order. For a tie group, the expected sum of precisions at its relevant items that fall in its
first ``m`` positions is (McSherry & Najork, ECIR 2008, generalised to a cut-off)::

    C(m) = (r/n) * [ (R_b + 1) * ΔH_m  +  (r-1)/(n-1) * (m - (N_b + 1) * ΔH_m) ],
    ΔH_m = H(N_b + m) - H(N_b)     (H = harmonic numbers, via digamma)

because position k of the group is relevant with probability r/n and, given that, holds
``1 + (k-1)(r-1)/(n-1)`` relevant items of the group in expectation up to itself.

**Index order** (``ties="index"``): items sorted by (distance, database index); AP from the
explicit ranking.
"""
from __future__ import annotations

import torch

__all__ = ["expected_ap", "expected_ap_at_k", "expected_relevant_in_top", "ap_from_order",
           "precision_within_radius", "pr_curve_by_radius"]


def _harmonic_diff(start: torch.Tensor, length: torch.Tensor) -> torch.Tensor:
    """H(start + length) - H(start), float64."""
    return torch.digamma(start + length + 1) - torch.digamma(start + 1)


def _group_terms(total: torch.Tensor, relevant: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    """C(m) for every (query, distance) group; ``m`` positions of each group inside the cut."""
    n = total.double()
    r = relevant.double()
    n_before = torch.cumsum(n, 1) - n
    r_before = torch.cumsum(r, 1) - r
    dh = _harmonic_diff(n_before, m)
    ratio = torch.where(n > 1, (r - 1) / (n - 1).clamp(min=1), torch.zeros_like(n))
    terms = (r / n.clamp(min=1)) * ((r_before + 1) * dh + ratio * (m - (n_before + 1) * dh))
    return torch.where((n > 0) & (m > 0), terms, torch.zeros_like(terms))


def expected_ap(total: torch.Tensor, relevant: torch.Tensor) -> torch.Tensor:
    """Tie-aware expected AP over the full ranking, ``(n_q,)`` float64 (0 where a query has no relevant item)."""
    terms = _group_terms(total, relevant, total.double())
    n_rel = relevant.sum(1).double()
    return torch.where(n_rel > 0, terms.sum(1) / n_rel.clamp(min=1), torch.zeros_like(n_rel))


def _positions_inside(total: torch.Tensor, k: int) -> torch.Tensor:
    n = total.double()
    n_before = torch.cumsum(n, 1) - n
    return (k - n_before).clamp(min=0).minimum(n)


def expected_relevant_in_top(total: torch.Tensor, relevant: torch.Tensor, k: int) -> torch.Tensor:
    """Expected number of relevant items among the first ``k`` ranked, ``(n_q,)`` float64."""
    m = _positions_inside(total, k)
    return (relevant.double() * m / total.double().clamp(min=1)).sum(1)


def _log_choose(n: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    return torch.lgamma(n + 1) - torch.lgamma(k + 1) - torch.lgamma(n - k + 1)


def expected_ap_at_k(total: torch.Tensor, relevant: torch.Tensor, k: int, denominator: str) -> torch.Tensor:
    """Tie-aware expected AP@k, ``(n_q,)`` float64.

    ``denominator="min"``: divide by min(k, R) (a constant, so the expectation is linear).
    ``denominator="retrieved"``: divide by the number of relevant items in the top k, which is
    random when the cut-off splits a tie group; the exact expectation conditions on J, the number
    of relevant items of that group inside the cut (hypergeometric), and is 0 when none is retrieved.
    """
    m = _positions_inside(total, k)
    terms = _group_terms(total, relevant, m)
    n_rel = relevant.sum(1).double()
    if denominator == "min":
        denom = torch.minimum(n_rel, torch.full_like(n_rel, float(k)))
        return torch.where(denom > 0, terms.sum(1) / denom.clamp(min=1), torch.zeros_like(denom))
    n = total.double()
    r = relevant.double()
    split = (m > 0) & (m < n)  # the group cut by the top-k boundary (at most one per query)
    has_split = split.any(1)
    full = (m >= n) & (n > 0)
    fixed_sum = torch.where(full, terms, torch.zeros_like(terms)).sum(1)
    fixed_rel = torch.where(full, r, torch.zeros_like(r)).sum(1)
    out = torch.where(fixed_rel > 0, fixed_sum / fixed_rel.clamp(min=1), torch.zeros_like(fixed_rel))
    if not bool(has_split.any()):
        return out
    rows = torch.nonzero(has_split).squeeze(1)
    g = split[rows].double().argmax(1)
    pick = lambda t: t[rows].gather(1, g.unsqueeze(1)).squeeze(1)
    n_g, r_g, m_g = pick(n), pick(r), pick(m)
    n_before = pick(torch.cumsum(n, 1) - n)
    r_before = pick(torch.cumsum(r, 1) - r)
    j_max = int(torch.minimum(r_g, m_g).max().item())
    j = torch.arange(j_max + 1, device=total.device, dtype=torch.float64).unsqueeze(0)
    n_g, r_g, m_g, n_before, r_before = (t.unsqueeze(1) for t in (n_g, r_g, m_g, n_before, r_before))
    feasible = (j <= torch.minimum(r_g, m_g)) & (m_g - j <= n_g - r_g)
    j_safe = torch.where(feasible, j, torch.zeros_like(j))
    log_p = _log_choose(r_g, j_safe) + _log_choose(n_g - r_g, m_g - j_safe) - _log_choose(n_g, m_g)
    prob = torch.where(feasible, torch.exp(log_p), torch.zeros_like(log_p))
    dh = _harmonic_diff(n_before, m_g)
    ratio = torch.where(m_g > 1, (j - 1) / (m_g - 1).clamp(min=1), torch.zeros_like(j))
    split_sum = (j / m_g) * ((r_before + 1) * dh + ratio * (m_g - (n_before + 1) * dh))
    numer = fixed_sum[rows].unsqueeze(1) + split_sum
    denom = fixed_rel[rows].unsqueeze(1) + j
    value = torch.where(denom > 0, numer / denom.clamp(min=1), torch.zeros_like(denom))
    out[rows] = (prob * value).sum(1)
    return out


def ap_from_order(relevance_sorted: torch.Tensor, k: int | None, denominator: str,
                  n_relevant: torch.Tensor) -> torch.Tensor:
    """AP (or AP@k) from an explicit ranking: ``relevance_sorted`` bool ``(n_q, n_db)``, ``(n_q,)`` float64."""
    rel = relevance_sorted[:, :k].double() if k is not None else relevance_sorted.double()
    hits = torch.cumsum(rel, 1)
    ranks = torch.arange(1, rel.shape[1] + 1, device=rel.device, dtype=torch.float64)
    sums = (hits / ranks * rel).sum(1)
    if k is None:
        denom = n_relevant.double()
    elif denominator == "min":
        denom = torch.minimum(n_relevant.double(), torch.full_like(n_relevant, k, dtype=torch.float64))
    else:
        denom = hits[:, -1] if rel.shape[1] else torch.zeros(rel.shape[0], dtype=torch.float64, device=rel.device)
    return torch.where(denom > 0, sums / denom.clamp(min=1), torch.zeros_like(sums))


def precision_within_radius(total: torch.Tensor, relevant: torch.Tensor, radius: int) -> torch.Tensor:
    """Precision of the items at distance ≤ ``radius``; 0 for a query with nothing inside. ``(n_q,)``"""
    inside = total[:, : radius + 1].sum(1).double()
    hits = relevant[:, : radius + 1].sum(1).double()
    return torch.where(inside > 0, hits / inside.clamp(min=1), torch.zeros_like(inside))


def pr_curve_by_radius(total: torch.Tensor, relevant: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-query precision and recall of the items at distance ≤ r, for r = 0..n_bits: ``(n_q, n_bits+1)`` each.

    Precision is 0 where nothing lies inside the radius; recall is 0 for a query without relevant items.
    """
    inside = torch.cumsum(total, 1).double()
    hits = torch.cumsum(relevant, 1).double()
    n_rel = hits[:, -1:]
    precision = torch.where(inside > 0, hits / inside.clamp(min=1), torch.zeros_like(hits))
    recall = torch.where(n_rel > 0, hits / n_rel.clamp(min=1), torch.zeros_like(hits))
    return precision, recall

"""Ranking metrics from per-distance counts, exact under the tie-aware expectation.

Notation, per query: ``n[d]`` database items and ``r[d]`` relevant ones at Hamming distance
``d``; ``N_b``, ``R_b`` the items and relevant items at smaller distances; ``R`` all relevant.

**Tie-aware expected AP** (``ties="expected"``): the items at one distance come in uniformly
random order (every order equally likely, independently per distance). The expected sum of
precisions at the relevant items among the first ``m`` positions of a tie group is
(McSherry & Najork, ECIR 2008, extended to a cut inside the group)::

    C(m) = (r/n) * [ (R_b + 1) * ΔH  +  (r-1)/(n-1) * G ],
    ΔH = Σ_{k=1..m} 1/(N_b + k),      G = Σ_{k=1..m} (k-1)/(N_b + k) = m - (N_b + 1) ΔH,

since position ``k`` of the group is relevant with probability ``r/n`` and, given that, holds
``1 + (k-1)(r-1)/(n-1)`` relevant items of the group up to and including itself. ``ΔH`` is a
digamma difference, evaluated without cancellation (direct sum below 64, asymptotic series
above) so that it keeps float64 relative precision even a million items down the ranking.

AP@K with ``denominator="retrieved"`` divides by the (random) number of relevant items in the
top K; its expectation conditions on ``J``, the relevant items of the group cut by position K
that fall inside the cut (hypergeometric), computed exactly from the pmf.
"""
from __future__ import annotations

import torch

__all__ = ["harmonic_diff", "expected_ap", "expected_ap_at_k", "expected_hits", "expected_hits_at",
           "precision_within_radius", "pr_curve_by_radius"]

_ASYMPTOTIC_FROM = 64.0


def _harmonic_series(x: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    """ψ(x + m) - ψ(x) for x >= 64: log1p plus Bernoulli terms up to x⁻⁸ (truncation < 1e-17 relative)."""
    y = x + m
    ix2, iy2 = 1.0 / (x * x), 1.0 / (y * y)
    ix4, iy4 = ix2 * ix2, iy2 * iy2  # products, not ** 3 / ** 4: torch's generic pow is ~20x slower
    return (torch.log1p(m / x) + m / (2.0 * x * y)
            + (ix2 - iy2) / 12.0 - (ix4 - iy4) / 120.0
            + (ix4 * ix2 - iy4 * iy2) / 252.0 - (ix4 * ix4 - iy4 * iy4) / 240.0)


def harmonic_diff(x: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    """``Σ_{k=0}^{m-1} 1 / (x + k) = ψ(x + m) - ψ(x)`` for float64 integers ``x >= 1``, ``m >= 0`` (elementwise).

    Terms with ``x + k < 64`` are summed directly, the rest through an asymptotic expansion of the
    digamma difference (log1p form), so no two nearly equal digamma values are ever subtracted:
    the result keeps float64 relative precision (~1e-15) even a million items down a ranking.
    """
    x, m = torch.broadcast_tensors(x.double(), m.double())
    head = (_ASYMPTOTIC_FROM - x).clamp(min=0).minimum(m)  # terms below 64, summed directly
    out = torch.zeros_like(x)
    small = head > 0
    if bool(small.any()):
        xs, hs = x[small], head[small]
        k = torch.arange(int(_ASYMPTOTIC_FROM), device=x.device, dtype=torch.float64)
        terms = torch.where(k < hs.unsqueeze(1), 1.0 / (xs.unsqueeze(1) + k), torch.zeros((), dtype=torch.float64,
                                                                                         device=x.device))
        out[small] = terms.sum(1)
    tail = m - head
    rest = _harmonic_series((x + head).clamp(min=_ASYMPTOTIC_FROM), tail)
    return out + torch.where(tail > 0, rest, torch.zeros_like(rest))


def _prefix(values: torch.Tensor) -> torch.Tensor:
    """Exclusive cumulative sum along the distance axis (float64)."""
    v = values.double()
    return torch.cumsum(v, 1) - v


def _group_terms(n: torch.Tensor, r: torch.Tensor, m: torch.Tensor, n_before: torch.Tensor,
                 r_before: torch.Tensor) -> torch.Tensor:
    """``C(m)`` elementwise (broadcasting) for groups with ``n, m >= 1``: expected sum of precisions at
    relevant items in the first ``m`` positions of a group."""
    dh = harmonic_diff(n_before + 1, m)
    g = m - (n_before + 1) * dh
    ratio = torch.where(n > 1, (r - 1) / (n - 1).clamp(min=1), torch.zeros_like(n))
    return (r / n) * ((r_before + 1) * dh + ratio * g)


def _group_sums(n: torch.Tensor, r: torch.Tensor, m: torch.Tensor, n_before: torch.Tensor,
                r_before: torch.Tensor) -> torch.Tensor:
    """:func:`_group_terms` of same-shape tensors, 0 where ``n``, ``m`` or ``r`` is 0 (computed only elsewhere)."""
    active = (n > 0) & (m > 0) & (r > 0)
    out = torch.zeros_like(n)
    out[active] = _group_terms(*(t[active] for t in (n, r, m, n_before, r_before)))
    return out


def expected_ap(total: torch.Tensor, relevant: torch.Tensor) -> torch.Tensor:
    """Tie-aware expected AP over the whole ranking, float64 ``(n_q,)``; 0 for a query without relevant items.

    Args:
        total, relevant: int64 ``(n_q, n_bits + 1)`` counts per distance.
    """
    n, r = total.double(), relevant.double()
    terms = _group_sums(n, r, n, _prefix(n), _prefix(r))
    n_rel = r.sum(1)
    return torch.where(n_rel > 0, terms.sum(1) / n_rel.clamp(min=1), torch.zeros_like(n_rel))


def expected_hits(total: torch.Tensor, relevant: torch.Tensor, ks: list[int]) -> torch.Tensor:
    """Expected number of relevant items among the first ``k`` ranked, for each ``k`` of ``ks``:
    float64 ``(n_q, len(ks))`` (one broadcast pass for all of them)."""
    n = total.double()
    cut = torch.tensor(ks, dtype=torch.float64, device=n.device).view(-1, 1, 1)
    m = (cut - _prefix(n)).clamp(min=0).minimum(n)  # positions of each group inside the top k: (K, n_q, W)
    return (relevant.double() * m / n.clamp(min=1)).sum(2).T


def expected_hits_at(total: torch.Tensor, relevant: torch.Tensor, k: int) -> torch.Tensor:
    """Expected number of relevant items among the first ``k`` ranked, float64 ``(n_q,)``."""
    return expected_hits(total, relevant, [k])[:, 0]


def _hypergeometric(n: torch.Tensor, r: torch.Tensor, m: torch.Tensor, j_max: int) -> torch.Tensor:
    """pmf of J ~ Hypergeometric(population n, successes r, draws m) on ``j = 0..j_max``, ``(rows, j_max+1)``.

    From the ratio P(j+1)/P(j) = (r-j)(m-j) / ((j+1)(n-r-m+j+1)) in log space, then normalised.
    """
    j = torch.arange(j_max + 1, device=n.device, dtype=torch.float64).unsqueeze(0)
    n, r, m = n.unsqueeze(1), r.unsqueeze(1), m.unsqueeze(1)
    lo = (m - (n - r)).clamp(min=0)
    hi = torch.minimum(r, m)
    step_ok = (j >= lo) & (j + 1 <= hi)  # log P(j+1) - log P(j) defined here
    num = ((r - j) * (m - j)).clamp(min=1)
    den = ((j + 1) * (n - r - m + j + 1)).clamp(min=1)
    log_ratio = torch.where(step_ok, torch.log(num) - torch.log(den), torch.zeros_like(j))
    log_p = torch.cat([torch.zeros_like(n), torch.cumsum(log_ratio, 1)[:, :-1]], 1)
    feasible = (j >= lo) & (j <= hi)
    log_p = torch.where(feasible, log_p, torch.full_like(log_p, float("-inf")))
    return torch.softmax(log_p, 1)


def expected_ap_at_k(total: torch.Tensor, relevant: torch.Tensor, k: int, denominator: str,
                     budget: int = 1 << 22) -> torch.Tensor:
    """Tie-aware expected AP@k, float64 ``(n_q,)``; 0 for a query without relevant items.

    ``denominator="min"``: Σ precisions / min(k, R) (a constant: the expectation is linear).
    ``denominator="retrieved"``: Σ precisions / (relevant items in the top k), 0 when none is
    retrieved; exact expectation over the hypergeometric number of relevant items that the cut
    takes from the tie group it splits. ``budget`` bounds the (rows × j) work arrays.
    """
    n, r = total.double(), relevant.double()
    n_before, r_before = _prefix(n), _prefix(r)
    m = (k - n_before).clamp(min=0).minimum(n)
    n_rel = r.sum(1)
    if denominator == "min":
        terms = _group_sums(n, r, m, n_before, r_before).sum(1)
        denom = n_rel.clamp(max=float(k))
        return torch.where(denom > 0, terms / denom.clamp(min=1), torch.zeros_like(denom))
    full = (m >= n) & (n > 0)
    fixed_sum = _group_sums(n, r, torch.where(full, n, torch.zeros_like(n)), n_before, r_before).sum(1)
    fixed_rel = torch.where(full, r, torch.zeros_like(r)).sum(1)
    out = torch.where(fixed_rel > 0, fixed_sum / fixed_rel.clamp(min=1), torch.zeros_like(fixed_rel))
    split = (m > 0) & (m < n)  # the group cut by position k: at most one per query
    rows = torch.nonzero(split.any(1) & (n_rel > 0)).squeeze(1)
    if rows.numel() == 0:
        return out
    g = split[rows].to(torch.int64).argmax(1, keepdim=True)
    pick = lambda t: t[rows].gather(1, g).squeeze(1)  # noqa: E731
    n_g, r_g, m_g, nb_g, rb_g = pick(n), pick(r), pick(m), pick(n_before), pick(r_before)
    f_sum, f_rel = fixed_sum[rows], fixed_rel[rows]
    j_cap = torch.minimum(r_g, m_g)
    values = torch.empty_like(n_g)
    order = torch.argsort(j_cap)  # batches of similar j ranges keep the (rows × j) arrays small
    caps = j_cap[order].to(torch.int64).tolist()
    start = 0
    while start < len(caps):
        stop = start + 1
        while stop < len(caps) and (stop + 1 - start) * (caps[stop] + 1) <= budget:
            stop += 1
        idx = order[start:stop]
        width = caps[stop - 1] + 1
        prob = _hypergeometric(n_g[idx], r_g[idx], m_g[idx], width - 1)
        j = torch.arange(width, device=n.device, dtype=torch.float64).unsqueeze(0)
        mm, nb, rb = m_g[idx].unsqueeze(1), nb_g[idx].unsqueeze(1), rb_g[idx].unsqueeze(1)
        split_sum = _group_terms(mm, j, mm, nb, rb)  # broadcasts to (rows, width); 0 at j = 0
        numer = f_sum[idx].unsqueeze(1) + split_sum
        denom = f_rel[idx].unsqueeze(1) + j
        value = torch.where(denom > 0, numer / denom.clamp(min=1), torch.zeros_like(denom))
        values[idx] = (prob * value).sum(1)
        start = stop
    out[rows] = values
    return out


def precision_within_radius(total: torch.Tensor, relevant: torch.Tensor, radius: int) -> torch.Tensor:
    """Precision of the items at distance ≤ ``radius``, float64 ``(n_q,)``; 0 for a query with nothing inside."""
    inside = total[:, : radius + 1].sum(1).double()
    hits = relevant[:, : radius + 1].sum(1).double()
    return torch.where(inside > 0, hits / inside.clamp(min=1), torch.zeros_like(inside))


def pr_curve_by_radius(total: torch.Tensor, relevant: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-query precision and recall of the items at distance ≤ r, r = 0..n_bits: float64 ``(n_q, n_bits+1)`` each.

    Precision is 0 where nothing lies inside the radius; recall is 0 for a query without relevant items.
    """
    inside = torch.cumsum(total, 1).double()
    hits = torch.cumsum(relevant, 1).double()
    n_rel = hits[:, -1:]
    precision = torch.where(inside > 0, hits / inside.clamp(min=1), torch.zeros_like(hits))
    recall = torch.where(n_rel > 0, hits / n_rel.clamp(min=1), torch.zeros_like(hits))
    return precision, recall

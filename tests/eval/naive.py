"""Independent brute-force references: Python loops and exact fractions, no torch.

``naive_evaluate`` recomputes every number of ``hashlib_core.evaluate`` from first principles:
explicit rankings, and for ``ties="expected"`` the exact average over *every* arrangement of the
tied items (each distinct 0/1 arrangement of a tie group is equally likely under a uniformly
random order), so it only runs on tiny inputs.
"""
from __future__ import annotations

import functools
import itertools
import math
from fractions import Fraction


def hamming(a, b) -> int:
    return sum(int(x != y) for x, y in zip(a, b))


def as_bits(code) -> list[int]:
    """{0,1} or {-1,+1} → list of 0/1."""
    return [1 if int(x) == 1 else 0 for x in code]


def relevant(ql, dl) -> bool:
    if isinstance(ql, (list, tuple)):
        return any(x and y for x, y in zip(ql, dl))
    return ql == dl


def ranking_index_order(q, db) -> list[int]:
    return sorted(range(len(db)), key=lambda i: (hamming(q, db[i]), i))


def groups(q, db, ql, dl) -> list[list[bool]]:
    """Relevance of the database items per distance, distances ascending, each in index order."""
    by_distance: dict[int, list[bool]] = {}
    for i, code in enumerate(db):
        by_distance.setdefault(hamming(q, code), []).append(relevant(ql, dl[i]))
    return [by_distance[d] for d in sorted(by_distance)]


def arrangements(q, db, ql, dl):
    """Every equally likely relevance sequence under random order inside tie groups."""
    per_group = []
    for g in groups(q, db, ql, dl):  # distinct arrangements = positions of the relevant items
        n, r = len(g), sum(g)
        per_group.append([tuple(i in pos for i in range(n)) for pos in itertools.combinations(range(n), r)])
    for combo in itertools.product(*per_group):
        yield [x for g in combo for x in g]


def ap_of_order(rels, k=None, denominator="retrieved") -> Fraction:
    rels = list(rels)
    n_relevant = sum(rels)
    cut = rels if k is None else rels[:k]
    hits, total = 0, Fraction(0)
    for rank, rel in enumerate(cut, 1):
        if rel:
            hits += 1
            total += Fraction(hits, rank)
    if k is None:
        denom = n_relevant
    elif denominator == "min":
        denom = min(k, n_relevant)
    else:
        denom = hits
    return total / denom if denom else Fraction(0)


def hits_at(rels, n) -> int:
    return sum(rels[:n])


def naive_ap(q, db, ql, dl, k=None, denominator="retrieved") -> Fraction:
    order = ranking_index_order(q, db)
    return ap_of_order([relevant(ql, dl[i]) for i in order], k, denominator)


def expected(fn, q, db, ql, dl) -> Fraction:
    values = [Fraction(fn(rels)) for rels in arrangements(q, db, ql, dl)]
    return sum(values, Fraction(0)) / len(values)


def naive_expected_ap(q, db, ql, dl, k=None, denominator="retrieved") -> Fraction:
    return expected(lambda rels: ap_of_order(rels, k, denominator), q, db, ql, dl)


def naive_precision_radius(q, db, ql, dl, r) -> Fraction:
    inside = [i for i, code in enumerate(db) if hamming(q, code) <= r]
    if not inside:
        return Fraction(0)
    return Fraction(sum(relevant(ql, dl[i]) for i in inside), len(inside))


def naive_evaluate(Q, D, QL, DL, *, topk=(1000,), radius=2, ties="expected", ap_at_k_denominator="retrieved",
                   no_relevant="zero", precision_at=(1, 5, 10), curves=True) -> dict:
    """Every metric of ``evaluate`` for lists of codes/labels ({0,1} or ±1 codes; int or 0/1-list labels)."""
    Q = [as_bits(q) for q in Q]
    D = [as_bits(d) for d in D]
    QL = [list(map(int, x)) if hasattr(x, "__len__") else int(x) for x in QL]
    DL = [list(map(int, x)) if hasattr(x, "__len__") else int(x) for x in DL]
    n_bits, n_db = len(Q[0]), len(D)
    radii = [radius] if isinstance(radius, int) else list(radius)
    ns = [min(n, n_db) for n in precision_at]
    per_query = []
    for q, ql in zip(Q, QL):
        n_rel = sum(relevant(ql, dl) for dl in DL)
        if ties == "index":
            order = ranking_index_order(q, D)
            rels = [relevant(ql, DL[i]) for i in order]
            avg = lambda fn, rels=rels: Fraction(fn(rels))  # noqa: E731
        else:
            avg = lambda fn, q=q, ql=ql: expected(fn, q, D, ql, DL)  # noqa: E731
        row = {"map@all": avg(lambda r: ap_of_order(r))}
        for k in topk:
            row[f"map@{k}"] = avg(lambda r, k=k: ap_of_order(r, k, ap_at_k_denominator))
        for r in radii:
            row[f"p@r{r}"] = naive_precision_radius(q, D, ql, DL, r)
        dist = [hamming(q, d) for d in D]
        rel = [relevant(ql, dl) for dl in DL]
        pr_p, pr_r = [], []
        for r in range(n_bits + 1):
            inside = [i for i in range(n_db) if dist[i] <= r]
            hit = sum(rel[i] for i in inside)
            pr_p.append(Fraction(hit, len(inside)) if inside else Fraction(0))
            pr_r.append(Fraction(hit, n_rel) if n_rel else Fraction(0))
        row["pr_p"], row["pr_r"] = pr_p, pr_r
        hits = [avg(lambda r, n=n: hits_at(r, n)) for n in ns]
        row["p@n"] = [h / n for h, n in zip(hits, ns)]
        row["r@n"] = [h / n_rel if n_rel else Fraction(0) for h in hits]
        row["n_rel"] = n_rel
        per_query.append(row)
    kept = [row for row in per_query if row["n_rel"] > 0 or no_relevant == "zero"]

    def mean(key, index=None):
        if not kept:
            return 0.0
        values = [row[key] if index is None else row[key][index] for row in kept]
        return float(sum(values, Fraction(0)) / len(values))

    out = {"map@all": mean("map@all")}
    out.update({f"map@{k}": mean(f"map@{k}") for k in topk})
    out.update({f"p@r{r}": mean(f"p@r{r}") for r in radii})
    out["n_queries"] = len(Q)
    out["n_queries_without_relevant"] = sum(row["n_rel"] == 0 for row in per_query)
    if curves:
        out["pr_curve"] = {"radius": list(range(n_bits + 1)),
                           "precision": [mean("pr_p", r) for r in range(n_bits + 1)],
                           "recall": [mean("pr_r", r) for r in range(n_bits + 1)]}
        out["precision@n"] = {"n": ns, "precision": [mean("p@n", i) for i in range(len(ns))]}
        out["recall@n"] = {"n": ns, "recall": [mean("r@n", i) for i in range(len(ns))]}
    return out


# -- exact closed forms from counts (for large offsets where enumeration is impossible) -------------

def exact_expected_ap_from_counts(total, relevant_counts, k=None, denominator="retrieved") -> Fraction:
    """Expected AP (or AP@k) from per-distance counts with Fractions.

    Group sums are plain loops over the positions of each group (so group sizes must stay small,
    while the counts before them may be huge); the cut group uses exact binomials.
    """
    n_rel = sum(relevant_counts)
    if n_rel == 0:
        return Fraction(0)
    n_before = r_before = 0
    fixed, fixed_rel = Fraction(0), 0
    cut = math.inf if k is None else k

    @functools.lru_cache(maxsize=None)
    def sums(m, nb):  # Σ_{pos=1..m} 1/(nb+pos) and Σ (pos-1)/(nb+pos), exactly
        return (sum((Fraction(1, nb + pos) for pos in range(1, m + 1)), Fraction(0)),
                sum((Fraction(pos - 1, nb + pos) for pos in range(1, m + 1)), Fraction(0)))

    def group_sum(n, r, m, nb, rb):
        """Σ over the first m positions of E[precision · relevance]: position pos is relevant with
        probability r/n and then holds 1 + (pos-1)(r-1)/(n-1) relevant items of the group."""
        s1, s2 = sums(m, nb)
        ratio = Fraction(0) if n == 1 else Fraction(r - 1, n - 1)
        return Fraction(r, n) * ((rb + 1) * s1 + ratio * s2)

    for n, r in zip(total, relevant_counts):
        if n == 0:
            continue
        inside = max(0, min(n, cut - n_before))
        if inside == n:
            fixed += group_sum(n, r, n, n_before, r_before) if r else 0
            fixed_rel += r
        elif inside > 0:  # the cut splits this group
            if denominator == "min":
                fixed += group_sum(n, r, inside, n_before, r_before) if r else 0
            else:
                value = Fraction(0)
                for j in range(0, min(r, inside) + 1):
                    p = Fraction(math.comb(r, j) * math.comb(n - r, inside - j), math.comb(n, inside))
                    if p == 0 or fixed_rel + j == 0:
                        continue
                    s = group_sum(inside, j, inside, n_before, r_before) if j else 0
                    value += p * (fixed + s) / (fixed_rel + j)
                return value
        n_before += n
        r_before += r
    if k is None:
        return fixed / n_rel
    if denominator == "min":
        return fixed / min(k, n_rel)
    return fixed / fixed_rel if fixed_rel else Fraction(0)

"""Independent brute-force references: Python loops and exact fractions, no torch."""
from __future__ import annotations

import itertools
from fractions import Fraction


def hamming(a, b):
    return sum(int(x != y) for x, y in zip(a, b))


def relevant(ql, dl):
    if isinstance(ql, (list, tuple)):
        return any(x and y for x, y in zip(ql, dl))
    return ql == dl


def ranking_index_order(q, db):
    return sorted(range(len(db)), key=lambda i: (hamming(q, db[i]), i))


def ap_of_order(rels, k=None, denominator="retrieved", n_relevant=None):
    rels = list(rels)
    cut = rels if k is None else rels[:k]
    hits, total = 0, Fraction(0)
    for rank, rel in enumerate(cut, 1):
        if rel:
            hits += 1
            total += Fraction(hits, rank)
    if k is None:
        denom = sum(rels)
    elif denominator == "min":
        denom = min(k, n_relevant)
    else:
        denom = hits
    return total / denom if denom else Fraction(0)


def naive_ap(q, db, ql, dl, k=None, denominator="retrieved"):
    order = ranking_index_order(q, db)
    rels = [relevant(ql, dl[i]) for i in order]
    return ap_of_order(rels, k, denominator, sum(rels))


def naive_expected_ap(q, db, ql, dl, k=None, denominator="retrieved"):
    """Exact average over every permutation inside every tie group (tiny inputs only)."""
    groups = {}
    for i, code in enumerate(db):
        groups.setdefault(hamming(q, code), []).append(relevant(ql, dl[i]))
    per_group = [list(set(itertools.permutations(groups[d]))) for d in sorted(groups)]
    n_rel = sum(sum(g) for g in groups.values())
    values = []
    weights = []
    for combo in itertools.product(*per_group):
        weight = 1
        for g, perms in zip(combo, per_group):
            weight *= 1  # every distinct arrangement of a multiset of 0/1 is equally likely
        rels = [x for g in combo for x in g]
        values.append(ap_of_order(rels, k, denominator, n_rel))
        weights.append(weight)
    return sum(values, Fraction(0)) / len(values)


def naive_precision_radius(q, db, ql, dl, r):
    inside = [i for i, code in enumerate(db) if hamming(q, code) <= r]
    if not inside:
        return Fraction(0)
    return Fraction(sum(relevant(ql, dl[i]) for i in inside), len(inside))

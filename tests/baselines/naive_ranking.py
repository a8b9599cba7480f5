"""Naive mAP@all for the baseline tests: Hamming ranking by loops, stable ties, AP over the whole ranking."""
import numpy as np


def naive_map(codes_q, codes_db, yq, ydb) -> float:
    """mAP@all of {0,1} query codes ``(n_q, n_bits)`` against database codes ``(n_db, n_bits)``."""
    d = (codes_q[:, None, :] != codes_db[None]).sum(-1)
    aps = []
    for i in range(len(codes_q)):
        rel = ydb[np.argsort(d[i], kind="stable")] == yq[i]
        aps.append((np.cumsum(rel) / np.arange(1, len(rel) + 1))[rel].mean())
    return float(np.mean(aps))

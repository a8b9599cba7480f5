"""Fixed, seeded, checksummed evaluation protocols: query / train / validation / database splits.

=============  ===========================================================================
protocol       definition
=============  ===========================================================================
``cnnh``       CNNH / DNNH (Xia et al. 2014, Lai et al. 2015): per class, 100 queries and
               500 training images drawn at random from all images (official train + test);
               database = every non-query image (59,000 for CIFAR-10, 69,000 for MNIST).
``dlbhc``      DLBHC / SSDH released code: queries = the official test set; database =
               the official training set; training = the official training set minus the
               validation images.
``cnnh-mini``  ``cnnh`` scaled down for the embedded ``digits`` (10 queries and 50 training
               images per class) so that the default job runs in seconds.
=============  ===========================================================================

Validation (model selection, early stopping) is carved out of the training pool, never from
the queries: for ``cnnh`` it is drawn from the non-query, non-training images (so the
training set keeps the paper's size); for ``dlbhc`` it is removed from the training images
(they stay in the database). Validation mAP ranks the training images for each validation
query. Every split has a :meth:`Split.digest` that tests pin.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from hashlib_core.data.dataset import Dataset

__all__ = ["Split", "make_split", "PROTOCOLS"]


@dataclass(frozen=True)
class Split:
    """Index sets into a :class:`~hashlib_core.data.Dataset` (int64, sorted ascending).

    Attributes:
        query: ``(n_query,)`` test queries; never used for training or model selection.
        train: ``(n_train,)`` images the model is fitted on.
        validation: ``(n_val,)`` held-out queries for model selection (retrieve from ``train``).
        database: ``(n_db,)`` the retrieval set the queries are ranked against.
    """

    protocol: str
    dataset: str
    variant: str
    seed: int
    query: np.ndarray
    train: np.ndarray
    validation: np.ndarray
    database: np.ndarray

    def digest(self) -> str:
        """A 16-hex-digit SHA-256 digest of the four index arrays (identifies the split exactly)."""
        h = hashlib.sha256()
        for name in ("query", "train", "validation", "database"):
            h.update(name.encode())
            h.update(np.ascontiguousarray(getattr(self, name), dtype="<i8").tobytes())
        return h.hexdigest()[:16]

    def sizes(self) -> dict[str, int]:
        return {name: int(len(getattr(self, name))) for name in ("query", "train", "validation", "database")}

    def describe(self) -> dict:
        """A JSON-ready summary for result records."""
        return {"protocol": self.protocol, "dataset": self.dataset, "variant": self.variant,
                "seed": self.seed, "digest": self.digest(), **{f"n_{k}": v for k, v in self.sizes().items()}}


def _per_class_draw(labels: np.ndarray, pool: np.ndarray, counts: list[int], rng: np.random.Generator,
                    what: list[str], dataset: str) -> list[np.ndarray]:
    """From ``pool``, draw disjoint per-class groups of sizes ``counts`` (one group per entry)."""
    groups: list[list[np.ndarray]] = [[] for _ in counts]
    for c in np.unique(labels):
        members = pool[labels[pool] == c]
        need = sum(counts)
        if len(members) < need:
            asked = " + ".join(f"{n} {w}" for n, w in zip(counts, what))
            raise ValueError(f"{dataset}: class {c} has {len(members)} images available, but the protocol "
                             f"asks for {asked} = {need} per class")
        perm = rng.permutation(members)
        start = 0
        for g, n in enumerate(counts):
            groups[g].append(perm[start:start + n])
            start += n
    return [np.sort(np.concatenate(g)).astype(np.int64) for g in groups]


def _cnnh(ds: Dataset, seed: int, n_query_per_class: int = 100, n_train_per_class: int = 500,
          n_val_per_class: int = 100) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    pool = np.arange(len(ds), dtype=np.int64)
    query, train, val = _per_class_draw(ds.labels, pool, [n_query_per_class, n_train_per_class, n_val_per_class],
                                        rng, ["queries", "training", "validation"], ds.name)
    database = np.setdiff1d(pool, query)
    return query, train, val, database


def _cnnh_mini(ds: Dataset, seed: int) -> tuple[np.ndarray, ...]:
    return _cnnh(ds, seed, n_query_per_class=10, n_train_per_class=50, n_val_per_class=10)


def _dlbhc(ds: Dataset, seed: int, n_val_per_class: int = 100) -> tuple[np.ndarray, ...]:
    if ds.n_train_official >= len(ds):
        raise ValueError(f"protocol 'dlbhc' needs an official test set, and {ds.name} has none; "
                         f"use 'cnnh' or 'cnnh-mini'")
    rng = np.random.default_rng(seed)
    database = np.arange(ds.n_train_official, dtype=np.int64)
    query = np.arange(ds.n_train_official, len(ds), dtype=np.int64)
    (val,) = _per_class_draw(ds.labels, database, [n_val_per_class], rng, ["validation"], ds.name)
    train = np.setdiff1d(database, val)
    return query, train, val, database


PROTOCOLS = {"cnnh": _cnnh, "dlbhc": _dlbhc, "cnnh-mini": _cnnh_mini}


def make_split(dataset: Dataset, protocol: str, seed: int = 0, **sizes: int) -> Split:
    """Split ``dataset`` by a named protocol, deterministically from ``seed``.

    ``sizes`` overrides the protocol's per-class counts (``n_query_per_class``,
    ``n_train_per_class``, ``n_val_per_class``), e.g. for tiny smoke runs.

    Raises:
        ValueError: unknown protocol (lists valid ones), or more per-class images asked than exist.
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; valid protocols: {', '.join(PROTOCOLS)}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    try:
        query, train, val, database = PROTOCOLS[protocol](dataset, int(seed), **sizes)
    except TypeError as exc:
        raise ValueError(f"protocol {protocol!r} does not take {sorted(sizes)}: {exc}") from None
    return Split(protocol=protocol, dataset=dataset.name, variant=dataset.variant, seed=int(seed),
                 query=query, train=train, validation=val, database=database)

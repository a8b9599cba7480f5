"""Figures for the book: precision-recall, precision@N, mAP vs bits (with the papers' marks), training curves."""
from __future__ import annotations

import os

from hashlib_core.papers import paper_numbers
from hashlib_core.report import comparison_rows

__all__ = ["plot_pr_curves", "plot_precision_at_n", "plot_map_vs_bits", "plot_training", "plot_run", "plot_retrieval",
           "show_curves"]


def _axes(ax):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.6))
    return ax


def _label(record: dict) -> str:
    return f"{record['method']} {record['n_bits']}b s{record['seed']}"


def plot_pr_curves(records: list[dict], ax=None, title: str = "Precision-recall (Hamming radius sweep)"):
    """Precision vs recall, one curve per record, from ``record['curves']['pr_curve']``."""
    ax = _axes(ax)
    for rec in records:
        curve = rec["curves"]["pr_curve"]
        ax.plot(curve["recall"], curve["precision"], marker=".", markersize=3, label=_label(rec))
    ax.set(xlabel="recall", ylabel="precision", title=title, xlim=(0, 1.02), ylim=(0, 1.02))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return ax


def plot_precision_at_n(records: list[dict], ax=None, title: str = "Precision at top N"):
    """Precision among the first N retrieved, one curve per record."""
    ax = _axes(ax)
    for rec in records:
        curve = rec["curves"]["precision@n"]
        ax.plot(curve["n"], curve["precision"], label=_label(rec))
    ax.set(xlabel="N (items retrieved)", ylabel="precision", title=title, ylim=(0, 1.02))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return ax


def plot_map_vs_bits(results_dir: str | os.PathLike, profile: str, dataset: str, protocol: str,
                     metric: str = "map@all", paper: str | None = None, ax=None):
    """Our mean ± std over seeds per method (lines) and the papers' figures (hollow markers, dashed)."""
    ax = _axes(ax)
    rows = comparison_rows(results_dir, profile, dataset, protocol, metric, paper)
    methods = sorted({r["method"] for r in rows})
    colors = {}
    for method in methods:
        ours = [r for r in rows if r["method"] == method and r["ours_mean"] is not None]
        if ours:
            line = ax.errorbar([r["n_bits"] for r in ours], [r["ours_mean"] for r in ours],
                               yerr=[r["ours_std"] for r in ours], marker="o", capsize=3, label=f"{method} (ours)")
            colors[method] = line[0].get_color()
    for method in methods:
        published = [p for p in paper_numbers(paper=paper, dataset=dataset, protocol=protocol, metric=metric)
                     if p.method == method]
        if published:
            ax.plot([p.n_bits for p in published], [p.value for p in published], linestyle="--", marker="s",
                    markerfacecolor="none", color=colors.get(method), label=f"{method} (paper)")
    ax.set(xlabel="bits", ylabel=metric, title=f"{dataset} / {protocol} ({profile} profile)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    return ax


def plot_training(record: dict, ax=None):
    """Training loss and validation mAP per epoch from ``record['training']['history']``."""
    ax = _axes(ax)
    history = record.get("training", {}).get("history") or []
    if not history:
        ax.text(0.5, 0.5, "no training history (a baseline)", ha="center", transform=ax.transAxes)
        return ax
    epochs = [h.get("epoch", i + 1) for i, h in enumerate(history)]
    ax.plot(epochs, [h.get("loss") for h in history], color="tab:blue", marker=".", label="training loss")
    ax.set(xlabel="epoch", ylabel="loss", title="Training")
    val = [(e, h.get("val_map")) for e, h in zip(epochs, history) if h.get("val_map") is not None]
    if val:
        twin = ax.twinx()
        twin.plot(*zip(*val), color="tab:orange", marker="o", label="validation mAP")
        twin.set_ylabel("validation mAP")
        twin.legend(loc="lower right", fontsize=7)
    ax.legend(loc="upper right", fontsize=7)
    return ax


def plot_run(record: dict):
    """One run at a glance: precision-recall, precision@N and (for deep methods) the training curves."""
    import matplotlib.pyplot as plt

    has_history = bool(record.get("training", {}).get("history"))
    fig, axes = plt.subplots(1, 3 if has_history else 2, figsize=(13 if has_history else 9, 3.4))
    plot_pr_curves([record], ax=axes[0])
    plot_precision_at_n([record], ax=axes[1])
    if has_history:
        plot_training(record, ax=axes[2])
    fig.suptitle(f"{record['method']} on {record['variant']} ({record['protocol']}), {record['n_bits']} bits, "
                 f"seed {record['seed']}, {record['profile']} profile", fontsize=10)
    fig.tight_layout()
    return fig


def plot_retrieval(images, query_images, retrieved, distances=None, n_show: int = 8):
    """Show query images (rows) and their first ``n_show`` retrieved database images.

    Args:
        images: database images ``(n_db, H, W[, C])`` uint8.
        query_images: ``(n_q, H, W[, C])`` uint8.
        retrieved: ``(n_q, >= n_show)`` database indices in ranking order.
        distances: optional ``(n_q, >= n_show)`` Hamming distances shown above each image.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    retrieved = np.asarray(retrieved)
    n_q = len(query_images)
    fig, axes = plt.subplots(n_q, n_show + 1, figsize=(1.1 * (n_show + 1), 1.2 * n_q), squeeze=False)
    cmap = "gray" if query_images.ndim == 3 else None
    for i in range(n_q):
        axes[i, 0].imshow(query_images[i], cmap=cmap)
        axes[i, 0].set_title("query", fontsize=7)
        for j in range(n_show):
            axes[i, j + 1].imshow(images[retrieved[i, j]], cmap=cmap)
            if distances is not None:
                axes[i, j + 1].set_title(f"d={int(np.asarray(distances)[i, j])}", fontsize=7)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def show_curves(results_dir: str | os.PathLike, profile: str, n_bits: int = 48, seed: int = 0) -> int:
    """For each (variant, protocol) with records at ``n_bits`` bits and ``seed``: PR and P@N of every method."""
    import matplotlib.pyplot as plt
    from pathlib import Path

    from hashlib_core.results import iter_records

    if not Path(results_dir, profile).is_dir():
        print(f"no {profile}-profile records under {results_dir}")
        return 0
    groups: dict[tuple, list[dict]] = {}
    for rec in iter_records(results_dir, profile):
        if rec["n_bits"] == n_bits and rec["seed"] == seed:
            groups.setdefault((rec["variant"], rec["protocol"]), []).append(rec)
    for (variant, protocol), records in sorted(groups.items()):
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
        plot_pr_curves(records, ax=axes[0], title=f"{variant} / {protocol}: precision-recall")
        plot_precision_at_n(records, ax=axes[1], title=f"{variant} / {protocol}: precision at N")
        fig.tight_layout()
        plt.show()
    if not groups:
        print(f"no {profile}-profile record at {n_bits} bits, seed {seed}")
    return len(groups)

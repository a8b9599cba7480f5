"""Figures for the book: precision-recall, precision@N, mAP vs bits (with the papers' marks), training curves,
validation mAP against images seen, what a method's codes look like (activations, bit rates, codes by class),
retrieval grids with hits and misses. The data come from :mod:`hashlib_core.report` and
:mod:`hashlib_core.dynamics`; tables and Markdown are in :mod:`hashlib_core.display`, which this module never imports.

Every method has one colour in every figure (:data:`METHOD_COLORS`); the papers' figures are drawn in
the colour of their method, dashed with hollow marks; legends sit outside the axes.
"""
from __future__ import annotations

import os

import numpy as np

from hashlib_core.methods import METHOD_PAPER
from hashlib_core.papers import PAPER_NUMBERS, paper_numbers
from hashlib_core.report import comparison_rows

__all__ = ["plot_pr_curves", "plot_precision_at_n", "plot_map_vs_bits", "plot_training", "plot_run", "plot_retrieval",
           "show_curves", "METHOD_COLORS", "method_color", "plot_code_anatomy", "compare_retrieval", "method_figures",
           "plot_learning_curves"]

#: one colour per method (and per reference method of the papers), the same in every figure
METHOD_COLORS = {
    "dnnh": "#1f77b4", "dnnh-fc": "#6baed6", "expo": "#d62728", "expo-pretrain": "#fc8d59",
    "nin-latent": "#2ca02c", "dlbhc": "#74c476", "ssdh": "#9467bd", "cnnh": "#e377c2", "cnnh+": "#8c564b",
    "lsh": "#7f7f7f", "itq": "#bcbd22", "itq-cca": "#17becf", "ksh": "#ff7f0e", "sh": "#393b79",
}
_HIT, _MISS = "#1a9850", "#d73027"


def method_color(method: str) -> str:
    """The colour of ``method`` (case-insensitive); other names get a stable colour of matplotlib's tab20."""
    import matplotlib

    name = method.lower()
    if name in METHOD_COLORS:
        return METHOD_COLORS[name]
    return matplotlib.colors.to_hex(matplotlib.colormaps["tab20"](sum(map(ord, name)) % 20))


def _axes(ax, figsize=(5.6, 3.6)):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _legend_outside(ax, **kwargs) -> None:
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, frameon=False, **kwargs)


def _label(record: dict) -> str:
    return f"{record['method']} {record['n_bits']}b s{record['seed']}"


def plot_pr_curves(records: list[dict], ax=None, title: str = "Precision-recall (Hamming radius sweep)"):
    """Precision vs recall, one curve per record (coloured by method), from ``record['curves']['pr_curve']``."""
    ax = _axes(ax)
    for rec in records:
        curve = rec["curves"]["pr_curve"]
        ax.plot(curve["recall"], curve["precision"], marker=".", markersize=3, color=method_color(rec["method"]),
                label=_label(rec))
    ax.set(xlabel="recall", ylabel="precision", title=title, xlim=(0, 1.02), ylim=(0, 1.02))
    ax.grid(alpha=0.3)
    _legend_outside(ax)
    return ax


def plot_precision_at_n(records: list[dict], ax=None, title: str = "Precision at top N"):
    """Precision among the first N retrieved, one curve per record (coloured by method)."""
    ax = _axes(ax)
    for rec in records:
        curve = rec["curves"]["precision@n"]
        ax.plot(curve["n"], curve["precision"], color=method_color(rec["method"]), label=_label(rec))
    ax.set(xlabel="N (items retrieved)", ylabel="precision", title=title, ylim=(0, 1.02))
    ax.grid(alpha=0.3)
    _legend_outside(ax)
    return ax


def plot_learning_curves(rows: list[dict], ax=None, title: str = "Validation mAP against images seen"):
    """Validation mAP against images seen (millions): one line per (profile, method, bits, seed) of the rows of
    :func:`hashlib_core.dynamics.learning_curves`; the first profile solid, the others dashed and dotted."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4))
    runs: dict[tuple, list[dict]] = {}
    for row in rows:
        runs.setdefault((row["profile"], row["method"], row["n_bits"], row["seed"]), []).append(row)
    profiles = dict.fromkeys(r["profile"] for r in rows)
    styles = {profile: ("-", "--", ":")[min(i, 2)] for i, profile in enumerate(profiles)}
    for (profile, method, n_bits, seed), points in sorted(runs.items()):
        ax.plot([p["images"] / 1e6 for p in points], [p["val_map"] for p in points], marker="o", markersize=3,
                linestyle=styles[profile], label=f"{method} {n_bits}b s{seed} ({profile})")
    ax.set(xlabel="images seen (millions)", ylabel="validation mAP", title=title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    return ax


def _paper_of(method: str) -> str:
    return METHOD_PAPER.get(method) or next((p.paper for p in PAPER_NUMBERS if p.method == method), "other")


def _draw_map_vs_bits(ax, rows: list[dict], published: list, title: str, metric: str) -> None:
    """Ours (mean ± std, solid) and the paper's figures (dashed, hollow) of the methods in ``rows``."""
    for method in sorted({r["method"] for r in rows}):
        color = method_color(method)
        ours = [r for r in rows if r["method"] == method and r["ours_mean"] is not None]
        if ours:
            ax.errorbar([r["n_bits"] for r in ours], [r["ours_mean"] for r in ours], yerr=[r["ours_std"] for r in ours],
                        marker="o", capsize=3, color=color, label=f"{method} (ours)")
        theirs = [p for p in published if p.method == method]
        if theirs:
            ax.plot([p.n_bits for p in theirs], [p.value for p in theirs], linestyle="--", marker="s",
                    markerfacecolor="none", color=color, label=f"{method} (paper)")
    ax.set(xlabel="bits", ylabel=metric)
    ax.set_title(title, fontsize=11)
    ax.grid(alpha=0.3)
    _legend_outside(ax)


def plot_map_vs_bits(results_dir: str | os.PathLike, profile: str, dataset: str, protocol: str,
                     metric: str = "map@all", paper: str | None = None, ax=None):
    """Our mean ± std over seeds per method (solid) and the papers' figures (dashed, hollow marks).

    With ``paper=None`` and no ``ax``: one panel per paper (its methods only), two panels a row;
    returns the axes.
    """
    import matplotlib.pyplot as plt

    from hashlib_core.verdict import PAPER_LABELS

    rows = comparison_rows(results_dir, profile, dataset, protocol, metric, paper)
    published = paper_numbers(paper=paper, dataset=dataset, protocol=protocol, metric=metric)
    if paper is not None or ax is not None:
        ax = _axes(ax)
        _draw_map_vs_bits(ax, rows, published, f"{dataset} / {protocol} ({profile} profile)", metric)
        return ax
    papers = [p for p in PAPER_LABELS if any(_paper_of(r["method"]) == p for r in rows)]
    ncols = min(2, len(papers)) or 1
    nrows = -(-len(papers) // ncols) or 1
    fig, axes = plt.subplots(nrows, ncols, figsize=(9.5, 3.4 * nrows), squeeze=False, layout="constrained")
    for ax, p in zip(axes.ravel(), papers):
        _draw_map_vs_bits(ax, [r for r in rows if _paper_of(r["method"]) == p], published, PAPER_LABELS[p], metric)
    for ax in axes.ravel()[len(papers):]:
        ax.set_visible(False)
    fig.suptitle(f"{dataset} / {protocol}: {metric} against bits ({profile} profile; dashed: the paper's figures)",
                 fontsize=12)
    return axes


def plot_training(record: dict, ax=None):
    """Training loss per epoch (one line per phase, the switch marked) and validation mAP (right axis)."""
    ax = _axes(ax)
    history = record.get("training", {}).get("history") or []
    if not history:
        ax.text(0.5, 0.5, "no training history (a baseline)", ha="center", transform=ax.transAxes)
        return ax
    epochs = [h.get("epoch", i + 1) for i, h in enumerate(history)]
    pretrain = [e for e, h in zip(epochs, history) if h.get("phase") == "pretrain"]
    phases = (("pretrain", "tab:gray", "pre-training loss (cross-entropy)"),
              ("hash", "tab:blue", "hashing loss" if pretrain else "training loss"))
    for phase, color, label in phases:
        points = [(e, h.get("loss")) for e, h in zip(epochs, history)
                  if (h.get("phase") == "pretrain") == (phase == "pretrain")]
        if points:
            ax.plot(*zip(*points), color=color, marker=".", label=label)
    if pretrain:
        ax.axvline(max(pretrain) + 0.5, color="black", linestyle=":", linewidth=1)
        ax.text(max(pretrain) + 0.6, 0.5, "hashing starts", transform=ax.get_xaxis_transform(), fontsize=8,
                rotation=90, va="center")
    ax.set(xlabel="epoch", ylabel="loss", title="Training")
    handles, labels = ax.get_legend_handles_labels()
    val = [(e, h.get("val_map")) for e, h in zip(epochs, history) if h.get("val_map") is not None]
    if val:
        twin = ax.twinx()
        twin.plot(*zip(*val), color="tab:orange", marker="o", label="validation mAP")
        twin.set_ylabel("validation mAP")
        more = twin.get_legend_handles_labels()
        handles, labels = handles + more[0], labels + more[1]
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=8, frameon=False, ncol=2)
    return ax


def plot_run(record: dict):
    """One run at a glance: precision-recall, precision@N and (for deep methods) the training curves."""
    import matplotlib.pyplot as plt

    has_history = bool(record.get("training", {}).get("history"))
    fig, axes = plt.subplots(1, 3 if has_history else 2, figsize=(13 if has_history else 10, 4), layout="constrained")
    plot_pr_curves([record], ax=axes[0], title="Precision-recall")
    plot_precision_at_n([record], ax=axes[1])
    for ax in axes[:2]:
        ax.get_legend().remove()  # one record: the title says which
    if has_history:
        plot_training(record, ax=axes[2])
    fig.suptitle(f"{record['method']}, {record['variant']} / {record['protocol']}, {record['n_bits']} bits, "
                 f"seed {record['seed']} ({record['profile']} profile)", fontsize=15)
    return fig


def _frame(ax, color: str | None) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(color is not None)
        if color is not None:
            spine.set_edgecolor(color)
            spine.set_linewidth(3)


def plot_retrieval(images, query_images, retrieved, distances=None, n_show: int = 8, query_labels=None,
                   db_labels=None, row_names: list[str] | None = None):
    """Show query images (rows) and their first ``n_show`` retrieved database images.

    Args:
        images: database images ``(n_db, H, W[, C])`` uint8.
        query_images: ``(n_q, H, W[, C])`` uint8.
        retrieved: ``(n_q, >= n_show)`` database indices in ranking order.
        distances: optional ``(n_q, >= n_show)`` Hamming distances shown above each image.
        query_labels, db_labels: optional labels; with both, each retrieved image gets a green
            (same label: a hit) or red (a miss) frame and each row its hit count.
        row_names: optional name of each row (e.g. the method), shown left of the query.
    """
    import matplotlib.pyplot as plt

    retrieved = np.asarray(retrieved)
    n_q = len(query_images)
    fig, axes = plt.subplots(n_q, n_show + 1, figsize=(1.05 * (n_show + 1), 1.25 * n_q), squeeze=False)
    cmap = "gray" if query_images.ndim == 3 else None
    labelled = query_labels is not None and db_labels is not None
    for i in range(n_q):
        hits = [bool(db_labels[retrieved[i, j]] == query_labels[i]) if labelled else None for j in range(n_show)]
        axes[i, 0].imshow(query_images[i], cmap=cmap)
        _frame(axes[i, 0], "black")
        axes[i, 0].set_title(f"query ({sum(hits)}/{n_show} hits)" if labelled else "query", fontsize=8)
        if row_names:
            axes[i, 0].set_ylabel(row_names[i], fontsize=9, rotation=0, ha="right", va="center")
        for j in range(n_show):
            axes[i, j + 1].imshow(images[retrieved[i, j]], cmap=cmap)
            _frame(axes[i, j + 1], None if hits[j] is None else (_HIT if hits[j] else _MISS))
            if distances is not None:
                axes[i, j + 1].set_title(f"d={int(np.asarray(distances)[i, j])}", fontsize=7)
    fig.tight_layout()
    return fig


def compare_retrieval(db_images, query_images, codes: dict, query_labels, db_labels, n_show: int = 10):
    """Retrieval grids of several methods side by side: for each query, one row per method.

    ``codes``: ``{name: (query_codes, db_codes)}`` ({0,1} arrays, the queries in the order of
    ``query_images``). Frames: green = same label as the query (a hit), red = a miss.
    """
    from hashlib_core.eval import search

    rows, queries, names, labels = [], [], [], []
    for i in range(len(query_images)):
        for name, (q, d) in codes.items():
            _, indices = search(np.asarray(q)[i:i + 1], d, n_show)
            rows.append(np.asarray(indices.cpu())[0])
            queries.append(query_images[i])
            names.append(name)
            labels.append(query_labels[i])
    return plot_retrieval(db_images, np.stack(queries), np.stack(rows), n_show=n_show, query_labels=np.asarray(labels),
                          db_labels=db_labels, row_names=names)


def plot_code_anatomy(relaxed, codes, labels, threshold: float = 0.5, title: str | None = None):
    """What a method's codes look like, in three panels.

    ``relaxed`` ``(n, q)``: the activations before thresholding (histogram, with the threshold);
    ``codes`` ``(n, q)`` {0,1}: how often each bit fires (ideally near 0.5) and the codes themselves,
    rows sorted by ``labels`` ``(n,)`` (same-class rows should look alike, classes should differ).
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    relaxed, codes, labels = (np.asarray(a, dtype=float) for a in (relaxed, codes, labels))
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), layout="constrained")
    axes[0].hist(relaxed.ravel(), bins=50, color="tab:blue")
    axes[0].axvline(threshold, color="black", linestyle="--", linewidth=1)
    axes[0].set(xlabel=f"relaxed activation (threshold {threshold:g})", ylabel="count", title="Before thresholding")
    rates = codes.mean(axis=0)
    axes[1].bar(np.arange(len(rates)), rates, color="tab:green")
    axes[1].axhline(0.5, color="black", linestyle="--", linewidth=1)
    axes[1].set(xlabel="bit", ylabel="fraction of items with bit = 1", ylim=(0, 1), title="Per-bit firing rate")
    axes[1].xaxis.set_major_locator(MaxNLocator(integer=True))
    order = np.argsort(labels, kind="stable")
    axes[2].imshow(codes[order], aspect="auto", cmap="gray_r", interpolation="nearest")
    classes, starts = np.unique(labels[order], return_index=True)
    for start in starts[1:]:
        axes[2].axhline(start - 0.5, color="tab:red", linewidth=0.8)
    ends = list(starts[1:]) + [len(order)]
    axes[2].set_yticks([(s + e) / 2 for s, e in zip(starts, ends)], [f"{c:g}" for c in classes], fontsize=7)
    axes[2].set(xlabel="bit", ylabel="class", title="Codes, sorted by class (black = 1)")
    if title:
        fig.suptitle(title, fontsize=12)
    return fig


def method_figures(model, dataset, split, name: str, relaxed: str = "sigmoid", threshold: float = 0.5,
                   n_queries: int = 3, seed: int = 0) -> None:
    """A trained network's codes on ``split.database`` (:func:`plot_code_anatomy`) and its retrieval beside LSH's.

    ``relaxed``: the output of the network read before thresholding (``"sigmoid"`` or ``"relaxed"``);
    LSH gets the same number of bits, fitted on the training images' pixels.
    """
    import matplotlib.pyplot as plt
    import torch

    from hashlib_core.baselines import LSH
    from hashlib_core.features import pixel_features

    model.eval()
    with torch.no_grad():
        out = model(model.preprocess(dataset.images[split.database]))
    codes, labels = model.head.bits(out).numpy().astype(np.uint8), dataset.labels[split.database]
    plot_code_anatomy(out[relaxed].float().numpy(), codes, labels, threshold, f"{name} on {dataset.name}: "
                      f"{relaxed} outputs, bits at {threshold:g}")
    plt.show()
    pixels = pixel_features(dataset.images)
    lsh = LSH(n_bits=codes.shape[1], random_state=seed).fit(pixels[split.train])
    queries = split.query[:n_queries]
    compare_retrieval(dataset.images[split.database], dataset.images[queries],
                      {name: (model.encode(dataset.images[queries]).numpy(), codes),
                       "LSH": (lsh.transform(pixels[queries]), lsh.transform(pixels[split.database]))},
                      dataset.labels[queries], labels)
    plt.show()


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
        fig, axes = plt.subplots(1, 2, figsize=(12, 3.8), layout="constrained")
        plot_pr_curves(records, ax=axes[0], title=f"{variant} / {protocol}: precision-recall")
        plot_precision_at_n(records, ax=axes[1], title=f"{variant} / {protocol}: precision at N")
        axes[0].get_legend().remove()  # the same records in both panels: one legend
        plt.show()
    if not groups:
        print(f"no {profile}-profile record at {n_bits} bits, seed {seed}")
    return len(groups)

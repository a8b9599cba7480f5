"""What the book's notebooks show: :mod:`hashlib_core.report`'s rows as DataFrames and Markdown, with figures.

:mod:`hashlib_core.report` makes the rows (plain data), :mod:`hashlib_core.plots` draws the figures;
this module puts them on the page (pandas, IPython). It imports both; neither imports it.
"""
from __future__ import annotations

import inspect
import os
from pathlib import Path

import pandas as pd
from IPython.display import Markdown, display

from hashlib_core import report
from hashlib_core.results.summary import summary_rows

__all__ = ["comparison_table", "metrics_table", "show_metrics", "show_comparison", "inventory", "gap_notes",
           "audit_records", "show_source"]


def _no_records(results_dir: str | os.PathLike, profile: str) -> pd.DataFrame:
    return pd.DataFrame({"note": [f"no {profile}-profile records under {results_dir}"]})


def comparison_table(results_dir: str | os.PathLike, profile: str, dataset: str, protocol: str,
                     metric: str = "map@all", paper: str | None = None) -> pd.DataFrame:
    """:func:`~hashlib_core.report.comparison_rows` as a DataFrame (``ours`` as ``mean ± std (n)``)."""
    rows = report.comparison_rows(results_dir, profile, dataset, protocol, metric, paper)
    fmt = lambda v: "" if v is None else f"{v:.3f}"
    return pd.DataFrame([{
        "method": r["method"], "bits": r["n_bits"], f"paper {metric}": fmt(r["paper"]),
        f"ours {metric}": report.format_ours(r),
        "difference": "" if r["difference"] is None else f"{r['difference']:+.3f}",
        "deviations from the paper": r["deviations"] or r["setting"],
        **({"cost": r["cost"]} if any(x["cost"] for x in rows) else {}),
    } for r in rows])


def metrics_table(record: dict) -> pd.DataFrame:
    """The scalar metrics of one record as a one-column DataFrame."""
    metrics = {k: v for k, v in record["metrics"].items() if isinstance(v, (int, float))}
    return pd.DataFrame({"value": metrics}).rename_axis("metric")


def show_metrics(record: dict):
    """The record's scalar metrics as a styled table: counts (``n_…``) as integers, the rest to four decimals."""
    table = metrics_table(record)
    counts = [name for name in table.index if name.startswith("n_")]
    return table.style.format("{:.4f}").format("{:.0f}", subset=(counts, table.columns))


def show_comparison(paper: str | None, results_dir: str | os.PathLike, profile: str,
                    settings: list[tuple[str, str, str]] | None = None) -> int:
    """Display, for each of the chapter's settings, the mAP-vs-bits figure and the comparison table.

    Returns the number of settings that had at least one of our records; says so when none.
    """
    import matplotlib.pyplot as plt

    from hashlib_core.plots import plot_map_vs_bits

    shown = 0
    for dataset, protocol, metric in settings or report.CHAPTER_SETTINGS[paper or "baselines"]:
        rows = report.comparison_rows(results_dir, profile, dataset, protocol, metric, paper)
        have_ours = any(r["ours_mean"] is not None for r in rows)
        display(Markdown(f"**{dataset} / {protocol} — {metric}** ({profile} profile records in "
                         f"`{os.path.basename(os.path.abspath(results_dir))}/`)"))
        if not have_ours:
            display(Markdown(f"*No {profile}-profile record for this setting yet: only the paper's numbers "
                             "are shown. Run `python -m hashlib_core reproduce --profile "
                             f"{profile}` to produce them.*"))
        if rows:
            if have_ours and metric != "accuracy":
                plot_map_vs_bits(results_dir, profile, dataset, protocol, metric, paper)
                plt.show()
            display(comparison_table(results_dir, profile, dataset, protocol, metric, paper))
        shown += have_ours
    return shown


def inventory(results_dir: str | os.PathLike, profile: str) -> pd.DataFrame:
    """How many records of ``profile`` there are per (dataset variant, protocol, method), and what ran them."""
    rows = summary_rows(results_dir, profile) if Path(results_dir, profile).is_dir() else []
    if not rows:
        return _no_records(results_dir, profile)
    return (pd.DataFrame(rows).groupby(["variant", "protocol", "method"])
            .agg(records=("seed", "size"), bits=("n_bits", lambda b: " ".join(map(str, sorted(set(b))))),
                 seeds=("seed", lambda s: len(set(s))), device=("device", "first"),
                 hours=("wall_time_s", lambda t: round(sum(x or 0 for x in t) / 3600, 2)))
            .reset_index())


def gap_notes(results_dir: str | os.PathLike, profile: str, threshold: float = report.GAP_TO_EXPLAIN) -> Markdown:
    """:func:`~hashlib_core.report.gap_markdown` (every gap to the paper above ``threshold``) as Markdown."""
    return Markdown(report.gap_markdown(results_dir, profile, threshold))


def audit_records(results_dir: str | os.PathLike, profile: str, strict: bool = True) -> pd.DataFrame:
    """:func:`~hashlib_core.report.audit_rows` per (variant, protocol, method), with a progress bar.

    Columns: the number of records checked, the largest |stored − recomputed| of each scalar metric
    and of the curves, and the notes.

    Raises:
        AuditError: with ``strict`` (the default, what the book does), when any stored value differs
            from its recomputation; the message names every such record and metric.
    """
    from tqdm.auto import tqdm

    progress = lambda records: tqdm(records, desc="recomputing from stored codes", unit="record",
                                    disable=len(records) < 20)
    rows = report.audit_rows(results_dir, profile, strict, progress)
    if not rows:
        return _no_records(results_dir, profile)
    frame = pd.DataFrame(rows)
    columns = {c: (c, "max") for c in frame.columns if c.startswith("max")}
    return (frame.groupby(["variant", "protocol", "method"])
            .agg(records=("method", "size"), **columns, notes=("notes", lambda n: "; ".join(sorted(set(n) - {""}))))
            .reset_index())


def show_source(*objects) -> Markdown:
    """The source code of functions or classes as one highlighted Python block (for the book's chapters)."""
    return Markdown("\n".join(f"```python\n{inspect.getsource(obj).rstrip()}\n```\n" for obj in objects))

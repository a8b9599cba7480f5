"""Tables for the book as plain data: our results (mean ± std over seeds) beside the papers' numbers.

Rows are lists of dicts and text is Markdown strings; nothing here imports pandas, IPython or
matplotlib (:mod:`hashlib_core.methods` is imported inside the functions that read it: it loads the
baselines, whose scikit-learn imports pandas). The notebooks show these through :mod:`hashlib_core.display`.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable

from hashlib_core.papers import paper_numbers
from hashlib_core.results.summary import aggregate, summary_rows

__all__ = ["LEAD_PROFILE", "GAP_TO_EXPLAIN", "CHAPTER_SETTINGS", "ALL_SETTINGS", "comparison_rows", "deviations",
           "training_note", "cost_note", "format_ours", "describe_run", "gap_markdown", "audit_rows",
           "markdown_table", "grid_cost"]

#: gaps larger than this are explained in the book (issue: reproduce the papers' tables)
GAP_TO_EXPLAIN = 0.03
#: the profile the comparison chapter and the README lead with (paper-width networks trained on a
#: CPU); the chapter then shows the notebooks' ``results_profile`` (the fast ``reduced`` profile)
LEAD_PROFILE = "cpu"
#: the (dataset, protocol, metric) settings each chapter compares with its paper
CHAPTER_SETTINGS = {
    "dnnh": [("cifar10", "cnnh", "map@all"), ("mnist", "cnnh", "map@all")],
    "mu-liu": [("mnist", "cnnh", "map@all"), ("cifar10", "cnnh", "map@all")],
    "nin-latent": [("cifar10", "dlbhc", "map@1000"), ("cifar10", "cnnh", "map@all"), ("mnist", "cnnh", "map@all")],
    "ssdh": [("cifar10", "dlbhc", "map@all"), ("cifar10", "dlbhc", "accuracy"), ("cifar10", "cnnh", "map@all"),
             ("mnist", "cnnh", "map@all")],
    "baselines": [("mnist", "cnnh", "map@all"), ("cifar10", "cnnh", "map@all")],
}
#: every (dataset, protocol, metric) setting of the comparison chapter, de-duplicated in order
ALL_SETTINGS = list(dict.fromkeys(s for settings in CHAPTER_SETTINGS.values() for s in settings))


def training_note(profile: str, method: str, dataset: str | None = None, protocol: str | None = None) -> str:
    """The profile's training settings for one deep cell, in words, read from the profile's TOML."""
    from hashlib_core.methods import METHODS
    from hashlib_core.profiles import PROFILE_NAMES, load_profile, method_settings

    if profile not in PROFILE_NAMES:
        return ""
    s = method_settings(load_profile(profile), method, dataset, "train", protocol)
    width = s.get("width_mult", 1.0)
    parts = ["paper-width NIN" if width == 1.0 else f"NIN at {width:g} of the paper's width",
             f"{s.get('epochs')} epochs"]
    if s.get("pretrain_epochs"):
        parts.append(f"after {s['pretrain_epochs']} classifier pre-training epochs")
    if s.get("augment"):
        parts.append("random crop + flip")
    defaults = METHODS[method].train_defaults
    parts.append(f"{s.get('optimizer') or defaults.get('optimizer')} lr {s.get('lr') or defaults.get('lr'):g}, "
                 f"{s.get('lr_schedule', 'cosine')} schedule")
    if s.get("dropout"):
        parts.append(f"dropout {s['dropout']:g} after pools 1 and 3")
    if method in ("dnnh", "dnnh-fc") and s.get("epsilon") == 0.5:
        parts.append("DNNH as its released network trains (no threshold in training, margin 2)")
    return f"{profile} profile: " + ", ".join(parts)


def _setting(profile: str | None, method: str, dataset: str | None, protocol: str | None, name: str):
    """A deep method's model setting ``name`` in ``profile`` (its TOML, else the method table's default)."""
    from hashlib_core.methods import METHODS
    from hashlib_core.profiles import PROFILE_NAMES, load_profile, method_settings

    settings = (method_settings(load_profile(profile), method, dataset, "train", protocol)
                if profile in PROFILE_NAMES else {})
    return settings.get(name, METHODS[method].model_defaults.get(name))


def _paper_pretrained(paper: str) -> bool:
    """Whether ``paper``'s published numbers come from an ImageNet-pretrained network (their setting says so)."""
    return any("pretrained" in p.setting.lower() for p in paper_numbers(paper=paper))


def deviations(variant: str, method: str, features: str | None = None, profile: str | None = None,
               dataset: str | None = None, protocol: str | None = None) -> str:
    """What differs from the paper's setting, in words (shown beside every comparison)."""
    from hashlib_core.methods import METHODS

    notes = []
    if variant == "cifar10-jpeg":
        notes.append("CIFAR-10 JPEG copy (q75), not the original pixels")
    if method in METHODS and _paper_pretrained(METHODS[method].paper):
        notes.append("trained from scratch: no ImageNet-pretrained AlexNet here")
    if method in METHODS and METHODS[method].is_deep:
        if _setting(profile, method, dataset, protocol, "batch_norm"):
            notes.append("BatchNorm after each convolution (not in the paper)")
        if profile is not None:
            notes.append(training_note(profile, method, dataset, protocol))
    if method == "lsh":
        notes.append("features centred before the random projections (the papers do not say)")
    if features == "gist":
        notes.append("our GIST implementation (32x32 input)")
    return "; ".join(notes)


def format_ours(row: dict, short: bool = False) -> str:
    """``mean ± std (n seeds)``, or ``mean (1 seed)`` (no spread from one run), or ``""`` without records.

    ``short`` drops the word: ``mean ± std (n)``, ``mean (1)`` (the README's tables).
    """
    if row["ours_mean"] is None:
        return ""
    n = row["n_seeds"]
    count = f"({n})" if short else f"({n} seed{'s' if n > 1 else ''})"
    if n < 2:
        return f"{row['ours_mean']:.3f} {count}"
    return f"{row['ours_mean']:.3f} ± {row['ours_std']:.3f} {count}"


def comparison_rows(results_dir: str | os.PathLike, profile: str, dataset: str, protocol: str,
                    metric: str = "map@all", paper: str | None = None) -> list[dict]:
    """One row per (method, n_bits): ours (mean, std, n seeds) and the paper's figure when there is one."""
    rows = [r for r in summary_rows(results_dir, profile) if r["dataset"] == dataset and r["protocol"] == protocol
            and (paper is None or r["paper"] == paper)] if Path(results_dir, profile).is_dir() else []
    ours = {(a["method"], a["n_bits"]): a for a in aggregate(rows, metric)}
    published = {(p.method, p.n_bits): p for p in paper_numbers(paper=paper, dataset=dataset, protocol=protocol,
                                                                  metric=metric)}
    out = []
    for key in sorted(set(ours) | set(published), key=lambda k: (k[0], k[1])):
        a, p = ours.get(key), published.get(key)
        row = {"method": key[0], "n_bits": key[1], "paper": p.value if p else None,
               "ours_mean": a["mean"] if a else None, "ours_std": a["std"] if a else None,
               "n_seeds": a["n_seeds"] if a else 0, "source": p.source if p else "",
               "setting": (p.setting if p else ""),
               "deviations": deviations(a["variant"], key[0], a["features"], profile, dataset, protocol) if a else "",
               "cost": cost_note(a) if a else ""}
        row["difference"] = (row["ours_mean"] - row["paper"]) if a and p else None
        row["explain"] = row["difference"] is not None and abs(row["difference"]) > GAP_TO_EXPLAIN
        out.append(row)
    return out


def cost_note(aggregated: dict) -> str:
    """A deep cell's mean wall-clock and training images per run, beside the paper's solver where known."""
    from hashlib_core.methods import METHOD_PAPER
    from hashlib_core.papers import SOLVER_IMAGES

    images, seconds = aggregated.get("images_seen"), aggregated.get("wall_time_s")
    if images is None or seconds is None:
        return ""
    note = f"{seconds / 3600:.2f} h, {images / 1e6:.2f} M images a run"
    solver = SOLVER_IMAGES.get(METHOD_PAPER.get(aggregated["method"], ""))
    return note + (f" ({solver[0] / 1e6:.0f} M in the paper's solver)" if solver else "")


def describe_run(record: dict) -> str:
    """One paragraph: what ran, where, how long, on which data copy."""
    env, t = record["environment"], record["timings"]
    split = record["split"]
    return (f"{record['method']} on {record['variant']} ({record['protocol']} protocol: {split['n_query']} queries, "
            f"{split['n_train']} training, {split['n_database']} database; split digest {split['digest']}), "
            f"{record['n_bits']} bits, seed {record['seed']}, {record['profile']} profile. "
            f"Ran on {env['device']} in {t.get('total_s', float('nan')):.1f} s with torch {env['torch']}, "
            f"commit {str(env.get('commit'))[:10]}{' (modified)' if env.get('dirty') else ''}.")


def gap_markdown(results_dir: str | os.PathLike, profile: str, threshold: float = GAP_TO_EXPLAIN) -> str:
    """A Markdown list of every comparison whose gap to the paper exceeds ``threshold``, with its reasons."""
    lines = []
    for dataset, protocol, metric in ALL_SETTINGS:
        for row in comparison_rows(results_dir, profile, dataset, protocol, metric):
            if row["difference"] is not None and abs(row["difference"]) > threshold:
                reasons = row["deviations"] or "unexplained: no known deviation from the paper's setting"
                lines.append(f"- **{row['method']}**, {dataset}/{protocol}, {row['n_bits']} bits, {metric}: ours "
                             f"{format_ours(row)} vs paper {row['paper']:.3f} "
                             f"({row['difference']:+.3f}). Known deviations: {reasons}.")
    return "\n".join(lines) if lines else f"No gap larger than {threshold} among the {profile} records."


def audit_rows(results_dir: str | os.PathLike, profile: str, strict: bool = True,
               progress: Callable[[list[dict]], Iterable[dict]] = iter) -> list[dict]:
    """Recompute every metric and curve of every ``profile`` record from its stored codes; one row per record.

    Each row: variant, protocol, method, ``max |Δ <metric>|`` per scalar metric, ``max |Δ curves|`` and
    ``notes`` (such as ``accuracy not recomputable (no stored predictions)``). ``progress`` wraps the
    list of records (a progress bar in the notebooks).

    Raises:
        AuditError: with ``strict`` (the default, what the book does), when any stored value differs
            from its recomputation; the message names every such record and metric.
    """
    from hashlib_core.results import iter_records
    from hashlib_core.results.audit import audit_record, raise_on_mismatch

    root = Path(results_dir, profile)
    records = list(iter_records(root)) if root.is_dir() else []
    rows, audits = [], []
    for record in progress(records):
        audit = audit_record(record)
        audits.append(audit)
        curves = [audit.differences.pop(name) for name in record.get("curves", {}) if name in audit.differences]
        scalars = {f"max |Δ {m}|": d for m, d in audit.differences.items() if isinstance(record["metrics"][m], float)}
        rows.append({"variant": record["variant"], "protocol": record["protocol"], "method": record["method"],
                     **scalars, "max |Δ curves|": max(curves, default=0.0),
                     "notes": "; ".join(audit.notes + audit.stale)})
    if strict:
        raise_on_mismatch(audits)
    return rows


def markdown_table(results_dir, profile: str, dataset: str, protocol: str, metric: str = "map@all",
                   methods: list[str] | None = None) -> str:
    """Methods × bits as a Markdown table: ours ``mean ± std (n)`` with the paper's figure in brackets.

    Methods with a published figure but no record of ours (the papers' own reference methods) get
    rows of brackets only. This is how the README's result tables are made
    (``python -m hashlib_core summary --markdown``), so that every number there comes from the records.
    """
    rows = [r for r in comparison_rows(results_dir, profile, dataset, protocol, metric)
            if methods is None or r["method"] in methods]
    if not any(r["ours_mean"] is not None for r in rows):
        return f"(no {profile}-profile records for {dataset}/{protocol})"
    bits = sorted({r["n_bits"] for r in rows})
    cells = {(r["method"], r["n_bits"]): r for r in rows}
    lines = ["| method | " + " | ".join(f"{b} bits" for b in bits) + " |", "|---" * (len(bits) + 1) + "|"]
    for method in dict.fromkeys(r["method"] for r in rows):
        entries = []
        for b in bits:
            r = cells.get((method, b))
            ours = (format_ours(r, short=True) if r is not None else "") or "—"
            paper = f" [{r['paper']:.3f}]" if r is not None and r["paper"] is not None else ""
            entries.append(ours + paper)
        lines.append(f"| {method} | " + " | ".join(entries) + " |")
    return "\n".join(lines)


def grid_cost(results_dir, profile: str) -> list[dict]:
    """Wall-clock cost of a profile's records per device and method family: cells, hours, seconds per cell."""
    from hashlib_core.methods import DEEP_METHODS

    groups: dict[tuple, list[float]] = {}
    for row in summary_rows(results_dir, profile) if Path(results_dir, profile).is_dir() else []:
        kind = "deep" if row["method"] in DEEP_METHODS else "baselines"
        groups.setdefault((row["device"], kind), []).append(float(row["wall_time_s"] or 0.0))
    return [{"device": device, "kind": kind, "cells": len(times), "hours": sum(times) / 3600,
             "seconds_per_cell": sum(times) / len(times)} for (device, kind), times in sorted(groups.items())]

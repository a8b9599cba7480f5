"""Per-paper verdicts (reproduced / not yet / not comparable), generated from the records at build time.

The rule, for each paper of :data:`~hashlib_core.papers.PAPERS`:

1. Only the paper's figures for methods this package runs count (the papers' own reference
   methods, CNNH and CNNH+, are not run here).
2. A figure obtained with ImageNet-pretrained weights is **not comparable** with a record of ours
   trained from scratch; a paper all of whose figures are of that kind is *not comparable*, and the
   verdict says so (with the gap, for scale).
3. The **lead profile** is the most faithful profile with records of the paper (:data:`LEAD_ORDER`).
   Ours is the mean over seeds; a figure is *matched* when the lead profile has a record of the same
   method, dataset, protocol, bits and metric.
4. **Reproduced** when every matched figure is within :data:`~hashlib_core.report.GAP_TO_EXPLAIN`
   (0.03) of the paper or above it; **not yet** when some figure is more than 0.03 below (the
   verdict counts them, names the largest gap, and says how many of the deep runs were still
   improving when their training stopped, from :func:`hashlib_core.dynamics.convergence_rows`), or
   when no figure is matched yet.

:func:`verdicts` returns the :class:`Verdict` objects; :func:`verdict_markdown` renders them as the
MyST admonition shown on the book's landing page and at the top of the comparison chapter.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from hashlib_core.methods import METHOD_PAPER
from hashlib_core.papers import PaperNumber, paper_numbers
from hashlib_core.profiles import lead_order
from hashlib_core.report import GAP_TO_EXPLAIN

__all__ = ["Verdict", "Gap", "LEAD_ORDER", "PAPER_LABELS", "CHAPTERS", "verdicts", "judge", "verdict_markdown",
           "profiles_with_records"]

#: profiles from the most faithful to the quickest; the first with records of a paper leads its verdict
LEAD_ORDER = lead_order()  # from the profiles' fidelity keys: full, cpu, reduced
#: short names of the papers, in the book's order
PAPER_LABELS = {"dnnh": "DNNH (Lai et al. 2015)", "mu-liu": "Mu & Liu (2017)",
                "nin-latent": "NIN + latent layer (after DLBHC)", "ssdh": "SSDH (Yang et al. 2017)",
                "baselines": "Baselines: LSH, ITQ, ITQ-CCA, KSH, SH"}
#: the book chapter of each paper (document names)
CHAPTERS = {"dnnh": "chapters/04_dnnh", "mu-liu": "chapters/05_mu_liu", "nin-latent": "chapters/06_nin_latent",
            "ssdh": "chapters/07_ssdh", "baselines": "chapters/03_baselines"}
_PRETRAINED = "pretrained"  # a published figure whose setting mentions this needs ImageNet weights
_NOT_STATED = "not stated"  # a published figure whose source says its protocol or metric is not stated


@dataclass(frozen=True)
class Gap:
    """One published figure beside our mean over seeds (``difference`` = ours − paper)."""

    method: str
    dataset: str
    protocol: str
    metric: str
    n_bits: int
    ours: float
    n_seeds: int
    paper: float
    paper_method: str

    @property
    def difference(self) -> float:
        return self.ours - self.paper

    def describe(self) -> str:
        versus = "" if self.paper_method == self.method else f" vs {self.paper_method}"
        return (f"{self.method}{versus}, {self.dataset} `{self.protocol}`, {self.n_bits} bits, {self.metric}: "
                f"{self.ours:.3f} vs {self.paper:.3f} ({self.difference:+.3f})")


@dataclass(frozen=True)
class Verdict:
    """The verdict on one paper: ``status`` is "reproduced", "not yet" or "not comparable"."""

    paper: str
    status: str
    reason: str
    lead: str | None
    records: dict[str, int] = field(default_factory=dict)  # profile -> number of records of this paper
    gaps: tuple[Gap, ...] = ()  # every matched figure of the lead profile

    @property
    def label(self) -> str:
        return PAPER_LABELS.get(self.paper, self.paper)


def _profile_dirs(results_dir: str | os.PathLike) -> list[str]:
    from hashlib_core.profiles import committed_profiles

    return [p for p in committed_profiles() if Path(results_dir, p).is_dir()]


def profiles_with_records(results_dir: str | os.PathLike, rows_by_profile: dict[str, list[dict]] | None = None
                          ) -> dict[str, dict[str, int]]:
    """``{paper: {profile: number of records}}`` for every profile folder under ``results_dir`` (smoke excluded)."""
    rows_by_profile = rows_by_profile or _summary_rows(results_dir)
    counts: dict[str, dict[str, int]] = {}
    for profile, rows in rows_by_profile.items():
        for row in rows:
            per_paper = counts.setdefault(row["paper"], {})
            per_paper[profile] = per_paper.get(profile, 0) + 1
    return counts


def _summary_rows(results_dir: str | os.PathLike) -> dict[str, list[dict]]:
    from hashlib_core.results.summary import summary_rows

    return {p: summary_rows(results_dir, p) for p in _profile_dirs(results_dir)}


def _pretrained_methods(results_dir: str | os.PathLike, profile: str) -> set[str]:
    """Methods with at least one record of ``profile`` trained from pretrained weights."""
    from hashlib_core.results import iter_records

    return {record["method"] for record in iter_records(results_dir, profile)
            if (record.get("training") or {}).get("pretrained_weights")}


def _means(rows: list[dict], metric: str) -> dict[tuple, tuple[float, int]]:
    """``{(method, dataset, protocol, n_bits): (mean over seeds, n seeds)}`` of ``metric``."""
    from hashlib_core.results.summary import aggregate

    return {(a["method"], a["dataset"], a["protocol"], a["n_bits"]): (a["mean"], a["n_seeds"])
            for a in aggregate(rows, metric)}


def _match(number: PaperNumber, rows: list[dict]) -> list[Gap]:
    """Our means beside one published figure: the same method, else the paper's other methods, same setting."""
    means = _means([r for r in rows if r["paper"] == number.paper], number.metric)
    key = (number.dataset, number.protocol, number.n_bits)
    same = {m: v for (m, *k), v in means.items() if tuple(k) == key}
    chosen = {number.method: same[number.method]} if number.method in same else same
    return [Gap(m, number.dataset, number.protocol, number.metric, number.n_bits, mean, n, number.value,
                number.method) for m, (mean, n) in sorted(chosen.items())]


def _rising(runs: list[dict], paper: str, below: list[Gap]) -> str:
    """'; k of the n <dataset> `<protocol>` runs were still improving …' for the paper's runs where it falls short."""
    settings = sorted({(g.dataset, g.protocol) for g in below})
    mine = [r for r in runs if METHOD_PAPER.get(r["method"]) == paper and (r["dataset"], r["protocol"]) in settings]
    if not mine:
        return ""
    rising = sum(bool(r["still_rising"]) for r in mine)
    where = " and ".join(f"{d} `{p}`" for d, p in settings)
    if len(mine) == 1:
        return f"; its one {where} run was {'still' if rising else 'no longer'} improving when its training stopped"
    return f"; {rising} of its {len(mine)} {where} runs were still improving when their training stopped"


def judge(paper: str, rows: list[dict], lead: str | None, records: dict[str, int] | None = None,
          runs: list[dict] | None = None, pretrained: set[str] = frozenset()) -> Verdict:
    """Apply the rule (module docstring) to one paper, given the lead profile's summary ``rows``.

    ``runs``: the lead profile's :func:`~hashlib_core.dynamics.convergence_rows`; ``pretrained``:
    the methods with records trained from pretrained weights in the lead profile.
    """
    records = records or {}
    published = [p for p in paper_numbers(paper=paper) if p.method in METHOD_PAPER]
    if not published:
        return Verdict(paper, "not comparable", "the paper prints no figure for a method this package runs",
                       lead, records)
    needs_weights = [p for p in published if _PRETRAINED in p.setting.lower() and p.method not in pretrained]
    scale = tuple(g for p in needs_weights for g in _match(p, rows))
    if len(needs_weights) == len(published):
        largest = min(scale, key=lambda g: g.difference, default=None)
        return Verdict(paper, "not comparable",
                       "its figures come from an ImageNet-pretrained AlexNet and ours are trained from scratch "
                       "(no pretrained weights on this machine)"
                       + (f"; for scale, {largest.describe()}" if largest else ""), lead, records, scale)
    return _judge_gaps(paper, [p for p in published if p not in needs_weights], rows, lead, records, runs or [])


def _judge_gaps(paper: str, published: list[PaperNumber], rows: list[dict], lead: str | None,
                records: dict[str, int], runs: list[dict]) -> Verdict:
    gaps = tuple(g for p in published for g in _match(p, rows))
    if lead is None or not gaps:
        where = f"in the `{lead}` profile " if lead else ""
        return Verdict(paper, "not yet", f"no record of ours {where}matches its {len(published)} published "
                       "figures yet", lead, records, gaps)
    below = [g for g in gaps if g.difference < -GAP_TO_EXPLAIN]
    above = [g for g in gaps if g.difference > GAP_TO_EXPLAIN]
    caveat = ("; the paper does not state the protocol of these figures, so the gap is indicative"
              if any(_NOT_STATED in p.source for p in published) else "")
    if not below:
        highest = max(above, key=lambda g: g.difference, default=None)
        extra = f" ({len(above)} above it by more than {GAP_TO_EXPLAIN}: {highest.describe()})" if above else ""
        return Verdict(paper, "reproduced", f"all {len(gaps)} compared figures within {GAP_TO_EXPLAIN} of the "
                       f"paper or above it{extra}{caveat}", lead, records, gaps)
    worst = min(below, key=lambda g: g.difference)
    reason = (f"{len(below)} of {len(gaps)} compared figures more than {GAP_TO_EXPLAIN} below the paper, the "
              f"largest {worst.describe()}{_rising(runs, paper, below)}{caveat}")
    return Verdict(paper, "not yet", reason, lead, records, gaps)


def verdicts(results_dir: str | os.PathLike, lead: str | None = None) -> list[Verdict]:
    """One :class:`Verdict` per paper, in the book's order, from the records under ``results_dir``.

    ``lead`` forces the lead profile (default: per paper, the first of :data:`LEAD_ORDER` with records of it).
    """
    from hashlib_core.dynamics import convergence_rows

    rows_by_profile = _summary_rows(results_dir)
    counts = profiles_with_records(results_dir, rows_by_profile)
    runs: dict[str, list[dict]] = {}
    pretrained: dict[str, set[str]] = {}
    out = []
    for paper in PAPER_LABELS:
        records = counts.get(paper, {})
        chosen = lead or next((p for p in LEAD_ORDER if records.get(p)), None)
        if chosen and chosen not in runs:  # each profile's records are read once
            runs[chosen] = convergence_rows(results_dir, [chosen])
            pretrained[chosen] = _pretrained_methods(results_dir, chosen)
        out.append(judge(paper, rows_by_profile.get(chosen, []), chosen, records, runs.get(chosen, []),
                         pretrained.get(chosen, set())))
    return out


def _line(v: Verdict, links: bool) -> str:
    name = f"{{doc}}`{v.label} </{CHAPTERS[v.paper]}>`" if links and v.paper in CHAPTERS else v.label
    lead = f" in the `{v.lead}` profile" if v.lead else ""
    have = ", ".join(f"`{p}` ({n})" for p, n in sorted(v.records.items())) or "none yet"
    return (f"- **{name}: {v.status}**{lead}: {v.reason}. "
            f"Records of this paper: {have}.")


def verdict_markdown(results_dir: str | os.PathLike, lead: str | None = None, links: bool = True) -> str:
    """The verdicts as a MyST ``admonition`` (class ``verdict``), one line per paper.

    ``links`` makes each paper's name a ``{doc}`` link to its chapter (for the book; off in plain Markdown).
    """
    lines = [_line(v, links) for v in verdicts(results_dir, lead)]
    return "\n".join([
        "````{admonition} Verdict: what is reproduced so far",
        ":class: important verdict",
        "",
        f"Generated from the result records under `{Path(results_dir).name}/` when this page was built. "
        f"*Reproduced*: every published figure we have a record for is within {GAP_TO_EXPLAIN} of the paper "
        "or above it; *not yet*: some figure is further below; *not comparable*: the paper's setting "
        "differs fundamentally from ours. Each paper is judged on its most faithful profile with records "
        f"(in order {', '.join(f'`{p}`' for p in LEAD_ORDER)}; profiles are never mixed).",
        "",
        *lines,
        "````",
    ])

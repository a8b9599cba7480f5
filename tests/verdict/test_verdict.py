"""The per-paper verdict: its rule on hand-made rows, its numbers against a naive pass over the committed records."""
import json
import statistics

import pytest

from hashlib_core.files import repo_root
from hashlib_core.methods import METHOD_PAPER
from hashlib_core.papers import paper_numbers
from hashlib_core.report import GAP_TO_EXPLAIN
from hashlib_core.verdict import PAPER_LABELS, judge, verdict_markdown, verdicts

RESULTS = repo_root() / "results"


def _row(method, value, n_bits=48, dataset="cifar10", protocol="cnnh", metric="map@all", seed=0, profile="cpu"):
    return {"profile": profile, "paper": METHOD_PAPER[method], "method": method, "dataset": dataset,
            "variant": dataset, "protocol": protocol, "features": "", "n_bits": n_bits, "seed": seed, metric: value}


def _dnnh_rows(offset: float) -> list[dict]:
    """Two seeds of dnnh at each published bit length, at the paper's figure + ``offset`` on average."""
    return [_row("dnnh", p.value + offset + delta, p.n_bits, seed=seed)
            for p in paper_numbers(paper="dnnh", method="dnnh") for seed, delta in ((0, -0.01), (1, 0.01))]


def test_within_the_gap_or_above_is_reproduced():
    for offset in (-GAP_TO_EXPLAIN + 0.005, 0.0, 0.2):
        verdict = judge("dnnh", _dnnh_rows(offset), "cpu")
        assert verdict.status == "reproduced", (offset, verdict.reason)
        assert len(verdict.gaps) == 4 and all(g.n_seeds == 2 for g in verdict.gaps)


def test_a_larger_gap_below_is_not_yet_and_names_the_largest():
    rows = _dnnh_rows(0.0)
    rows += [_row("dnnh", 0.40, 12, seed=2)]  # the 12-bit mean drops to (0.542 + 0.562 + 0.40) / 3
    verdict = judge("dnnh", rows, "cpu")
    assert verdict.status == "not yet"
    expected = (0.542 + 0.562 + 0.40) / 3 - 0.552
    assert "1 of 4 compared figures" in verdict.reason and f"({expected:+.3f})" in verdict.reason


def test_no_record_is_not_yet_and_pretrained_figures_are_not_comparable():
    assert judge("dnnh", [], None).status == "not yet"
    ssdh = [_row("ssdh", 0.70, protocol="dlbhc"), _row("ssdh", 0.77, protocol="dlbhc", metric="accuracy")]
    verdict = judge("ssdh", ssdh, "cpu")
    assert verdict.status == "not comparable" and "ImageNet-pretrained" in verdict.reason
    assert judge("ssdh", ssdh, "cpu", pretrained={"ssdh"}).status == "not yet"  # with weights it is compared


def _naive_gaps(profile: str) -> dict[str, list[float]]:
    """Per paper: ours − paper for every comparable published figure, straight from the record JSON files."""
    values: dict[tuple, list[float]] = {}
    for path in (RESULTS / profile).glob("*/*-seed*.json"):
        record = json.loads(path.read_text())
        for metric, value in record["metrics"].items():
            if isinstance(value, float):
                key = (record["method"], record["dataset"], record["protocol"], record["n_bits"], metric)
                values.setdefault(key, []).append(value)
    gaps: dict[str, list[float]] = {}
    for p in paper_numbers():
        key = (p.method, p.dataset, p.protocol, p.n_bits, p.metric)
        if p.method in METHOD_PAPER and "pretrained" not in p.setting.lower() and key in values:
            gaps.setdefault(p.paper, []).append(statistics.fmean(values[key]) - p.value)
    return gaps


@pytest.mark.skipif(not (RESULTS / "reduced").is_dir(), reason="no committed reduced-profile records")
def test_verdicts_agree_with_a_naive_computation_on_the_committed_records():
    naive = _naive_gaps("reduced")
    for verdict in verdicts(RESULTS, lead="reduced"):
        if verdict.status == "not comparable":
            assert verdict.paper not in naive, verdict.paper
            continue
        ours = sorted(round(g.difference, 9) for g in verdict.gaps)
        assert ours == sorted(round(d, 9) for d in naive.get(verdict.paper, [])), verdict.paper
        below = [d for d in naive.get(verdict.paper, []) if d < -GAP_TO_EXPLAIN]
        assert verdict.status == ("not yet" if below or not ours else "reproduced"), verdict.paper
        if below:
            assert f"{len(below)} of {len(ours)} compared figures" in verdict.reason
            assert f"({min(below):+.3f})" in verdict.reason


@pytest.mark.skipif(not (RESULTS / "reduced").is_dir(), reason="no committed reduced-profile records")
def test_markdown_is_one_admonition_with_one_line_per_paper():
    text = verdict_markdown(RESULTS, lead="reduced", links=False)
    assert text.startswith("````{admonition}") and ":class: important verdict" in text
    lines = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(lines) == len(PAPER_LABELS)
    for line, label in zip(lines, PAPER_LABELS.values()):
        assert label in line and any(s in line for s in (": reproduced", ": not yet", ": not comparable"))
        assert "`reduced` (" in line  # which profiles have records

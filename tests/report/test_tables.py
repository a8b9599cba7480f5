"""README tables and grid cost come from the records: checked against a naive pass over the same records."""
import statistics

import pytest

from hashlib_core import report
from hashlib_core.experiment import run_experiment
from hashlib_core.papers import PaperNumber
from hashlib_core.results import iter_records


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    for seed in (0, 1, 2):
        run_experiment("lsh", "digits", "cnnh-mini", n_bits=16, seed=seed, profile="smoke", results_dir=root)
    run_experiment("itq", "digits", "cnnh-mini", n_bits=8, seed=0, profile="smoke", results_dir=root)
    return root


def test_markdown_table_matches_the_records(results_dir, monkeypatch):
    fake = [PaperNumber("lsh-paper", "lsh", "digits", "cnnh-mini", "map@all", 16, 0.5, "table 1"),
            PaperNumber("lsh-paper", "cnnh", "digits", "cnnh-mini", "map@all", 8, 0.75, "table 1")]
    monkeypatch.setattr(report, "paper_numbers", lambda **kw: fake if kw.get("metric") == "map@all" else [])
    values = [r["metrics"]["map@all"] for r in iter_records(results_dir / "smoke") if r["method"] == "lsh"]
    itq = [r["metrics"]["map@all"] for r in iter_records(results_dir / "smoke") if r["method"] == "itq"]
    lines = report.markdown_table(results_dir, "smoke", "digits", "cnnh-mini").splitlines()
    assert lines[0] == "| method | 8 bits | 16 bits |"
    assert lines[2] == "| cnnh | — [0.750] | — |"  # a paper's method we do not run: its figure only
    assert lines[3] == f"| itq | {itq[0]:.3f} (1) | — |"
    assert lines[4] == (f"| lsh | — | {statistics.fmean(values):.3f} ± {statistics.stdev(values):.3f} (3) "
                        "[0.500] |")
    assert len(lines) == 5


def test_markdown_table_without_records_says_so(tmp_path):
    assert "no full-profile records" in report.markdown_table(tmp_path, "full", "mnist", "cnnh")


def test_grid_cost_adds_up_the_record_timings(results_dir):
    (row,) = report.grid_cost(results_dir, "smoke")
    times = [r["timings"]["total_s"] for r in iter_records(results_dir / "smoke")]
    assert row["kind"] == "baselines" and row["cells"] == 4
    assert row["hours"] == pytest.approx(sum(times) / 3600)
    assert row["seconds_per_cell"] == pytest.approx(sum(times) / 4)
    assert report.grid_cost(results_dir, "full") == []


def test_summary_command_prints_tables_and_cost(results_dir, capsys):
    from hashlib_core.cli import main

    assert main(["summary", "--results-dir", str(results_dir), "--markdown", "smoke"]) == 0
    out = capsys.readouterr().out
    assert (results_dir / "summary.csv").exists()
    assert "wall-clock cost of the smoke records" in out and "baselines    4 cells" in out


@pytest.mark.parametrize("profile", [report.LEAD_PROFILE, "reduced"])
def test_readme_tables_are_the_ones_the_records_give(profile):
    # every number of the README's result tables comes from results/ (regenerate them with
    # `python -m hashlib_core summary --markdown <profile>` after adding records)
    from hashlib_core.files import repo_root

    readme = (repo_root() / "README.md").read_text()
    shown = 0
    for dataset, protocol, metric in report.ALL_SETTINGS:
        table = report.markdown_table(repo_root() / "results", profile, dataset, protocol, metric)
        if table.startswith("(no "):
            continue
        assert table in readme, f"README's {dataset}/{protocol} {metric} table differs from the records"
        shown += 1
    assert shown >= 1

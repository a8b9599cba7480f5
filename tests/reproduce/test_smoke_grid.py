"""Every notebook executes under papermill with the smoke parameters; the runner resumes; bad input fails cleanly."""
import json
import os
from pathlib import Path

import numpy as np
import pytest

from hashlib_core.reproduce import Cell, execute_cell, expand_grid, run_grid
from hashlib_core.results import iter_records, recompute_metrics

pytestmark = pytest.mark.slow


def test_every_smoke_cell_executes(smoke_run):
    failed = [(o.cell.name, o.error) for o in smoke_run["outcomes"] if o.status != "done"]
    assert not failed, failed
    notebooks = {o.cell.notebook for o in smoke_run["outcomes"]}
    assert {"01_introduction", "02_evaluation", "03_baselines", "04_dnnh", "05_mu_liu", "06_nin_latent",
            "07_ssdh", "08_comparison"} <= notebooks
    manifest = json.loads((smoke_run["executed"] / "manifest.json").read_text())
    assert len(manifest) == len(smoke_run["outcomes"])


def test_one_record_per_record_cell_and_metrics_recompute(smoke_run):
    cells = [c for c in expand_grid("smoke") if c.writes_record]
    records = list(iter_records(smoke_run["results"], "smoke"))
    assert sorted((r["method"], r["n_bits"], r["seed"]) for r in records) == sorted(
        (c.params["method"], c.params["n_bits"], c.params["seed"]) for c in cells)
    for record in records:
        assert record["profile"] == "smoke" and record["environment"]["commit"]
        again = recompute_metrics(record)
        assert again["map@all"] == pytest.approx(record["metrics"]["map@all"], abs=1e-9)
        assert np.isfinite(record["metrics"]["p@r2"])


def test_resume_skips_done_cells(smoke_run):
    outcomes = run_grid("smoke", executed_dir=smoke_run["executed"], results_dir=smoke_run["results"],
                        device="cpu", only=["03_baselines"])
    assert outcomes and {o.status for o in outcomes} == {"skipped"}


def test_an_edited_notebook_is_executed_again(smoke_run):
    from hashlib_core.reproduce.grid import notebooks_dir

    cell = next(c for c in expand_grid("smoke", results_dir=smoke_run["results"]) if c.notebook == "01_introduction")
    out = cell.output_path(smoke_run["executed"])
    before = out.stat()
    source_mtime = (notebooks_dir() / "01_introduction.ipynb").stat().st_mtime
    os.utime(out, (before.st_atime, source_mtime - 60))  # executed before the source was last edited
    try:
        outcomes = run_grid("smoke", executed_dir=smoke_run["executed"], results_dir=smoke_run["results"],
                            device="cpu", only=["01_introduction"], dry_run=True)
        assert [o.status for o in outcomes] == ["pending"]
    finally:
        os.utime(out, (before.st_atime, before.st_mtime))
    outcomes = run_grid("smoke", executed_dir=smoke_run["executed"], results_dir=smoke_run["results"],
                        device="cpu", only=["01_introduction"], dry_run=True)
    assert [o.status for o in outcomes] == ["skipped"]


@pytest.mark.parametrize("bad, message", [({"dataset": "imagenet21k"}, "unknown dataset 'imagenet21k'"),
                                          ({"n_bits": -3}, "n_bits must be an integer from 1 to")])
def test_bad_parameter_fails_clearly_and_writes_no_record(tmp_path, bad, message):
    good = next(c for c in expand_grid("smoke", results_dir=tmp_path / "results") if c.notebook == "03_baselines")
    cell = Cell(good.notebook, tuple(sorted({**good.params, **bad}.items())), True, False)
    outcome = execute_cell(cell, tmp_path / "executed")
    assert outcome.status == "failed"
    failed_notebook = (tmp_path / "executed" / "03_baselines").glob("*.failed.ipynb")
    text = next(failed_notebook).read_text()
    assert message in text
    assert not list((tmp_path / "executed").rglob("*[!d].ipynb")) or all(
        p.name.endswith(".failed.ipynb") for p in (tmp_path / "executed").rglob("*.ipynb"))
    assert not (tmp_path / "results").exists() or not list((tmp_path / "results").rglob("*.json"))


def test_kernels_import_the_runners_own_package(monkeypatch):
    # a notebook kernel must use the package the runner runs from, not another installed copy
    from hashlib_core.files import repo_root
    from hashlib_core.reproduce.runner import put_package_first_on_kernel_path

    root = str(repo_root())
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(["/elsewhere/checkout", root]))
    path = put_package_first_on_kernel_path().split(os.pathsep)
    assert path == [root, "/elsewhere/checkout"]
    monkeypatch.delenv("PYTHONPATH")
    assert put_package_first_on_kernel_path() == root


def test_smoke_records_name_this_checkouts_package(smoke_run):
    import hashlib_core

    records = list(iter_records(smoke_run["results"]))
    assert records
    for record in records:
        assert record["environment"]["package_path"] == str(Path(hashlib_core.__file__).resolve().parent)

"""A cell is done only when its record reads and checks; otherwise it runs again and the runner says why."""
from __future__ import annotations

import json
import os
import time

import pytest

from hashlib_core.reproduce import run_grid
from hashlib_core.reproduce.grid import Cell, expand_grid
from hashlib_core.reproduce.runner import NOT_RUN, execute_cell, pending_reason

LSH_ONLY = dict(only=["03_baselines"], where={"method": {"lsh"}})


def record_of(results_dir):
    (path,) = (results_dir / "smoke").rglob("lsh-16b-seed0.json")
    return path


def break_json(path):
    path.write_text(path.read_text()[:200])


def break_codes(path):
    codes = path.with_name(json.loads(path.read_text())["codes"]["file"])
    data = bytearray(codes.read_bytes())
    data[60:400] = bytes(340)
    codes.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [break_json, break_codes, os.remove])
def test_direct_mode_reruns_a_cell_whose_record_is_broken_and_says_why(tmp_path, capsys, damage):
    grid = dict(results_dir=tmp_path / "results", executed_dir=tmp_path / "executed", direct=True, device="cpu",
                **LSH_ONLY)
    assert [o.status for o in run_grid("smoke", **grid)] == ["done"]
    assert [o.status for o in run_grid("smoke", **grid)] == ["skipped"]
    damage(record_of(tmp_path / "results"))
    capsys.readouterr()
    (pending,) = run_grid("smoke", dry_run=True, **grid)
    assert pending.status == "pending"
    assert [o.status for o in run_grid("smoke", **grid)] == ["done"]
    err = capsys.readouterr().err
    if damage is os.remove:
        assert pending.error == NOT_RUN and "re-running" not in err
    else:
        assert pending.error.startswith("record unreadable: ")
        assert f"re-running lsh-digits-cnnh-mini-16b-seed0: record unreadable: {record_of(tmp_path / 'results')}" in err
    assert [o.status for o in run_grid("smoke", **grid)] == ["skipped"]


def test_notebook_mode_counts_an_executed_cell_done_only_with_a_whole_record(tmp_path):
    from hashlib_core.experiment import run_experiment

    (cell,) = [c for c in expand_grid("smoke", results_dir=tmp_path / "results", **LSH_ONLY)]
    executed = tmp_path / "executed"
    out = cell.output_path(executed)
    out.parent.mkdir(parents=True)
    out.write_text("{}")  # executed after the notebook's last edit
    assert pending_reason(cell, executed, direct=False) == "its record is missing"
    run_experiment("lsh", "digits", "cnnh-mini", n_bits=16, seed=0, profile="smoke", results_dir=tmp_path / "results")
    assert pending_reason(cell, executed, direct=False) is None
    break_codes(record_of(tmp_path / "results"))
    assert pending_reason(cell, executed, direct=False).startswith("record unreadable: ")


def test_the_comparison_chapter_reruns_when_a_record_it_audits_changed(tmp_path):
    records = tmp_path / "results" / "reduced"
    records.mkdir(parents=True)
    cell = Cell("08_comparison", (("comparison_dir", str(tmp_path / "results")), ("results_profile", "reduced")),
                False, True)
    out = cell.output_path(tmp_path / "executed")
    out.parent.mkdir(parents=True)
    out.write_text("{}")
    assert pending_reason(cell, tmp_path / "executed", direct=False) is None
    (records / "x.json").write_text("{}")
    later = time.time() + 60
    os.utime(records / "x.json", (later, later))
    assert pending_reason(cell, tmp_path / "executed", direct=False) == \
        "a record it compares (and audits) changed since it ran"


def test_a_failed_execution_removes_the_earlier_success(tmp_path, monkeypatch):
    import papermill

    (cell,) = [c for c in expand_grid("smoke", only=["08_comparison"])]
    out = cell.output_path(tmp_path)
    out.parent.mkdir(parents=True)
    out.write_text("{}")

    def failing(source, target, **kwargs):
        open(target, "w").write("{}")
        raise RuntimeError("AuditError: x.json: map@1000 stored 0.9, recomputed 0.7")

    monkeypatch.setattr(papermill, "execute_notebook", failing)
    for name in ("PYTHONPATH", "TQDM_DISABLE"):  # execute_cell sets them for the kernels: restored afterwards
        monkeypatch.setenv(name, os.environ.get(name, ""))
    outcome = execute_cell(cell, tmp_path)
    assert outcome.status == "failed" and "map@1000" in outcome.error
    assert not out.exists() and out.with_name(f"{out.stem}.failed.ipynb").exists()

"""``reproduce --executor slurm``: record cells as submitit jobs, against a real one-node SLURM.

Each scenario runs twice: on the test cluster of ``slurm_cluster`` (skipped with the reason where
SLURM cannot start) and on submitit's ``local`` executor (the same jobs as local processes).
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

import hashlib_core.profiles
from hashlib_core.cli import main
from hashlib_core.reproduce import Cell, expand_grid, runner, slurm
from hashlib_core.reproduce.slurm import ClusterExecutor, SlurmSettings, run_cells, slurm_settings
from hashlib_core.results import read_record

SELECT = ["--profile", "smoke", "--only", "03_baselines", "--where", "method=lsh,itq", "--device", "cpu"]
CLUSTERS = ["slurm", "local"]


@pytest.fixture(autouse=True)
def executed_in_tmp(tmp_path_factory, monkeypatch):
    """The CLI's executed notebooks and manifest go to a temporary folder, never to the checkout's artifacts/."""
    folder = tmp_path_factory.mktemp("executed")
    monkeypatch.setattr(runner, "default_executed_dir", lambda profile: folder / profile)


def submits_jobs(test):
    """Mark a test that submits jobs: slow, and bounded so that a stuck queue cannot hang the suite."""
    return pytest.mark.slow(pytest.mark.timeout(900)(test))


def use_cluster(request, mp: pytest.MonkeyPatch) -> str:
    """Point the executor at the test cluster or at submitit's local executor, polling every second."""
    if request.param == "slurm":
        request.getfixturevalue("slurm_cluster")
    mp.setattr(slurm, "DEFAULT_CLUSTER", request.param)
    mp.setattr(slurm, "POLL_S", 1.0)
    return request.param


@pytest.fixture(params=CLUSTERS)
def cluster(request, monkeypatch) -> str:
    return use_cluster(request, monkeypatch)


def kill(job_id: str, cluster: str) -> None:
    """What a user does to a job: scancel on SLURM; Ctrl-C to a local job's controller."""
    if cluster == "slurm":
        subprocess.run(["scancel", job_id], check=True)
    else:
        os.kill(int(job_id), signal.SIGINT)


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["reproduce", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def jobs_of(slurm_dir: Path) -> dict[str, str]:
    """cell name → job id, from the state file."""
    cells = json.loads((slurm_dir / "smoke.json").read_text())["cells"]
    return {key.split("/")[1].split("-")[0]: entry["job"] for key, entry in cells.items()}


def main_captured(argv: list[str]) -> dict:
    """Run the CLI; its exit code, stdout and stderr (a module fixture has no capsys)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return {"code": code, "out": out.getvalue(), "err": err.getvalue()}


@pytest.fixture(scope="module", params=CLUSTERS)
def killed_and_retried(request, tmp_path_factory):
    """Two smoke cells through the CLI: submitted without waiting, the itq job killed, collected, retried."""
    root = tmp_path_factory.mktemp(f"cluster-{request.param}")
    args = [*SELECT, "--executor", "slurm", "--results-dir", str(root / "results"), "--slurm-dir", str(root / "slurm")]
    runs = {}
    with pytest.MonkeyPatch.context() as mp:
        use_cluster(request, mp)
        mp.setattr(runner, "default_executed_dir", lambda profile: root / "executed" / profile)
        for step, extra in (("submit", ["--no-wait"]), ("collect", ["--collect"]), ("retry", ["--retry-failed"])):
            if step == "collect":
                kill(runs["submit"]["jobs"]["itq"], request.param)
            runs[step] = {**main_captured(["reproduce", *args, *extra]), "jobs": jobs_of(root / "slurm")}
    return {"cluster": request.param, "root": root, "args": args, "runs": runs}


@submits_jobs
def test_no_wait_submits_and_says_how_to_collect(killed_and_retried):
    submit = killed_and_retried["runs"]["submit"]
    assert submit["code"] == 0 and set(submit["jobs"]) == {"lsh", "itq"}
    assert "2 submitted" in submit["out"]
    assert f"-m hashlib_core reproduce {' '.join(killed_and_retried['args'])} --collect" in submit["out"]
    if killed_and_retried["cluster"] == "slurm":  # one array job of two tasks, submitted with sbatch
        (array,) = {job.split("_")[0] for job in submit["jobs"].values()}
        assert sorted(submit["jobs"].values()) == [f"{array}_0", f"{array}_1"]
        script = (killed_and_retried["root"] / "slurm" / array / f"{array}_submission.sh").read_text()
        assert "#SBATCH --array=0-1" in script and "#SBATCH --job-name=hashlib-smoke" in script


def skip_if_the_local_job_won_the_race(scenario: dict) -> None:
    """submitit's local jobs are plain processes: a fast machine can finish the cell before Ctrl-C
    reaches it, and then there is nothing to collect or retry (SLURM's scancel has no such race)."""
    if scenario["cluster"] == "local" and scenario["runs"]["collect"]["code"] == 0:
        pytest.skip("the local job finished its cell before Ctrl-C reached it")


@submits_jobs
def test_collect_names_the_killed_cell_and_its_log(killed_and_retried):
    skip_if_the_local_job_won_the_race(killed_and_retried)
    runs, root = killed_and_retried["runs"], killed_and_retried["root"]
    killed = runs["submit"]["jobs"]["itq"]
    assert runs["collect"]["code"] == 1
    assert runs["collect"]["jobs"] == runs["submit"]["jobs"]  # --collect submits nothing
    (line,) = [line for line in runs["collect"]["out"].splitlines() if line.strip().startswith("failed:")]
    assert "itq-digits-cnnh-mini-16b-seed0" in line and f"job {killed} ended without a result" in line
    log = Path(line.split("(log: ")[1].rstrip(")"))
    assert log.parent == root / "slurm" / killed


@submits_jobs
def test_retry_failed_resubmits_only_the_killed_cell(killed_and_retried):
    skip_if_the_local_job_won_the_race(killed_and_retried)
    runs, root = killed_and_retried["runs"], killed_and_retried["root"]
    assert runs["retry"]["code"] == 0, runs["retry"]["out"]
    assert runs["retry"]["jobs"]["lsh"] == runs["submit"]["jobs"]["lsh"]
    retried = runs["retry"]["jobs"]["itq"]
    assert retried != runs["submit"]["jobs"]["itq"] and "submitted 1 cells in 1" in runs["retry"]["err"]
    log = next((root / "slurm" / retried).glob("*_log.out")).read_text()
    assert "itq-digits-cnnh-mini-16b-seed0: running" in log


def records(results: Path) -> dict[str, dict]:
    """method → the JSON of its record (metrics, the codes' digest)."""
    return {path.name.split("-")[0]: json.loads(path.read_text())
            for path in sorted((results / "smoke").rglob("*-16b-seed0.json"))}


@submits_jobs
def test_both_records_check_and_equal_the_local_executors(killed_and_retried, capsys, tmp_path):
    root = killed_and_retried["root"]
    for path in (root / "results" / "smoke").rglob("*-16b-seed0.json"):
        read_record(path)  # reads, and its digests check
    cluster = records(root / "results")
    assert set(cluster) == {"itq", "lsh"}
    code, _, _ = cli(capsys, *SELECT, "--direct", "--results-dir", str(tmp_path / "local"))
    assert code == 0
    local = records(tmp_path / "local")
    for method in ("itq", "lsh"):
        assert cluster[method]["metrics"] == local[method]["metrics"]
        assert cluster[method]["codes"]["sha256"] == local[method]["codes"]["sha256"]


@submits_jobs
def test_a_second_run_or_a_duplicated_job_leaves_done_cells_alone(killed_and_retried, capsys, monkeypatch):
    root, args = killed_and_retried["root"], killed_and_retried["args"]
    monkeypatch.setattr(slurm, "DEFAULT_CLUSTER", killed_and_retried["cluster"])
    state = (root / "slurm" / "smoke.json").read_text()
    stamps = {p: p.stat().st_mtime_ns for p in (root / "results").rglob("*") if p.is_file()}
    code, out, err = cli(capsys, *args)
    assert code == 0 and "2 skipped" in out and "submitted" not in err
    assert (root / "slurm" / "smoke.json").read_text() == state  # nothing submitted
    cells = expand_grid("smoke", only=["03_baselines"], where={"method": {"lsh", "itq"}}, device="cpu",
                        results_dir=root / "results")
    assert [o.status for o in run_cells(cells, str(root / "executed" / "smoke"))] == ["skipped", "skipped"]
    assert stamps == {p: p.stat().st_mtime_ns for p in (root / "results").rglob("*") if p.is_file()}


def bad_cell(results: Path) -> Cell:
    (cell,) = expand_grid("smoke", only=["03_baselines"], where={"method": {"lsh"}}, device="cpu", results_dir=results)
    return replace(cell, parameters=tuple((k, 0 if k == "n_bits" else v) for k, v in cell.parameters))


@submits_jobs
def test_a_failing_cell_is_reported_with_its_log(cluster, tmp_path):
    executor = ClusterExecutor(SlurmSettings(), "smoke", slurm_dir=tmp_path / "slurm")
    rest, (outcome,) = executor([bad_cell(tmp_path / "results")], tmp_path / "executed")
    assert rest == [] and outcome.status == "failed"
    assert "n_bits" in outcome.error and "(log: " in outcome.error
    log = Path(outcome.output)
    assert log.parent.parent == tmp_path / "slurm" and log.is_file()
    assert "lsh-digits-cnnh-mini-0b-seed0 failed: ValueError" in log.read_text()


def test_settings_come_from_the_profile_table_then_the_command_line(tmp_path, monkeypatch):
    shutil.copy(Path(hashlib_core.profiles.__file__).parent / "smoke.toml", tmp_path)
    (tmp_path / "site.toml").write_text('base = "smoke"\n[executor.slurm]\npartition = "gpu"\ngpus_per_job = 1\n'
                                        'time_min = 60\nadditional = { account = "proj" }\n')
    (tmp_path / "site-long.toml").write_text('base = "site"\n[executor.slurm]\ntime_min = 600\n')
    monkeypatch.setattr(hashlib_core.profiles, "_HERE", tmp_path)
    settings = slurm_settings(hashlib_core.profiles.load_profile("site-long"), cpus_per_job=8, mem_gb=None)
    assert settings == SlurmSettings(partition="gpu", gpus_per_job=1, cpus_per_job=8, time_min=600,
                                     additional=(("account", "proj"),))
    assert slurm_settings(hashlib_core.profiles.load_profile("smoke")) == SlurmSettings()


def test_the_job_script_asks_slurm_for_the_settings(tmp_path, monkeypatch):
    from submitit.slurm.slurm import SlurmExecutor

    monkeypatch.setattr(SlurmExecutor, "affinity", classmethod(lambda cls: 1))  # as if srun were here
    monkeypatch.setenv("HASHLIB_DATA", "/shared/data")
    settings = SlurmSettings(partition="gpu", gpus_per_job=2, cpus_per_job=8, mem_gb=32, time_min=600,
                             additional=(("account", "proj"),))
    submitit_executor = ClusterExecutor(settings, "full", cluster="slurm", slurm_dir=tmp_path).submitit_executor()
    script = submitit_executor._executor._make_submission_file_text("python -m job", "uid")
    for line in ("--partition=gpu", "--gpus-per-node=2", "--cpus-per-task=8", "--mem=32GB", "--time=600",
                 "--account=proj", "--job-name=hashlib-full", f"--output={tmp_path}/%j/%j_0_log.out",
                 "export HASHLIB_DATA=/shared/data"):
        assert line in script


@pytest.mark.parametrize("settings, message", [
    ({"partition": "gpu", "nodes": 2}, "unknown key nodes in [executor.slurm] of the x profile; valid keys: "),
    ({"cells_per_job": 0}, "SLURM setting cells_per_job must be a whole number >= 1, not 0"),
    ({"mem_gb": -1}, "SLURM setting mem_gb must be positive, not -1"),
])
def test_bad_settings_are_one_line_errors(settings, message):
    with pytest.raises(ValueError, match="^" + message.replace("[", r"\[").replace("]", r"\]")):
        slurm_settings({"name": "x", "executor": {"slurm": settings}})


@pytest.mark.parametrize("argv, message", [
    (["--partition", "gpu"], "error: --partition is only for --executor slurm"),
    (["--no-wait", "--cells-per-job", "2"], "error: --cells-per-job, --no-wait are only for --executor slurm"),
    (["--executor", "slurm", "--no-wait", "--collect"], "error: choose one of --no-wait, --collect and --retry-failed"),
    (["--executor", "slurm", "--cells-per-job", "0"], "error: SLURM setting cells_per_job must be a whole number"),
])
def test_cluster_options_are_checked_before_any_work(capsys, argv, message):
    code, _, err = cli(capsys, *SELECT, *argv)
    assert code == 2 and err.startswith(message) and len(err.strip().splitlines()) == 1


@submits_jobs
def test_a_job_the_scheduler_refuses_is_a_one_line_error(slurm_cluster, capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(slurm, "DEFAULT_CLUSTER", "slurm")
    code, out, err = cli(capsys, *SELECT, "--executor", "slurm", "--partition", "no-such-partition",
                         "--results-dir", str(tmp_path / "results"), "--slurm-dir", str(tmp_path / "slurm"))
    assert code == 2 and not out
    assert err.startswith("error: the scheduler refused the jobs: sbatch: error: ") and "partition" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "slurm" / "smoke.json").exists()


def test_a_folder_the_jobs_could_not_write_is_refused_before_submitting(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(slurm, "DEFAULT_CLUSTER", "local")
    (tmp_path / "a-file").write_text("")
    code, _, err = cli(capsys, *SELECT, "--executor", "slurm", "--results-dir", str(tmp_path / "a-file" / "results"),
                       "--slurm-dir", str(tmp_path / "slurm"))
    assert code == 2 and err.startswith(f"error: cannot write the results folder {tmp_path}/a-file/results/smoke")
    assert not (tmp_path / "slurm").exists()


def test_without_sbatch_the_slurm_executor_says_where_it_runs(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(slurm, "DEFAULT_CLUSTER", "slurm")
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _, err = cli(capsys, *SELECT, "--executor", "slurm", "--results-dir", str(tmp_path / "results"))
    assert code == 2 and err.startswith("error: sbatch not found: --executor slurm runs where SLURM's commands")


@submits_jobs
def test_an_error_of_the_job_itself_is_named_by_its_last_traceback_line(tmp_path):
    import submitit

    executor = submitit.AutoExecutor(folder=tmp_path / "%j", cluster="local")
    job = executor.submit(int, "not a number")
    with pytest.raises(Exception) as raised:
        job.result()
    assert slurm.job_error(raised.value) == "ValueError: invalid literal for int() with base 10: 'not a number'"


@pytest.mark.slow
def test_a_job_executes_a_book_cells_notebook_once(tmp_path):
    (cell,) = expand_grid("smoke", only=["03_baselines"], where={"method": {"ksh"}}, device="cpu",
                          results_dir=tmp_path / "results")
    assert cell.for_book
    executed = str(tmp_path / "executed")
    assert [o.status for o in run_cells([cell], executed)] == ["done"]
    assert cell.output_path(Path(executed)).is_file() and records(tmp_path / "results").keys() == {"ksh"}
    assert [o.status for o in run_cells([cell], executed)] == ["skipped"]

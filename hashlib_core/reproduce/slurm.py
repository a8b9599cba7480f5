"""Run a profile's record cells on a SLURM cluster through submitit: one job per cell or per batch of cells.

The driver (:class:`ClusterExecutor`, plugged into :func:`~hashlib_core.reproduce.run_grid` as its
``executor``) submits the pending record cells as one array job, shows a progress bar over the
cells, and reports each failed cell with the path of its job's log. Every job runs
:func:`run_cells`: a cell whose record already reads and checks is skipped, the others run in the
job's process exactly as ``reproduce --direct`` runs them (the book's cells execute their notebook),
and records are written atomically, so a resubmitted or duplicated job never corrupts a result.

What was submitted is kept in a small JSON state file (``<slurm dir>/<profile>.json``: cell → job),
so that ``--no-wait`` can exit at once and ``--collect`` or ``--retry-failed`` find the jobs again;
job logs go to ``<slurm dir>/<job id>/`` (default ``artifacts/slurm``). Whether a job still runs is
read from ``squeue``, which also answers on clusters that keep no accounting (no ``sacct``).
"""
from __future__ import annotations

import atexit
import contextlib
import getpass
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

from hashlib_core.files import atomic_write_text, check_writable_dir, folder_lock, repo_root
from hashlib_core.reproduce.grid import Cell
from hashlib_core.reproduce.runner import (CellOutcome, execute_cell, pending_reason,
                                           put_package_first_on_kernel_path, run_direct)

if TYPE_CHECKING:
    import submitit

__all__ = ["SlurmSettings", "slurm_settings", "ClusterExecutor", "run_cells", "default_slurm_dir", "CLUSTERS",
           "SubmissionError"]

#: ``slurm``, or submitit's ``local`` executor (the same jobs as local processes: tests, no cluster)
CLUSTERS = ("slurm", "local")
#: outcome of a cell whose job was submitted and not waited for (``--no-wait``)
SUBMITTED = "submitted"
#: the cluster and the seconds between two looks at the queue when the caller names none (tests change them)
DEFAULT_CLUSTER = "slurm"
POLL_S = 10.0


class SubmissionError(ValueError):
    """The scheduler refused the jobs (an unknown partition, a time limit above the partition's …)."""


def default_slurm_dir() -> Path:
    return repo_root() / "artifacts" / "slurm"


@dataclass(frozen=True)
class SlurmSettings:
    """What each job asks the scheduler for: the profile's ``[executor.slurm]`` table, then the command line."""

    partition: str | None = None
    gpus_per_job: int = 0
    cpus_per_job: int = 1
    mem_gb: float | None = None
    time_min: int = 240
    cells_per_job: int = 1
    array_parallelism: int = 64
    #: further ``sbatch`` options without their dashes, e.g. ``{account = "proj", qos = "normal"}``
    additional: tuple[tuple[str, object], ...] = ()


_AT_LEAST = {"gpus_per_job": 0, "cpus_per_job": 1, "time_min": 1, "cells_per_job": 1, "array_parallelism": 1}


def slurm_settings(profile: dict, **overrides) -> SlurmSettings:
    """``profile``'s ``[executor.slurm]`` table with the ``overrides`` that are not None on top.

    Raises:
        ValueError: an unknown key in the table, or a value out of range (one line naming it).
    """
    table = dict(profile.get("executor", {}).get("slurm", {}))
    valid = [f.name for f in fields(SlurmSettings)]
    unknown = sorted(set(table) - set(valid))
    if unknown:
        raise ValueError(f"unknown key {', '.join(unknown)} in [executor.slurm] of the {profile.get('name')} "
                         f"profile; valid keys: {', '.join(valid)}")
    table.update({k: v for k, v in overrides.items() if v is not None})
    table["additional"] = tuple(sorted(dict(table.get("additional", {})).items()))
    settings = SlurmSettings(**table)
    for key, low in _AT_LEAST.items():
        if not isinstance(getattr(settings, key), int) or getattr(settings, key) < low:
            raise ValueError(f"SLURM setting {key} must be a whole number >= {low}, not {getattr(settings, key)!r}")
    if settings.mem_gb is not None and not settings.mem_gb > 0:
        raise ValueError(f"SLURM setting mem_gb must be positive, not {settings.mem_gb!r}")
    return settings


def run_cells(cells: list[Cell], executed_dir: str, force: bool = False) -> list[CellOutcome]:
    """One job's work, in the job's process: every cell of ``cells`` that is not done yet.

    A cell whose record reads and checks (a book cell: also its executed notebook) is skipped, so a
    job that runs twice does its work once; failures are printed to the job's log.
    """
    os.environ.setdefault("TQDM_DISABLE", "1")
    outcomes = []
    for cell in cells:
        direct = not cell.for_book
        reason = "--force" if force else pending_reason(cell, Path(executed_dir), direct)
        if reason is None:
            print(f"{cell.name}: done already (its record checks), skipped", flush=True)
            outcomes.append(CellOutcome(cell, "skipped", 0.0))
            continue
        print(f"{cell.name}: running ({reason})", flush=True)
        outcome = run_direct(cell) if direct else execute_cell(cell, executed_dir)
        if outcome.status == "failed":
            print(f"{cell.name} failed: {outcome.error}", file=sys.stderr, flush=True)
        outcomes.append(outcome)
    return outcomes


def cell_key(cell: Cell) -> str:
    return f"{cell.notebook}/{cell.name}"


#: job id → the cells that job runs
Jobs = dict[str, list[Cell]]
#: jobs submitted by this process, by id (a local job's process handle lives only here)
_SUBMITTED: dict[str, submitit.Job] = {}
# drop the handles at exit while submitit's modules still exist (their __del__ needs them; otherwise
# Python prints "Exception ignored in LocalJob.__del__" for every local job when it shuts down)
atexit.register(_SUBMITTED.clear)


def _job(entry: dict) -> submitit.Job:
    """The submitit job of a state-file entry."""
    from submitit import LocalJob, SlurmJob

    job = _SUBMITTED.get(entry["job"])
    if job is None:
        kind = SlurmJob if entry["cluster"] == "slurm" else LocalJob
        job = kind(folder=entry["folder"], job_id=entry["job"])
    return job


def queued_job_ids() -> set[str] | None:
    """Ids of this user's SLURM jobs (array tasks one by one) still pending or running; None if squeue fails."""
    command = ["squeue", "--noheader", "--array", "--format=%i", f"--user={getpass.getuser()}"]
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"squeue failed ({exc}); trying again", file=sys.stderr)
        return None
    return set(out.split())


class ClusterExecutor:
    """``run_grid``'s hook that runs record cells as submitit jobs (see the module's docstring).

    ``collect``: submit nothing, wait for the jobs in the state file and report them; ``retry_failed``:
    resubmit only the cells whose job ended without a good record; ``wait=False``: submit and return.
    """

    def __init__(self, settings: SlurmSettings, profile: str, *, cluster: str | None = None,
                 slurm_dir: str | os.PathLike | None = None, wait: bool = True, collect: bool = False,
                 retry_failed: bool = False, poll_s: float | None = None) -> None:
        cluster, poll_s = cluster or DEFAULT_CLUSTER, poll_s or POLL_S
        if cluster not in CLUSTERS:
            raise ValueError(f"unknown cluster {cluster!r}; valid: {', '.join(CLUSTERS)}")
        self.settings, self.profile, self.cluster = settings, profile, cluster
        self.slurm_dir = Path(slurm_dir) if slurm_dir else default_slurm_dir()
        self.wait, self.collect, self.retry_failed, self.poll_s = wait, collect, retry_failed, poll_s
        self._state: dict[str, dict] = {}  # cell key → {"job", "cluster", "folder"}, read at each call
        self._executed = Path(".")

    @property
    def state_path(self) -> Path:
        return self.slurm_dir / f"{self.profile}.json"

    def __call__(self, todo: list[Cell], executed: Path, force: bool = False) -> tuple[list[Cell], list[CellOutcome]]:
        """Run the record cells of ``todo``; return the cells left to run here (the chapters that compare
        the records, once every record cell is done) and the record cells' outcomes."""
        records = [c for c in todo if c.writes_record]
        if records:
            self._check_before_submitting(records)
        self._state, self._executed = self._read_state(), Path(executed)
        running, ended, new = self._by_job_state(records)
        submit, outcomes = self._plan(ended, new)
        jobs = {**running, **self._submit(submit, force)}
        if self.wait:
            outcomes += self._wait_for(jobs)
        else:
            outcomes += [CellOutcome(c, SUBMITTED, 0.0, f"job {job_id}", str(self._job_of(cells).paths.stderr))
                         for job_id, cells in jobs.items() for c in cells]
        rest = [c for c in todo if not c.writes_record]
        if any(o.status not in ("done", "skipped") for o in outcomes):
            return [], outcomes + [CellOutcome(c, "pending", 0.0, "waits for the record cells") for c in rest]
        return rest, outcomes

    def _check_before_submitting(self, records: list[Cell]) -> None:
        """One-line errors before any job: no sbatch here, or a folder the jobs could not write."""
        if self.cluster == "slurm" and not shutil.which("sbatch"):
            raise SubmissionError("sbatch not found: --executor slurm runs where SLURM's commands are on the PATH "
                                  "(a cluster's login node)")
        check_writable_dir(self.slurm_dir, "job log folder (--slurm-dir)")
        for folder in {Path(c.params["results_dir"]) / c.params["profile"] for c in records}:
            check_writable_dir(folder, "results folder")

    def _by_job_state(self, cells: list[Cell]) -> tuple[Jobs, Jobs, list[Cell]]:
        """Split pending cells into: job still queued or running, job ended, never submitted."""
        jobs: dict[str, list[Cell]] = {}
        for cell in cells:
            entry = self._state.get(cell_key(cell))
            if entry and entry["cluster"] == self.cluster:
                jobs.setdefault(entry["job"], []).append(cell)
        queued = self._queued(jobs)
        running = {j: cells for j, cells in jobs.items() if j in queued}
        ended = {j: cells for j, cells in jobs.items() if j not in queued}
        submitted = {c for job_cells in jobs.values() for c in job_cells}
        return running, ended, [c for c in cells if c not in submitted]

    def _plan(self, ended: dict[str, list[Cell]], new: list[Cell]) -> tuple[list[Cell], list[CellOutcome]]:
        """The cells to submit now, and the outcomes of those this mode does not submit."""
        failed = [c for cells in ended.values() for c in cells]
        if not (self.collect or self.retry_failed):
            return failed + new, []
        how = "run without --collect or --retry-failed to submit it"
        outcomes = [CellOutcome(c, "pending", 0.0, f"not submitted yet: {how}") for c in new]
        if self.retry_failed:
            return failed, outcomes
        return [], outcomes + [o for cells in ended.values() for o in self._outcomes(cells)]

    def _job_of(self, cells: list[Cell]) -> submitit.Job:
        """The submitit job that runs ``cells`` (one job's cells)."""
        return _job(self._state[cell_key(cells[0])])

    def _queued(self, jobs: dict[str, list[Cell]]) -> set[str]:
        """The ids of ``jobs`` (job id → cells) that have not ended; waits while squeue does not answer."""
        if self.cluster == "local":
            return {j for j, cells in jobs.items() if not self._job_of(cells).done()}
        while jobs and (queued := queued_job_ids()) is None:
            time.sleep(self.poll_s)
        return set(jobs) & queued if jobs else set()

    def submitit_executor(self) -> submitit.AutoExecutor:
        """The submitit AutoExecutor with this run's settings (logs under ``<slurm dir>/<job id>/``)."""
        import submitit

        s = self.settings
        executor = submitit.AutoExecutor(folder=self.slurm_dir / "%j", cluster=self.cluster)
        executor.update_parameters(
            name=f"hashlib-{self.profile}", timeout_min=s.time_min, cpus_per_task=s.cpus_per_job, nodes=1,
            tasks_per_node=1, gpus_per_node=s.gpus_per_job or None, mem_gb=s.mem_gb,
            slurm_partition=s.partition, slurm_array_parallelism=s.array_parallelism,
            slurm_additional_parameters=dict(s.additional) or None, slurm_setup=_job_setup())
        return executor

    def _submit(self, cells: list[Cell], force: bool) -> dict[str, list[Cell]]:
        """Submit ``cells`` as one array job of ``cells_per_job`` cells a task; record them in the state file."""
        from submitit.core.utils import FailedJobError, FailedSubmissionError

        if not cells:
            return {}
        put_package_first_on_kernel_path()  # the jobs import this checkout
        n = self.settings.cells_per_job
        batches = [cells[i:i + n] for i in range(0, len(cells), n)]
        try:
            with contextlib.redirect_stderr(io.StringIO()):  # submitit prints sbatch's complaint; we say it once
                jobs = self.submitit_executor().map_array(run_cells, batches, [str(self._executed)] * len(batches),
                                                          [force] * len(batches))
        except (FailedJobError, FailedSubmissionError) as exc:
            raise SubmissionError(f"the scheduler refused the jobs: {' '.join(str(exc).split())}") from None
        folder = str(self.slurm_dir / "%j")
        _SUBMITTED.update({job.job_id: job for job in jobs})
        self._save({cell_key(c): {"job": job.job_id, "cluster": self.cluster, "folder": folder}
                    for job, batch in zip(jobs, batches) for c in batch})
        print(f"submitted {len(cells)} cells in {len(jobs)} {self.cluster} jobs; logs under {self.slurm_dir}",
              file=sys.stderr)
        return {job.job_id: batch for job, batch in zip(jobs, batches)}

    def _wait_for(self, jobs: dict[str, list[Cell]]) -> list[CellOutcome]:
        """Wait for ``jobs`` (job id → its cells) with a progress bar over the cells; their outcomes."""
        from tqdm.auto import tqdm

        bar = tqdm(total=sum(map(len, jobs.values())), desc=f"{self.cluster} jobs", unit="cell", disable=not jobs)
        outcomes, pending, vanished = [], dict(jobs), set()
        while pending:
            queued = self._queued(pending)
            for job_id in [j for j in pending if j not in queued]:
                if job_id not in vanished and not self._job_of(pending[job_id]).paths.result_pickle.exists():
                    vanished.add(job_id)  # gone without a result: give a shared file system one more look
                    continue
                cells = pending.pop(job_id)
                outcomes += self._outcomes(cells)
                bar.update(len(cells))
            if pending:
                time.sleep(self.poll_s)
        bar.close()
        return outcomes

    def _outcomes(self, cells: list[Cell]) -> list[CellOutcome]:
        """The outcomes of an ended job's cells; a failed cell names the job's log."""
        job = self._job_of(cells)
        job_id, log = job.job_id, str(job.paths.stderr)
        if not job.paths.result_pickle.exists():
            why = f"job {job_id} ended without a result (cancelled, timed out or its node failed)"
            return [self._checked(c, why, log) for c in cells]
        try:
            ran = job.result()
        except Exception as exc:  # the job itself raised, outside a cell
            return [self._checked(c, f"job {job_id} failed: {job_error(exc)}", log) for c in cells]
        return [_logged(o, log) for o in ran]

    def _checked(self, cell: Cell, why: str, log: str) -> CellOutcome:
        """A cell of a job that ended badly: done all the same when its record checks (written before the end)."""
        if pending_reason(cell, self._executed, not cell.for_book) is None:
            return CellOutcome(cell, "done", 0.0, output=log)
        return CellOutcome(cell, "failed", 0.0, f"{why} (log: {log})", log)

    def _read_state(self) -> dict:
        if not self.state_path.exists():
            return {}
        try:
            return dict(json.loads(self.state_path.read_text())["cells"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{self.state_path}: not a job state file ({exc}); delete it to forget the "
                             "submitted jobs") from None

    def _save(self, entries: dict[str, dict]) -> None:
        """Add ``entries`` (cell key → job) to the state file, under a lock: two drivers may submit at once."""
        self.slurm_dir.mkdir(parents=True, exist_ok=True)
        with folder_lock(self.slurm_dir):
            self._state = {**self._read_state(), **entries}
            text = json.dumps({"profile": self.profile, "settings": asdict(self.settings), "cells": self._state},
                              indent=1)
            atomic_write_text(self.state_path, text + "\n")


def _job_setup() -> list[str]:
    """Lines run before each job: the driver's data folder and import path (the same checkout and .venv)."""
    names = ("HASHLIB_DATA", "HASHLIB_CACHE", "PYTHONPATH")
    return [f"export {name}={shlex.quote(os.environ[name])}" for name in names if os.environ.get(name)]


def job_error(exc: BaseException) -> str:
    """The last line of the traceback that submitit's FailedJobError quotes between dashed lines (the error itself)."""
    parts = re.split(r"\n-{10,}\n", str(exc))
    trace = parts[1] if len(parts) > 2 else str(exc)
    lines = [line.strip() for line in trace.splitlines() if line.strip()]
    return lines[-1] if lines else repr(exc)


def _logged(outcome: CellOutcome, log: str) -> CellOutcome:
    if outcome.status != "failed":
        return outcome
    return CellOutcome(outcome.cell, "failed", outcome.seconds, f"{outcome.error} (log: {log})", log)

"""Execute a profile's grid with papermill: resumable, parallel, failures summarised at the end.

Each cell executes one parameterized notebook; the notebook itself writes the cell's result
record through :func:`hashlib_core.experiment.run_experiment` (atomically). An executed
notebook is written to a temporary name and renamed only when the execution succeeded, so a
cell's notebook counts as executed exactly when ``<executed_dir>/<notebook>/<cell>.ipynb`` exists; a failed
one is kept as ``<cell>.failed.ipynb`` for inspection and never leaves a record behind. A cell
that writes a record is done only when that record also reads and its digests check
(:func:`pending_reason`): a missing, truncated or altered record is run again, and the runner says why.
"""
from __future__ import annotations

import json
import os
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from hashlib_core.files import atomic_write_text, repo_root
from hashlib_core.reproduce.grid import Cell, expand_grid, notebooks_dir

__all__ = ["run_grid", "execute_cell", "CellOutcome", "default_executed_dir", "pending_reason", "NOT_RUN"]


@dataclass
class CellOutcome:
    cell: Cell
    status: str  # "done", "skipped", "failed"
    seconds: float
    error: str = ""
    output: str = ""


def default_executed_dir(profile: str) -> Path:
    return repo_root() / "artifacts" / "executed" / profile


def put_package_first_on_kernel_path() -> str:
    """Prepend this package's root to ``PYTHONPATH`` so that notebook kernels import this copy.

    Without it a kernel imports whichever ``hashlib_core`` is installed (an editable install of
    another checkout, say), and its records would name that checkout's commit. Returns the new
    ``PYTHONPATH``.
    """
    root = str(repo_root())
    others = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != root]
    os.environ["PYTHONPATH"] = os.pathsep.join([root, *others])
    return os.environ["PYTHONPATH"]


#: kernel options: the kernel's own log quiet (no "running over TCP without encryption" at every start, no
#: "KeyboardInterrupt caught" from the interrupt jupyter_client sends at every shutdown); errors of the
#: notebook's code still land in the executed notebook and fail the cell
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]


def hide_injected_parameters(notebook: Path) -> None:
    """Tag papermill's injected-parameters cell ``remove-cell``: the book never shows it (machine paths)."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            cell.metadata["tags"] = [*tags, "remove-cell"]
    nbformat.write(nb, notebook)


def execute_cell(cell: Cell, executed_dir: str | os.PathLike, gpu: str | None = None,
                 timeout_s: int | None = None) -> CellOutcome:
    """Run one cell with papermill; return its outcome (never raises for a failing notebook)."""
    import papermill

    if gpu is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = gpu
    os.environ.setdefault("TQDM_DISABLE", "1")
    put_package_first_on_kernel_path()
    out = cell.output_path(Path(executed_dir))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.running.ipynb")
    failed = out.with_name(f"{out.stem}.failed.ipynb")
    source = notebooks_dir() / f"{cell.notebook}.ipynb"
    start = time.perf_counter()
    try:
        papermill.execute_notebook(str(source), str(tmp), parameters=cell.params, kernel_name="python3",
                                   progress_bar=False, cwd=str(notebooks_dir()), execution_timeout=timeout_s,
                                   extra_arguments=KERNEL_ARGUMENTS)
        hide_injected_parameters(tmp)
    except Exception as exc:  # papermill's execution error, a dead kernel, a timeout …
        if tmp.exists():
            os.replace(tmp, failed)
        out.unlink(missing_ok=True)  # an earlier success no longer stands for this chapter
        message = str(exc).strip().splitlines()
        summary = next((line for line in reversed(message) if line.strip()), repr(exc))
        return CellOutcome(cell, "failed", time.perf_counter() - start, summary[:500], str(failed))
    os.replace(tmp, out)
    if failed.exists():
        failed.unlink()
    return CellOutcome(cell, "done", time.perf_counter() - start, output=str(out))


#: why a cell runs when it has never run (not worth a "re-running" line)
NOT_RUN = "not run yet"
_NO_RECORD = "its record is missing"


def _record_problem(cell: Cell) -> str | None:
    """None when the cell's record reads and its digests check; else what is wrong with it."""
    from hashlib_core.results import RecordError, read_record

    p = cell.params
    root = Path(p["results_dir"]) / p["profile"]
    pattern = f"{p['dataset']}*-{p['protocol']}/{p['method']}-{p['n_bits']}b-seed{p['seed']}.json"
    problems = []
    for path in sorted(root.glob(pattern)):
        try:
            read_record(path)
            return None
        except RecordError as exc:
            problems.append(str(exc))
    return "record unreadable: " + "; ".join(problems) if problems else _NO_RECORD


def pending_reason(cell: Cell, executed_dir: Path, direct: bool) -> str | None:
    """None when ``cell`` is done, else why it must run: :data:`NOT_RUN` or the reason to run it again.

    Done means: its record reads and its digests check (``direct``), or its executed notebook is
    newer than the chapter's source and, for a cell that writes a record, that record reads and checks;
    a chapter-only cell (such as the comparison, which audits the records) also newer than the records
    it compares.
    """
    if direct:
        problem = _record_problem(cell)
        return NOT_RUN if problem == _NO_RECORD else problem
    out = cell.output_path(executed_dir)
    if not out.exists():
        return NOT_RUN
    ran = out.stat().st_mtime
    if ran < (notebooks_dir() / f"{cell.notebook}.ipynb").stat().st_mtime:
        return "the chapter's notebook changed since it ran"
    if cell.writes_record:
        return _record_problem(cell)
    return "a record it compares (and audits) changed since it ran" if _newest_compared(cell) > ran else None


def _newest_compared(cell: Cell) -> float:
    """Modification time of the newest file under the results a chapter compares, every profile's
    (the comparison and training-dynamics chapters read several); 0 when there are none."""
    p = cell.params
    folder = Path(p.get("comparison_dir", ""))
    if not p.get("comparison_dir") or not folder.is_dir():
        return 0.0
    return max((f.stat().st_mtime for f in folder.rglob("*") if f.is_file()), default=0.0)


def run_direct(cell: Cell) -> CellOutcome:
    """Run a record cell in this process (same code path as its notebook, without the notebook)."""
    from hashlib_core.experiment import run_experiment

    p = cell.params
    start = time.perf_counter()
    try:
        record = run_experiment(p["method"], p["dataset"], p["protocol"], n_bits=p["n_bits"], seed=p["seed"],
                                profile=p["profile"], device=p["device"], results_dir=p["results_dir"])
    except Exception as exc:
        return CellOutcome(cell, "failed", time.perf_counter() - start, f"{type(exc).__name__}: {exc}"[:500])
    return CellOutcome(cell, "done", time.perf_counter() - start, output=record["_path"])


def run_grid(profile: str, *, jobs: int = 1, gpus: list[str] | None = None, force: bool = False,
             only: list[str] | None = None, device: str = "auto", executed_dir: str | os.PathLike | None = None,
             timeout_s: int | None = None, dry_run: bool = False,
             results_dir: str | os.PathLike | None = None, direct: bool = False,
             where: dict[str, set[str]] | None = None, executor: Callable | None = None) -> list[CellOutcome]:
    """Execute every cell of ``profile`` not done yet; ``jobs`` processes (round-robin over ``gpus``).

    With ``direct``, record cells that are not shown in the book run in-process through
    :func:`~hashlib_core.experiment.run_experiment` (no notebook, no kernel start-up); the book's
    cells still execute their notebooks. ``where`` selects record cells by parameter (see
    :func:`~hashlib_core.reproduce.grid.parse_where`). ``executor`` (such as
    :class:`~hashlib_core.reproduce.slurm.ClusterExecutor`, which implies ``direct``) runs the pending
    cells elsewhere: ``executor(todo, executed_dir, force)`` returns the cells left to run here and the
    outcomes of the others.
    """
    from tqdm.auto import tqdm

    direct = direct or executor is not None
    executed = Path(executed_dir) if executed_dir else default_executed_dir(profile)
    cells = expand_grid(profile, only=only, device=device, results_dir=results_dir, where=where)
    todo, outcomes, reasons = [], [], {}
    for cell in cells:
        reason = "--force" if force else pending_reason(cell, executed, direct and cell.writes_record
                                                        and not cell.for_book)
        if reason is None:
            outcomes.append(CellOutcome(cell, "skipped", 0.0, output=str(cell.output_path(executed))))
            continue
        todo.append(cell)
        reasons[cell] = reason
        if reason not in (NOT_RUN, "--force"):
            print(f"{'would re-run' if dry_run else 're-running'} {cell.name}: {reason}", file=sys.stderr)
    if dry_run:
        return outcomes + [CellOutcome(c, "pending", 0.0, reasons[c]) for c in todo]
    if executor is not None:
        todo, elsewhere = executor(todo, executed, force)
        outcomes += elsewhere
    bar = tqdm(total=len(todo), desc=f"reproduce {profile}", unit="cell", disable=not todo)
    if direct:
        for cell in [c for c in todo if c.writes_record and not c.for_book]:
            bar.set_postfix_str(cell.name)
            outcomes.append(run_direct(cell))
            bar.update()
        todo = [c for c in todo if not (c.writes_record and not c.for_book)]
    if jobs <= 1:
        for cell in todo:
            bar.set_postfix_str(cell.name)
            outcomes.append(execute_cell(cell, executed, gpus[0] if gpus else None, timeout_s))
            bar.update()
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(execute_cell, cell, executed, gpus[i % len(gpus)] if gpus else None,
                                   timeout_s): cell for i, cell in enumerate(todo)}
            for future in as_completed(futures):
                try:
                    outcomes.append(future.result())
                except Exception:  # a worker died: report it, keep the others
                    outcomes.append(CellOutcome(futures[future], "failed", 0.0, traceback.format_exc(limit=2)))
                bar.update()
    bar.close()
    manifest = [{"cell": o.cell.describe(), "status": o.status, "seconds": round(o.seconds, 2),
                 "error": o.error, "output": o.output} for o in outcomes]
    atomic_write_text(executed / "manifest.json", json.dumps(manifest, indent=1) + "\n")
    return outcomes

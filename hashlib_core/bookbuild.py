"""Build the Jupyter Book from the runner's executed notebooks (no code is executed by the book)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from hashlib_core.files import repo_root
from hashlib_core.reproduce import default_executed_dir, expand_grid

__all__ = ["build_book", "collect_chapters", "failure_of"]


def failure_of(executed: Path) -> str:
    """The error of a chapter whose execution failed (kept as ``<cell>.failed.ipynb``), or ``""``."""
    failed = executed.with_name(f"{executed.stem}.failed.ipynb")
    try:
        cells = json.loads(failed.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return ""
    errors = [f"{o.get('ename')}: {o.get('evalue')}" for c in cells for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    return f"{errors[-1] if errors else 'failed'} (see {failed})"


def collect_chapters(profile: str, executed_dir: str | os.PathLike | None = None,
                     book_dir: str | os.PathLike | None = None) -> list[Path]:
    """Copy each notebook's book cell (executed) into ``book/chapters/``; return the copied paths.

    Raises:
        FileNotFoundError: a chapter has not been executed yet, or its execution failed (the message
            says how to run it, and gives a failed chapter's error, such as the audit's record and metric).
    """
    executed = Path(executed_dir) if executed_dir else default_executed_dir(profile)
    chapters = Path(book_dir or repo_root() / "book") / "chapters"
    chapters.mkdir(parents=True, exist_ok=True)
    copied, missing = [], []
    for cell in expand_grid(profile):
        if not cell.for_book:
            continue
        source = cell.output_path(executed)
        if not source.exists():
            failure = failure_of(source)
            missing.append(f"{source}: {failure}" if failure else str(source))
            continue
        target = chapters / f"{cell.notebook}.ipynb"
        shutil.copyfile(source, target)
        copied.append(target)
    if missing:
        raise FileNotFoundError("executed notebooks missing or failed (run `python -m hashlib_core reproduce "
                                f"--profile {profile}` first):\n  " + "\n  ".join(missing))
    return copied


def build_book(profile: str = "smoke", executed_dir: str | os.PathLike | None = None,
               book_dir: str | os.PathLike | None = None, warnings_as_errors: bool = True) -> Path:
    """Collect the executed chapters and run ``jupyter-book build``; return the HTML index path."""
    book = Path(book_dir or repo_root() / "book")
    collect_chapters(profile, executed_dir, book)
    exe = Path(sys.executable).with_name("jupyter-book")
    command = [str(exe) if exe.exists() else "jupyter-book", "build", str(book), "--all"]
    if warnings_as_errors:
        command.append("-W")
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-40:])
        raise RuntimeError(f"jupyter-book build failed (exit {result.returncode}):\n{tail}")
    return book / "_build" / "html" / "index.html"

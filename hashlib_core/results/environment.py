"""Where and with what a run was made: git commit, library versions, hardware."""
from __future__ import annotations

import datetime as _dt
import platform
import subprocess
from functools import lru_cache

from hashlib_core.files import RESULTS_FOLDER, repo_root
from hashlib_core.machine import device_name

__all__ = ["run_environment", "git_commit"]


@lru_cache(maxsize=1)
def git_commit() -> dict:
    """The checkout's commit and whether tracked files outside ``results/`` were modified (``unknown`` outside git).

    Records under ``results/`` are the code's outputs: a rerun that rewrites a committed record does not
    make the records written after it in the same checkout "modified".
    """
    root = repo_root()
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--",
                                ".", f":(exclude){RESULTS_FOLDER}"], cwd=root,
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip() != ""
        return {"commit": commit, "dirty": dirty}
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown", "dirty": None}


def run_environment(device: str | None = None) -> dict:
    """Everything a record needs to say where it came from."""
    import numpy
    import torch

    import hashlib_core

    return {
        **git_commit(),
        "hashlib_core": hashlib_core.__version__,
        "package_path": str(repo_root() / "hashlib_core"),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "device": device_name(device),
        "cuda": torch.version.cuda if torch.cuda.is_available() else None,
        "platform": platform.platform(),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }

"""Where the loaders look for data files, in order."""
from __future__ import annotations

import os
from pathlib import Path

from hashlib_core.files import repo_root

__all__ = ["data_roots", "candidate_dirs"]


def data_roots(data_dir: str | os.PathLike | None = None) -> list[Path]:
    """The root folders searched for datasets, most specific first.

    Order: the ``data_dir`` argument; ``$HASHLIB_DATA``; ``../shared/data`` next to the
    checkout; ``./data`` and ``../shared/data`` relative to the working directory.
    """
    roots: list[Path] = []
    if data_dir is not None:
        roots.append(Path(data_dir))
    if os.environ.get("HASHLIB_DATA"):
        roots.append(Path(os.environ["HASHLIB_DATA"]))
    roots.append(repo_root().parent / "shared" / "data")
    roots.append(Path.cwd() / "data")
    roots.append(Path.cwd().parent / "shared" / "data")
    seen: set[str] = set()
    unique = []
    for root in roots:
        key = os.path.abspath(root)
        if key not in seen:
            seen.add(key)
            unique.append(Path(key))
    return unique


def candidate_dirs(subdirs: list[str], data_dir: str | os.PathLike | None = None,
                   system_dirs: tuple[str, ...] = ()) -> list[Path]:
    """Every folder where a dataset's files may lie: each root, then ``root/<subdir>`` for each subdir.

    ``system_dirs`` (for example a Debian package's folder) are appended last.
    """
    dirs: list[Path] = []
    for root in data_roots(data_dir):
        dirs.append(root)
        dirs.extend(root / sub for sub in subdirs)
    dirs.extend(Path(d) for d in system_dirs)
    return dirs

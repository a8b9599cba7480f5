"""Files and folders (layer 0; named so as not to shadow the standard library's io): atomic writes, locks, the
checkout and cache folders, array digests."""
from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

import numpy as np

__all__ = ["RESULTS_FOLDER", "arrays_digest", "atomic_path", "atomic_write_bytes", "atomic_write_text", "cache_dir", "repo_root", "folder_lock",
           "check_writable_dir", "check_writable_file", "OutputPathError"]


class OutputPathError(ValueError):
    """An output path that cannot be written (a file where a folder must be, no permission)."""


# the checkout's folder of committed records: outputs of the code, so a rerun that rewrites them does
# not make the checkout's code "modified"
RESULTS_FOLDER = "results"


def repo_root() -> Path:
    """The folder that holds the ``hashlib_core`` package (the checkout, in development)."""
    return Path(__file__).resolve().parent.parent


def cache_dir() -> Path:
    """Where decoded datasets and features are cached: ``$HASHLIB_CACHE`` or ``~/.cache/hashlib_core``."""
    root = os.environ.get("HASHLIB_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "hashlib_core")
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` only if the block succeeds.

    Nothing half-written is ever left at ``target``: on an exception the temporary file is removed.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the usual permissions
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def atomic_write_bytes(target: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically (temporary file, then rename)."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def atomic_write_text(target: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    return atomic_write_bytes(target, text.encode("utf-8"))


@contextlib.contextmanager
def folder_lock(folder: str | os.PathLike) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``folder`` (which must exist) across processes.

    POSIX ``flock`` on the folder itself (no lock file is left behind); a no-op where ``fcntl``
    does not exist. Released when the block ends, also when the process dies.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def check_writable_dir(folder: str | os.PathLike, what: str = "output folder") -> Path:
    """Return ``folder`` if it is, or can be created as, a writable folder; else a one-line OutputPathError.

    Nothing is created: this is the check made before a long run, so that it cannot fail at the end.
    """
    folder = Path(folder)
    probe = folder.absolute()
    while not probe.exists() and probe != probe.parent:  # the first part of the path that exists
        probe = probe.parent
    if not probe.is_dir():
        raise OutputPathError(f"cannot write the {what} {folder}: {probe} is a file, not a folder; "
                              "choose another path")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputPathError(f"cannot write the {what} {folder}: {probe} is not writable (permission denied); "
                              "choose a writable path")
    return folder


def check_writable_file(path: str | os.PathLike, what: str = "output file") -> Path:
    """Return ``path`` if a file can be written there (its folder writable or creatable); else OutputPathError."""
    path = Path(path)
    if path.is_dir():
        raise OutputPathError(f"cannot write the {what} {path}: it is a folder; give a file name")
    check_writable_dir(path.parent, f"folder of the {what}")
    return path


def arrays_digest(*arrays: np.ndarray) -> str:
    """SHA-256 (hex) of the arrays' dtypes, shapes and bytes, in order."""
    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{list(array.shape)}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()

"""Checkpoints: everything needed to resume a run bit-for-bit, written atomically, read without pickled code.

One file, ``<checkpoint_dir>/last.pt``, rewritten after every completed epoch through
:func:`hashlib_core.files.atomic_path` (an interruption never leaves a half-written checkpoint).
It holds the model, optimizer, scheduler and loss-scaler states, every random generator state
(torch CPU and CUDA, numpy, Python, the batch-order generator), the epoch and step counters, the
history, and the best-so-far validation mAP with its weights.

Only tensors and plain Python values (dicts, lists, tuples, numbers, strings, None) are stored, and
the file is read with ``torch.load(..., weights_only=True)``: a crafted ``last.pt`` cannot run code,
it is refused with a :class:`CheckpointError`. The numpy and Python generator states are kept as a
tensor and plain numbers (:func:`rng_states`) and turned back by :func:`restore_rng_states`; format-1
files (numpy's state as an array) are still read, allowing numpy's array reconstruction and nothing else.
"""
from __future__ import annotations

import pickle
import random
import zipfile
from pathlib import Path

import numpy as np
import torch

from hashlib_core.files import atomic_path

__all__ = ["checkpoint_path", "save_checkpoint", "load_checkpoint", "rng_states", "restore_rng_states",
           "CheckpointError", "FORMAT_VERSION", "READABLE_FORMATS"]

#: 2: generator states as tensors and plain values; 1 held numpy's as a tuple with an array (still read)
FORMAT_VERSION = 2
READABLE_FORMATS = (1, FORMAT_VERSION)


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read safely (corrupt, truncated, foreign or of another format)."""


def checkpoint_path(directory: str | Path) -> Path:
    """``<directory>/last.pt``."""
    return Path(directory) / "last.pt"


def _numpy_state() -> dict:
    name, key, pos, has_gauss, cached = np.random.get_state()
    return {"bit_generator": str(name), "key": torch.from_numpy(key.astype(np.int64)), "pos": int(pos),
            "has_gauss": int(has_gauss), "cached_gaussian": float(cached)}


def _python_state() -> dict:
    version, internal, gauss_next = random.getstate()
    return {"version": int(version), "internal": list(internal), "gauss_next": gauss_next}


def rng_states(batch_generator: torch.Generator) -> dict:
    """Every random state the loop draws from, as tensors and plain values (safe to load)."""
    return {"torch": torch.get_rng_state(), "numpy": _numpy_state(), "python": _python_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
            "batches": batch_generator.get_state()}


def restore_rng_states(states: dict, batch_generator: torch.Generator) -> None:
    """Inverse of :func:`rng_states` (CUDA states only when CUDA is available here)."""
    torch.set_rng_state(states["torch"])
    n = states["numpy"]
    np.random.set_state((n["bit_generator"], n["key"].numpy().astype(np.uint32), n["pos"], n["has_gauss"],
                         n["cached_gaussian"]))
    p = states["python"]
    random.setstate((p["version"], tuple(p["internal"]), p["gauss_next"]))
    if states.get("cuda") is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])
    batch_generator.set_state(states["batches"])


def save_checkpoint(directory: str | Path, state: dict) -> Path:
    """Write ``state`` to ``<directory>/last.pt`` atomically; returns the path."""
    target = checkpoint_path(directory)
    with atomic_path(target) as tmp:
        torch.save({"format_version": FORMAT_VERSION, **state}, tmp)
    return target


def _start_over(path: Path) -> str:
    return f"delete {path} or run without --resume (resume=False) to start over"


def _numpy_array_globals() -> list:
    """What a format-1 checkpoint needs besides tensors: numpy's uint32 array reconstruction, data only."""
    multiarray = getattr(np, "_core", None) or np.core
    return [multiarray.multiarray._reconstruct, np.ndarray, np.dtype, type(np.dtype(np.uint32))]


def _reason(exc: BaseException) -> str:
    """The informative line of a load failure (for a refused pickle: the global it refused)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if isinstance(exc, pickle.UnpicklingError):
        refused = [line.split("error:", 1)[-1].strip() for line in lines if "GLOBAL" in line]
        return refused[0] if refused else "it holds objects other than tensors and plain values"
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def _upgrade(state: dict) -> dict:
    """A format-1 checkpoint's numpy and Python generator states in the plain form of format 2."""
    rng = state.get("rng")
    if state["format_version"] == 1 and isinstance(rng, dict) and isinstance(rng.get("numpy"), tuple):
        name, key, pos, has_gauss, cached = rng["numpy"]
        version, internal, gauss_next = rng["python"]
        rng["numpy"] = {"bit_generator": name, "key": torch.from_numpy(np.asarray(key, dtype=np.int64)),
                        "pos": pos, "has_gauss": has_gauss, "cached_gaussian": cached}
        rng["python"] = {"version": version, "internal": list(internal), "gauss_next": gauss_next}
    state["format_version"] = FORMAT_VERSION
    return state


def load_checkpoint(directory: str | Path) -> dict | None:
    """The checkpoint in ``directory`` (tensors on CPU), or None when there is none.

    Raises:
        CheckpointError: the file is truncated or corrupt, holds anything but tensors and plain
            values, or has another format; the message names the file and how to start over.
    """
    path = checkpoint_path(directory)
    if not path.is_file():
        return None
    try:
        with torch.serialization.safe_globals(_numpy_array_globals()):
            state = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, zipfile.BadZipFile, OSError) as exc:
        raise CheckpointError(f"{path} is not a readable checkpoint (truncated, corrupt or holding more than "
                              f"tensors and plain values: {_reason(exc)}); {_start_over(path)}") from None
    version = state.get("format_version") if isinstance(state, dict) else None
    if version not in READABLE_FORMATS:
        raise CheckpointError(f"{path} has checkpoint format {version!r}, this version reads {READABLE_FORMATS}; "
                              f"{_start_over(path)}")
    return _upgrade(state)

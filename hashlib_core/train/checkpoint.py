"""Checkpoints: everything needed to resume a run bit-for-bit, written atomically.

One file, ``<checkpoint_dir>/last.pt``, rewritten after every completed epoch through
:func:`hashlib_core.io.atomic_path` (an interruption never leaves a half-written checkpoint).
It holds the model, optimizer, scheduler and loss-scaler states, every random generator state
(torch CPU and CUDA, numpy, Python, the batch-order generator), the epoch and step counters, the
history, and the best-so-far validation mAP with its weights.
"""
from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import torch

from hashlib_core.io import atomic_path

__all__ = ["checkpoint_path", "save_checkpoint", "load_checkpoint", "rng_states", "restore_rng_states",
           "FORMAT_VERSION"]

FORMAT_VERSION = 1


def checkpoint_path(directory: str | Path) -> Path:
    """``<directory>/last.pt``."""
    return Path(directory) / "last.pt"


def rng_states(batch_generator: torch.Generator) -> dict:
    """Every random state the loop draws from."""
    return {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None,
            "batches": batch_generator.get_state()}


def restore_rng_states(states: dict, batch_generator: torch.Generator) -> None:
    """Inverse of :func:`rng_states` (CUDA states only when CUDA is available here)."""
    torch.set_rng_state(states["torch"])
    np.random.set_state(states["numpy"])
    random.setstate(states["python"])
    if states.get("cuda") is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])
    batch_generator.set_state(states["batches"])


def save_checkpoint(directory: str | Path, state: dict) -> Path:
    """Write ``state`` to ``<directory>/last.pt`` atomically; returns the path."""
    target = checkpoint_path(directory)
    with atomic_path(target) as tmp:
        torch.save({"format_version": FORMAT_VERSION, **state}, tmp)
    return target


def load_checkpoint(directory: str | Path) -> dict | None:
    """The checkpoint in ``directory`` (tensors on CPU), or None when there is none."""
    path = checkpoint_path(directory)
    if not path.is_file():
        return None
    state = torch.load(path, map_location="cpu", weights_only=False)
    if state.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path} has checkpoint format {state.get('format_version')!r}, "
                         f"this version reads {FORMAT_VERSION}; start a fresh run (resume=False)")
    return state

"""Checkpoints: everything needed to resume a run bit-for-bit, written atomically."""
from __future__ import annotations

from pathlib import Path

import torch

from hashlib_core.io import atomic_path

__all__ = ["save_checkpoint", "load_checkpoint", "checkpoint_file"]


def checkpoint_file(directory: str | Path) -> Path:
    return Path(directory) / "last.pt"


def save_checkpoint(directory: str | Path, state: dict) -> Path:
    """Write ``state`` (model/optimizer/scheduler state dicts, RNG states, epoch, history …) atomically."""
    target = checkpoint_file(directory)
    with atomic_path(target) as tmp:
        torch.save(state, tmp)
    return target


def load_checkpoint(directory: str | Path) -> dict | None:
    """The last checkpoint in ``directory``, or None when there is none."""
    path = checkpoint_file(directory)
    if not path.is_file():
        return None
    return torch.load(path, map_location="cpu", weights_only=False)

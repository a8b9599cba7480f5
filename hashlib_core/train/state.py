"""The progress of one training run: counters, history and the best validation weights.

:class:`TrainState` is what a checkpoint stores under ``"state"``. It is written as a plain dict
(:meth:`TrainState.to_dict`: numbers, lists, dicts and tensors, readable with
``torch.load(weights_only=True)``) and read back with :meth:`TrainState.from_dict`, which also reads the
dicts of earlier checkpoints (the same eight keys; a missing key takes its default).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import torch

__all__ = ["TrainState"]


@dataclass(eq=False)  # best_state holds tensors: field-wise == would be ambiguous
class TrainState:
    """Where a run stands after its last epoch.

    Attributes:
        epoch: completed epochs (pre-training included); a resumed run starts at this epoch.
        step: optimizer steps taken so far (compared with ``max_steps``).
        history: one entry per epoch run (``epoch``, ``phase``, ``loss``, ``val_map``, ``lr``,
            ``steps``, ``images``, ``seconds``), an incomplete last epoch included.
        best_val_map: the best validation mAP so far (None before the first validation).
        best_epoch: the 1-based epoch of ``best_val_map``.
        best_state: the model's ``state_dict`` at ``best_epoch`` (CPU tensor copies).
        stale: validations since the last improvement (early stopping counts these).
        stopped_early: the run stopped because ``stale`` reached the patience.
    """

    epoch: int = 0
    step: int = 0
    history: list[dict] = field(default_factory=list)
    best_val_map: float | None = None
    best_epoch: int | None = None
    best_state: dict[str, torch.Tensor] | None = None
    stale: int = 0
    stopped_early: bool = False

    def to_dict(self) -> dict:
        """The fields as a plain dict (no copies: ``history`` and ``best_state`` are shared)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, saved: dict) -> TrainState:
        """The state of a checkpoint's ``"state"`` dict; missing keys take defaults, unknown keys are ignored."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in saved.items() if k in names})

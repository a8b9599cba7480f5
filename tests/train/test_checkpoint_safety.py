"""Checkpoints load with weights_only=True: a crafted last.pt cannot run code; a broken one is named."""
from __future__ import annotations

import os
import pickle

import pytest
import torch

from hashlib_core.train.checkpoint import (CheckpointError, checkpoint_path, load_checkpoint, rng_states,
                                           save_checkpoint)


class Payload:
    """Unpickling this object runs a shell command that creates ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
@pytest.mark.parametrize("how", ["torch.save", "plain pickle"])
def test_a_crafted_checkpoint_is_refused_and_runs_nothing(tmp_path, how):
    marker = tmp_path / "pwned"
    target = checkpoint_path(tmp_path / "ckpt")
    target.parent.mkdir()
    payload = {"format_version": 2, "config": Payload(marker)}
    if how == "torch.save":
        torch.save(payload, target)
    else:
        target.write_bytes(pickle.dumps(payload))
    with pytest.raises(CheckpointError, match="last.pt"):
        load_checkpoint(tmp_path / "ckpt")
    assert not marker.exists()


def test_a_truncated_checkpoint_names_the_file_and_how_to_start_over(tmp_path):
    generator = torch.Generator().manual_seed(0)
    path = save_checkpoint(tmp_path, {"config": {"method": "dnnh"}, "model": {"w": torch.zeros(1000)},
                                      "rng": rng_states(generator), "state": {"epoch": 1, "history": []}})
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(tmp_path)
    message = str(info.value)
    assert str(path) in message and "resume=False" in message and "delete" in message
    assert "\n" not in message


def test_generator_states_round_trip_through_a_safe_checkpoint(tmp_path):
    import random

    import numpy as np

    from hashlib_core.train.checkpoint import restore_rng_states

    generator = torch.Generator().manual_seed(3)
    np.random.seed(5)
    random.seed(7)
    np.random.standard_normal()  # leaves a cached gaussian in the legacy state
    save_checkpoint(tmp_path, {"rng": rng_states(generator)})
    expected = (np.random.random(4).tolist(), random.random(), torch.rand(3, generator=generator).tolist())
    restore_rng_states(load_checkpoint(tmp_path)["rng"], generator)
    assert (np.random.random(4).tolist(), random.random(), torch.rand(3, generator=generator).tolist()) == expected


def test_a_format_1_checkpoint_of_a_run_in_flight_still_resumes(tmp_path):
    """Format 1 (numpy's generator state as an array) is read with numpy's array reconstruction allowed."""
    import random

    import numpy as np

    from hashlib_core.train.checkpoint import restore_rng_states

    generator = torch.Generator().manual_seed(3)
    np.random.seed(5)
    random.seed(7)
    old_rng = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate(),
               "cuda": None, "batches": generator.get_state()}
    torch.save({"format_version": 1, "rng": old_rng, "state": {"epoch": 2}}, checkpoint_path(tmp_path))
    expected = (np.random.random(4).tolist(), random.random())
    saved = load_checkpoint(tmp_path)
    restore_rng_states(saved["rng"], generator)
    assert (np.random.random(4).tolist(), random.random()) == expected and saved["state"]["epoch"] == 2

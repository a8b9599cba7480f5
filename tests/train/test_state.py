"""TrainState: stored in checkpoints as the same plain dict as before, read back from old and new ones."""
from __future__ import annotations

import dataclasses

import torch
from conftest import FAST

from hashlib_core.train import TrainConfig, train
from hashlib_core.train.checkpoint import load_checkpoint, rng_states, save_checkpoint
from hashlib_core.train.state import TrainState

#: the keys (in order) that checkpoints have always stored under "state"
STATE_KEYS = ["epoch", "step", "history", "best_val_map", "best_epoch", "best_state", "stale", "stopped_early"]


def a_state() -> TrainState:
    entry = {"epoch": 2, "phase": "hash", "loss": 0.5, "val_map": 0.25, "lr": 0.01, "steps": 10, "images": 500,
             "seconds": 1.5}
    return TrainState(epoch=2, step=20, history=[dict(entry, epoch=1, val_map=None), entry], best_val_map=0.25,
                      best_epoch=2, best_state={"w": torch.arange(6.0).reshape(2, 3), "n": torch.tensor(3)},
                      stale=1, stopped_early=True)


def assert_same(a: TrainState, b: TrainState) -> None:
    plain = [f.name for f in dataclasses.fields(TrainState) if f.name != "best_state"]
    assert {k: getattr(a, k) for k in plain} == {k: getattr(b, k) for k in plain}
    assert (a.best_state is None) == (b.best_state is None)
    if a.best_state is not None:
        assert a.best_state.keys() == b.best_state.keys()
        assert all(torch.equal(a.best_state[k], b.best_state[k]) for k in a.best_state)


def test_to_dict_is_the_plain_checkpoint_dict():
    state = a_state()
    saved = state.to_dict()
    assert type(saved) is dict and list(saved) == STATE_KEYS
    assert saved["history"] is state.history and saved["best_state"] is state.best_state  # no copies
    assert list(TrainState().to_dict()) == STATE_KEYS


def test_state_round_trips_through_a_checkpoint(tmp_path):
    state = a_state()
    save_checkpoint(tmp_path, {"config": {"method": "dnnh"}, "rng": rng_states(torch.Generator().manual_seed(0)),
                               "state": state.to_dict()})
    loaded = load_checkpoint(tmp_path)  # weights_only=True: only plain values and tensors
    assert type(loaded["state"]) is dict and list(loaded["state"]) == STATE_KEYS
    assert_same(TrainState.from_dict(loaded["state"]), state)
    assert_same(TrainState.from_dict(TrainState().to_dict()), TrainState())


def test_old_state_dicts_still_read():
    old = {"epoch": 3, "step": 30, "history": [{"epoch": 1}], "best_val_map": 0.4, "best_epoch": 3,
           "best_state": None, "stale": 0, "stopped_early": False}
    state = TrainState.from_dict(old)
    assert state.to_dict() == old and state.history is old["history"]
    older = {k: v for k, v in old.items() if k != "stopped_early"}  # a missing key takes its default
    assert TrainState.from_dict(older).stopped_early is False


def test_a_training_checkpoint_stores_state_as_the_plain_dict(digits, digits_split, tmp_path):
    config = TrainConfig(method="ssdh", epochs=1, checkpoint_dir=str(tmp_path), **FAST)
    result = train(config, digits, digits_split)
    saved = load_checkpoint(tmp_path)["state"]
    assert type(saved) is dict and list(saved) == STATE_KEYS
    assert (saved["epoch"], saved["best_epoch"], saved["best_val_map"]) == (1, 1, result.best_val_map)
    assert saved["history"] == result.history
    assert all(v.device.type == "cpu" for v in saved["best_state"].values())

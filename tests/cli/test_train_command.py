"""The ``train`` sub-command: register on a parser, run, print the test mAP."""
from __future__ import annotations

import dataclasses
import json

from hashlib_core.cli import build_parser, config_from_args
from hashlib_core.train import TrainConfig


def parse(argv):
    return build_parser().parse_args(argv)


def test_every_config_field_is_an_option_with_the_fields_default():
    args = parse(["train", "--method", "dnnh"])
    assert config_from_args(args) == TrainConfig(method="dnnh")
    assert {f.name for f in dataclasses.fields(TrainConfig)} <= set(vars(args))


def test_arguments_map_to_the_config():
    args = parse(["train", "--method", "expo", "--bits", "24", "--pretrain-epochs", "2", "--batch-size", "64",
                  "--lr", "0.01", "--device", "cpu", "--checkpoint-dir", "/tmp/x", "--resume", "--max-steps", "5",
                  "--no-batch-norm"])
    config = config_from_args(args)
    assert (config.method, config.n_bits, config.pretrain_epochs, config.batch_size, config.lr) == ("expo", 24, 2, 64, 0.01)
    assert config.checkpoint_dir == "/tmp/x" and config.resume and config.max_steps == 5 and config.batch_norm is False


def test_run_trains_and_prints_map(tmp_path, capsys):
    out_json = tmp_path / "run.json"
    args = parse(["train", "--method", "ssdh", "--epochs", "1", "--batch-size", "50", "--width-mult", "0.125",
                  "--max-steps", "2", "--device", "cpu", "--no-progress", "--json", str(out_json)])
    assert args.func(args) == 0
    printed = capsys.readouterr().out
    assert "mAP@all" in printed and "classification accuracy" in printed
    record = json.loads(out_json.read_text())
    assert record["config"]["method"] == "ssdh" and 0 <= record["metrics"]["map@all"] <= 1

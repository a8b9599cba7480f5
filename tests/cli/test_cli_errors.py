"""Command-line errors: one line saying what is wrong and what to do, before any work, never a traceback."""
from __future__ import annotations

import json
import os

import pytest

import hashlib_core.data
import hashlib_core.train
from hashlib_core.cli import main
from hashlib_core.eval.codes import MAX_BITS

EXPERIMENT = ["experiment", "--method", "sh", "--dataset", "digits", "--protocol", "cnnh-mini"]
TRAIN = ["train", "--method", "ssdh", "--device", "cpu", "--no-progress"]


def run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture
def no_work(monkeypatch):
    """Any data loading or training fails the test: the checks must come first."""
    def forbidden(*args, **kwargs):
        raise AssertionError("work started before the arguments were checked")

    monkeypatch.setattr(hashlib_core.data, "load_dataset", forbidden)
    monkeypatch.setattr(hashlib_core.train, "train", forbidden)


@pytest.fixture
def a_file(tmp_path):
    path = tmp_path / "a-file"
    path.write_text("not a folder")
    return path


def test_too_many_bits_for_a_baseline_is_refused_before_loading_data(capsys, no_work):
    code, _, err = run(capsys, EXPERIMENT + ["--bits", "100000"])
    assert code == 2 and err == f"error: n_bits must be an integer from 1 to {MAX_BITS}, got 100000\n"


def test_a_results_dir_under_a_file_is_refused_before_the_run(capsys, no_work, a_file):
    code, _, err = run(capsys, EXPERIMENT + ["--bits", "16", "--results-dir", str(a_file / "results")])
    assert code == 2 and f"{a_file} is a file, not a folder" in err and err.count("\n") == 1


def test_a_read_only_results_dir_is_refused_before_the_run(capsys, no_work, tmp_path, monkeypatch):
    monkeypatch.setattr(os, "access", lambda path, mode: False)  # as if not writable (root may write anyway)
    code, _, err = run(capsys, EXPERIMENT + ["--bits", "16", "--results-dir", str(tmp_path)])
    assert code == 2 and "permission denied" in err and str(tmp_path) in err


@pytest.mark.parametrize("option", ["--json", "--checkpoint-dir"])
def test_train_outputs_under_a_file_are_refused_before_training(capsys, no_work, a_file, option):
    code, _, err = run(capsys, TRAIN + [option, str(a_file / "out")])
    assert code == 2 and "is a file, not a folder" in err and err.count("\n") == 1


def test_resume_without_a_checkpoint_dir_is_an_error(capsys, no_work):
    code, _, err = run(capsys, TRAIN + ["--resume"])
    assert code == 2 and "--resume needs --checkpoint-dir" in err


def _interrupt(*args, **kwargs):
    raise KeyboardInterrupt


def test_ctrl_c_during_training_prints_how_to_resume(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(hashlib_core.train, "train", _interrupt)
    code, _, err = run(capsys, TRAIN + ["--checkpoint-dir", str(tmp_path)])
    assert code == 130
    assert (f"resume with: python -m hashlib_core train --method ssdh --device cpu --no-progress "
            f"--checkpoint-dir {tmp_path} --resume") in err
    code, _, err = run(capsys, TRAIN)
    assert code == 130 and "add --checkpoint-dir" in err


@pytest.fixture
def only_root(tmp_path, monkeypatch):
    """The data loaders look only in ``tmp_path``."""
    monkeypatch.setattr(hashlib_core.data.locate, "data_roots", lambda data_dir=None: [tmp_path])
    return tmp_path


def test_a_missing_dataset_is_one_clear_error_for_experiment(capsys, only_root):
    code, _, err = run(capsys, ["experiment", "--method", "lsh", "--dataset", "svhn", "--protocol", "cnnh",
                                "--bits", "16", "--no-write"])
    assert code == 2 and "dataset 'svhn' not found" in err and str(only_root) in err and "ufldl" in err


def test_data_exits_non_zero_with_where_it_looked_and_how_to_get_it(capsys, only_root):
    code, out, _ = run(capsys, ["data", "digits", "svhn"])
    assert code == 1 and "name='digits'" in out
    assert "svhn: dataset 'svhn' not found" in out and str(only_root / "svhn") in out and "ufldl" in out


def test_data_exits_non_zero_for_a_corrupt_dataset(capsys, only_root):
    folder = only_root / "cifar-10-batches-py"
    folder.mkdir()
    for name in ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"):
        (folder / name).write_bytes(b"corrupt")
    code, out, _ = run(capsys, ["data", "cifar10"])
    assert code == 1 and "cifar10: corrupt:" in out and "data_batch_1: md5" in out and "cs.toronto.edu" in out


def test_out_of_memory_and_os_errors_are_one_line_with_the_fix(capsys, monkeypatch, tmp_path):
    import hashlib_core.experiment
    import hashlib_core.results

    def out_of_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(hashlib_core.experiment, "run_experiment", out_of_memory)
    code, _, err = run(capsys, EXPERIMENT + ["--bits", "16"])
    assert code == 2 and err.startswith("error: out of memory") and err.count("\n") == 1

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", "/somewhere/summary.csv")

    monkeypatch.setattr(hashlib_core.results, "write_summary", denied)
    code, _, err = run(capsys, ["summary", "--results-dir", str(tmp_path)])
    assert code == 2 and err.startswith("error: /somewhere/summary.csv: Permission denied; choose a writable path")


def test_summary_of_a_results_dir_that_does_not_exist_is_an_error_and_creates_nothing(capsys, tmp_path):
    code, _, err = run(capsys, ["summary", "--results-dir", str(tmp_path / "nowhere")])
    assert code == 2 and "does not exist" in err and not (tmp_path / "nowhere").exists()


def test_summary_markdown_of_an_unknown_profile_lists_the_profiles(capsys, tmp_path):
    from hashlib_core.results import PROFILES

    code, _, err = run(capsys, ["summary", "--results-dir", str(tmp_path), "--markdown", "foo"])
    assert code == 2 and f"unknown profile 'foo' for --markdown; valid profiles: {', '.join(PROFILES)}" in err


def test_summary_audit_refuses_a_tampered_record(capsys, tmp_path):
    from hashlib_core.experiment import run_experiment

    path = run_experiment("lsh", "digits", "cnnh-mini", n_bits=16, seed=0, profile="smoke",
                          results_dir=tmp_path)["_path"]
    code, out, _ = run(capsys, ["summary", "--results-dir", str(tmp_path), "--audit"])
    assert code == 0 and "audit: every stored metric of 1 records matches" in out
    stored = json.loads(open(path).read())
    stored["metrics"]["map@1000"] += 0.1
    with open(path, "w") as f:
        json.dump(stored, f)
    code, out, err = run(capsys, ["summary", "--results-dir", str(tmp_path), "--audit"])
    assert code == 2 and f"{path}: map@1000 stored" in err
    assert str(stored["metrics"]["map@1000"]) not in (tmp_path / "summary.csv").read_text()  # not rewritten


@pytest.mark.parametrize("selection, valid", [(["--where", "seed=abc"], "valid seed values: 0"),
                                              (["--where", "method=nope"], "valid method values: dnnh, dnnh-fc, expo"),
                                              (["--only", "nope"], "notebooks: 01_introduction")])
def test_reproduce_selection_that_matches_nothing_lists_the_valid_values(capsys, selection, valid):
    code, _, err = run(capsys, ["reproduce", "--profile", "smoke", "--dry-run", *selection])
    assert code == 2 and valid in err

"""run_experiment refuses bad bits and unwritable results folders before loading data or training."""
from __future__ import annotations

import pytest

import hashlib_core.data
from hashlib_core.experiment import run_experiment
from hashlib_core.files import OutputPathError
from hashlib_core.eval.codes import MAX_BITS


@pytest.fixture(autouse=True)
def no_data(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("data loaded before the arguments were checked")

    monkeypatch.setattr(hashlib_core.data, "load_dataset", forbidden)


@pytest.mark.parametrize("method", ["sh", "lsh", "ksh", "ssdh"])
def test_more_bits_than_max_bits_is_refused_for_every_method(method):
    with pytest.raises(ValueError, match=f"n_bits must be an integer from 1 to {MAX_BITS}, got {MAX_BITS + 1}"):
        run_experiment(method, "digits", "cnnh-mini", n_bits=MAX_BITS + 1, write=False)


def test_a_results_folder_that_cannot_be_written_is_refused_first(tmp_path):
    blocker = tmp_path / "results"
    blocker.write_text("a file where the results folder should be")
    with pytest.raises(OutputPathError, match=f"{blocker} is a file, not a folder"):
        run_experiment("lsh", "digits", "cnnh-mini", n_bits=16, results_dir=blocker)

"""Every way a record can be broken ends in one RecordError that names the file and what is wrong."""
from __future__ import annotations

import json

import numpy as np
import pytest

from hashlib_core.results import iter_records, write_record
from hashlib_core.results.store import RecordError, read_record


def _record():
    rng = np.random.default_rng(0)
    return {"paper": "baselines", "method": "lsh", "dataset": "digits", "variant": "digits", "protocol": "cnnh-mini",
            "n_bits": 16, "seed": 1, "profile": "smoke", "metrics": {"map@all": 0.5},
            "codes": {"query": rng.integers(0, 2, (50, 16), dtype=np.uint8),
                      "database": rng.integers(0, 2, (500, 16), dtype=np.uint8),
                      "query_labels": np.arange(50) % 10, "database_labels": np.arange(500) % 10}}


@pytest.fixture
def path(tmp_path):
    return write_record(_record(), tmp_path)


def side_file(path, which="codes"):
    refs = json.loads(path.read_text())["codes"]
    return path.parent / (refs["file"] if which == "codes" else refs["labels"]["file"])


def flip_bytes(path, start, stop):
    data = bytearray(path.read_bytes())
    for i in range(start, min(stop, len(data))):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


BREAKAGES = {
    "truncated JSON": (lambda p: truncate(p), "not valid JSON"),
    "JSON that is not a record": (lambda p: p.write_text("[1, 2]"), "schema None"),
    "codes file with flipped bytes": (lambda p: flip_bytes(side_file(p), 40, 400), "codes file .* is corrupt"),
    "codes file with a broken zip directory": (lambda p: flip_bytes(side_file(p), side_file(p).stat().st_size - 30,
                                                                    side_file(p).stat().st_size), "is corrupt"),
    "truncated codes file": (lambda p: truncate(side_file(p)), "codes file .* is corrupt"),
    "missing codes file": (lambda p: side_file(p).unlink(), "codes-.*npz it names is missing"),
    "truncated labels file": (lambda p: truncate(side_file(p, "labels")), "labels file labels-.* is corrupt"),
    "missing record": (lambda p: p.unlink(), "cannot read the record"),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_a_broken_record_is_one_error_naming_the_file(path, breakage):
    damage, what = BREAKAGES[breakage]
    damage(path)
    with pytest.raises(RecordError, match=what) as info:
        read_record(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message


def test_iterating_a_results_folder_names_the_bad_record(path, tmp_path):
    truncate(path)
    with pytest.raises(RecordError, match=f"^{path}: not valid JSON"):
        list(iter_records(tmp_path))

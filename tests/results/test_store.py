import json

import numpy as np
import pytest

from hashlib_core.protocols import make_split
from hashlib_core.results import (build_record, decode_codes, encode_codes, iter_records, read_record,
                                  record_codes, record_path, write_record, write_summary)
from hashlib_core.results.codes import decode_array, encode_array


@pytest.mark.parametrize("n_bits", [1, 7, 12, 48, 64, 130])
def test_codes_round_trip_random_and_clustered(n_bits):
    rng = np.random.default_rng(n_bits)
    random = rng.integers(0, 2, size=(257, n_bits), dtype=np.uint8)
    clustered = random[rng.integers(0, 5, size=3000)]  # few distinct codes: stored as unique+inverse
    for codes in (random, clustered):
        blob = encode_codes(codes)
        assert np.array_equal(decode_codes(json.loads(json.dumps(blob))), codes)
    if n_bits >= 48:  # for short codes plain packing is already smaller than an index per item
        assert encode_codes(clustered)["layout"] == "unique+inverse"


def test_codes_reject_non_binary_and_wrong_shape():
    with pytest.raises(ValueError, match="must be in \\{0, 1\\}"):
        encode_codes(np.array([[0, 2]]))
    with pytest.raises(ValueError, match="2-D"):
        encode_codes(np.zeros(5, dtype=np.uint8))


def test_array_round_trip_keeps_dtype():
    labels = np.array([3, 1, 4, 1, 5, 9, 2, 6], dtype=np.int64)
    back = decode_array(encode_array(labels))
    assert back.dtype == np.int64 and np.array_equal(back, labels)
    with pytest.raises(ValueError, match="integer or bool"):
        encode_array(np.array([0.5]))


def _record(digits, profile="smoke", value=0.5):
    split = make_split(digits, "cnnh-mini", seed=1)
    rng = np.random.default_rng(0)
    q = rng.integers(0, 2, size=(len(split.query), 8), dtype=np.uint8)
    d = rng.integers(0, 2, size=(len(split.database), 8), dtype=np.uint8)
    return build_record(paper="baselines", method="lsh", split=split, n_bits=8, profile=profile,
                        metrics={"map@all": value, "pr_curve": {"radius": [0, 1], "precision": [1.0, 0.5]}},
                        query_codes=q, db_codes=d, query_labels=digits.labels[split.query],
                        db_labels=digits.labels[split.database], hyperparameters={}, environment={"device": "cpu"},
                        timings={"total_s": 1.0})


def test_write_read_round_trip_and_layout(digits, tmp_path):
    record = _record(digits)
    path = write_record(record, tmp_path)
    assert path == record_path(tmp_path, profile="smoke", variant="digits", protocol="cnnh-mini", method="lsh",
                               n_bits=8, seed=1)
    back = read_record(path)
    assert back["metrics"] == {"map@all": 0.5} and back["curves"]["pr_curve"]["precision"] == [1.0, 0.5]
    assert back["split"]["digest"] == make_split(digits, "cnnh-mini", seed=1).digest()
    q, d, ql, dl = record_codes(back)
    assert q.shape == (100, 8) and d.shape == (1697, 8) and ql.shape == (100,) and dl.shape == (1697,)
    assert not list(tmp_path.rglob("*.tmp"))


def test_non_finite_metric_and_unknown_profile_refused(digits, tmp_path):
    with pytest.raises(ValueError, match="non-finite"):
        _record(digits, value=float("nan"))
    with pytest.raises(ValueError, match="unknown profile 'nightly'.*smoke, reduced, full"):
        _record(digits, profile="nightly")


def test_failed_write_leaves_nothing(digits, tmp_path):
    record = _record(digits)
    record["hyperparameters"] = {"not json": object()}
    with pytest.raises(TypeError):
        write_record(record, tmp_path)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_summary_csv_is_generated_from_records(digits, tmp_path):
    write_record(_record(digits, "smoke", 0.25), tmp_path)
    write_record(_record(digits, "reduced", 0.75), tmp_path)
    text = write_summary(tmp_path).read_text().splitlines()
    assert text[0].startswith("profile,paper,method")
    assert len(text) == 3 and {line.split(",")[0] for line in text[1:]} == {"smoke", "reduced"}
    assert [r["metrics"]["map@all"] for r in iter_records(tmp_path, "reduced")] == [0.75]


def test_records_of_one_split_share_one_labels_file(digits, tmp_path):
    first = write_record(_record(digits), tmp_path)
    other = _record(digits)
    other["method"], other["_path"] = "itq", "/not/stored"
    second = write_record(other, tmp_path)
    labels_files = sorted(p.name for p in first.parent.glob("labels-*.json"))
    assert len(labels_files) == 1
    stored = json.loads(second.read_text())
    assert "_path" not in stored and stored["schema"] == 2
    assert set(stored["codes"]) == {"query", "database", "labels"}
    assert stored["codes"]["labels"]["file"] == labels_files[0]
    # the labels file is not a record, and reading puts the labels back inline
    assert [r["method"] for r in iter_records(tmp_path)] == ["itq", "lsh"]
    split = make_split(digits, "cnnh-mini", seed=1)
    _, _, query_labels, db_labels = record_codes(read_record(second))
    assert np.array_equal(query_labels, digits.labels[split.query])
    assert np.array_equal(db_labels, digits.labels[split.database])


def test_schema_1_record_with_inline_labels_is_still_read(digits, tmp_path):
    record = _record(digits)
    record["schema"] = 1
    path = tmp_path / "lsh-8b-seed1.json"
    path.write_text(json.dumps(record))
    assert np.array_equal(record_codes(read_record(path))[3], record_codes(record)[3])


def test_missing_or_altered_labels_file_is_an_error(digits, tmp_path):
    path = write_record(_record(digits), tmp_path)
    (labels_path,) = path.parent.glob("labels-*.json")
    labels = json.loads(labels_path.read_text())
    labels["query_labels"] = encode_array(decode_array(labels["query_labels"])[::-1].copy())
    labels_path.write_text(json.dumps(labels))
    with pytest.raises(ValueError, match="do not match the digest"):
        read_record(path)
    labels_path.unlink()
    with pytest.raises(ValueError, match="labels file labels-.* is missing"):
        read_record(path)

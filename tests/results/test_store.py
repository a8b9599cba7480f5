import json
import re

import numpy as np
import pytest

from hashlib_core.profiles import PROFILE_NAMES

from hashlib_core.protocols import make_split
from hashlib_core.results import (build_record, decode_codes, encode_codes, iter_records, read_record,
                                  record_codes, record_path, write_record, write_summary)
from hashlib_core.results.codes import (code_arrays_for_storage, codes_from_storage, decode_array, encode_array,
                                        load_arrays, save_arrays)


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


def test_stored_codes_are_checked_once_per_step_and_must_be_bits(digits, tmp_path, monkeypatch):
    from hashlib_core.eval import codes as eval_codes

    calls, check = [], eval_codes.to_bits
    monkeypatch.setattr(eval_codes, "to_bits", lambda codes, name, *a, **kw: calls.append(name) or check(codes, name,
                                                                                                         *a, **kw))
    record = _record(digits)
    assert calls == ["query codes", "database codes"]  # build_record
    write_record(record, tmp_path)
    assert calls == ["query codes", "database codes"] * 2  # write_record checks once more, packing not at all
    record["codes"]["query"] = 2 * record["codes"]["query"].astype(np.int8) - 1
    with pytest.raises(ValueError, match=r"^query codes are not binary: found value -1 \(codes must be in \{0, 1\}\)$"):
        write_record(record, tmp_path)


def test_non_finite_metric_and_unknown_profile_refused(digits, tmp_path):
    with pytest.raises(ValueError, match="non-finite"):
        _record(digits, value=float("nan"))
    with pytest.raises(ValueError, match="unknown profile 'nightly'; valid profiles: " + ", ".join(PROFILE_NAMES)):
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
    names = sorted(p.name for p in first.parent.iterdir() if not p.name.startswith("labels-"))
    assert [re.sub(r"codes-[0-9a-f]{16}", "codes-<digest>", n) for n in names] == [
        "itq-8b-seed1.codes-<digest>.npz", "itq-8b-seed1.json", "lsh-8b-seed1.codes-<digest>.npz", "lsh-8b-seed1.json"]
    labels_files = sorted(p.name for p in first.parent.glob("labels-*.npz"))
    assert len(labels_files) == 1
    stored = json.loads(second.read_text())
    assert "_path" not in stored and stored["schema"] == 2
    assert stored["codes"]["file"] == f"itq-8b-seed1.codes-{stored['codes']['sha256'][:16]}.npz"
    assert stored["codes"]["labels"]["file"] == labels_files[0]
    # the side files are not records, and reading puts codes and labels back as arrays
    assert [r["method"] for r in iter_records(tmp_path)] == ["itq", "lsh"]
    split = make_split(digits, "cnnh-mini", seed=1)
    q, d, query_labels, db_labels = record_codes(read_record(second))
    assert np.array_equal(q, other["codes"]["query"]) and np.array_equal(d, other["codes"]["database"])
    assert np.array_equal(query_labels, digits.labels[split.query])
    assert np.array_equal(db_labels, digits.labels[split.database])


def test_schema_1_record_with_codes_inside_the_json_is_still_read(digits, tmp_path):
    record = _record(digits)
    q, d, ql, dl = record_codes(record)
    record["schema"] = 1
    record["codes"] = {"query": encode_codes(q), "database": encode_codes(d),
                       "query_labels": encode_array(ql), "database_labels": encode_array(dl)}
    path = tmp_path / "lsh-8b-seed1.json"
    path.write_text(json.dumps(record))
    back = record_codes(read_record(path))
    assert all(np.array_equal(a, b) for a, b in zip(back, (q, d, ql, dl)))


def test_missing_or_altered_side_files_are_errors(digits, tmp_path):
    path = write_record(_record(digits), tmp_path)
    codes_path = path.with_name(json.loads(path.read_text())["codes"]["file"])
    arrays = load_arrays(codes_path)
    key = next(k for k in arrays if k.startswith("query.") and not k.endswith("n_bits"))
    arrays[key] = arrays[key][::-1].copy()
    save_arrays(codes_path, arrays)
    with pytest.raises(ValueError, match="do not match the digest"):
        read_record(path)
    write_record(_record(digits), tmp_path)
    read_record(path)
    (labels_path,) = path.parent.glob("labels-*.npz")
    labels_path.unlink()
    with pytest.raises(ValueError, match="the file labels-.*npz it names is missing"):
        read_record(path)


@pytest.mark.parametrize("n_bits", [1, 12, 48, 130])
def test_packed_codes_round_trip_through_npz(n_bits, tmp_path):
    rng = np.random.default_rng(n_bits)
    random = rng.integers(0, 2, size=(257, n_bits), dtype=np.uint8)
    clustered = random[rng.integers(0, 5, size=3000)]
    for codes in (random, clustered):
        save_arrays(tmp_path / "c.npz", code_arrays_for_storage(codes, "database"))
        assert np.array_equal(codes_from_storage(load_arrays(tmp_path / "c.npz"), "database"), codes)
    if n_bits >= 48:
        assert "database.unique" in code_arrays_for_storage(clustered, "database")

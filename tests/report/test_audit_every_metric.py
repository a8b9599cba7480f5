"""The audit recomputes every stored scalar, every curve and the accuracy, and fails naming record and metric."""
from __future__ import annotations

import pytest

from hashlib_core.display import audit_records
from hashlib_core.experiment import run_experiment
from hashlib_core.results import PREDICTIONS, iter_records, write_record
from hashlib_core.results.audit import NOT_RECOMPUTABLE, AuditError, prediction_accuracy

# the smoke profile's own settings (a record it describes); threads and progress bars change no result
FAST_DEEP = dict(num_threads=1, progress=False)


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    run_experiment("lsh", "digits", "cnnh-mini", n_bits=16, seed=0, profile="smoke", results_dir=root)
    run_experiment("ssdh", "digits", "cnnh-mini", n_bits=16, seed=0, profile="smoke", results_dir=root,
                   device="cpu", **FAST_DEEP)
    return root


def tampered(results_dir, tmp_path, method, change):
    """A copy of ``method``'s record, changed by ``change(record)``, alone in a results folder; its path."""
    record = next(r for r in iter_records(results_dir) if r["method"] == method)
    record.pop("_path")
    change(record)
    return write_record(record, tmp_path)


def test_untouched_records_pass_and_the_accuracy_is_recomputed(results_dir):
    table = audit_records(results_dir, "smoke")
    assert sorted(table["method"]) == ["lsh", "ssdh"]
    ssdh = table[table["method"] == "ssdh"].iloc[0]
    assert ssdh["max |Δ accuracy|"] == 0.0 and ssdh["max |Δ map@1000|"] == 0.0 and ssdh["notes"] == ""
    record = next(r for r in iter_records(results_dir) if r["method"] == "ssdh")
    predictions = record["codes"][PREDICTIONS]
    assert predictions.shape == record["codes"]["query_labels"].shape
    assert record["metrics"]["accuracy"] == prediction_accuracy(predictions, record["codes"]["query_labels"])


def _shift(name, by=0.125):
    return lambda record: record["metrics"].__setitem__(name, record["metrics"][name] + by)


CHANGES = {
    "map@1000": _shift("map@1000"),
    "map@5000": _shift("map@5000"),
    "p@r2": _shift("p@r2"),
    "n_queries": _shift("n_queries", 1),
    "ties": lambda record: record["metrics"].__setitem__("ties", "optimistic"),
    "pr_curve": lambda record: record["curves"]["pr_curve"]["precision"].__setitem__(0, 0.0),
    "recall@n": lambda record: record["curves"]["recall@n"]["recall"].pop(),
}


@pytest.mark.parametrize("metric", list(CHANGES))
def test_any_tampered_metric_or_curve_fails_the_audit_naming_record_and_metric(results_dir, tmp_path, metric):
    path = tampered(results_dir, tmp_path, "lsh", CHANGES[metric])
    with pytest.raises(AuditError, match=rf"{path}: {metric} "):
        audit_records(tmp_path, "smoke")
    table = audit_records(tmp_path, "smoke", strict=False)  # the table still shows every record
    assert len(table) == 1


def test_a_tampered_accuracy_fails_the_audit(results_dir, tmp_path):
    path = tampered(results_dir, tmp_path, "ssdh", _shift("accuracy", -0.01))
    with pytest.raises(AuditError, match=rf"{path}: accuracy stored"):
        audit_records(tmp_path, "smoke")


def test_records_without_predictions_say_accuracy_is_not_recomputable(results_dir, tmp_path):
    tampered(results_dir, tmp_path, "ssdh", lambda record: record["codes"].pop(PREDICTIONS))
    table = audit_records(tmp_path, "smoke")  # no error: older records are reported, not failed
    assert table.loc[0, "notes"] == NOT_RECOMPUTABLE

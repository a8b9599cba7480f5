"""The comparison chapter's audit recomputes stored metrics from stored codes and catches a mismatch."""
import pytest

from hashlib_core.display import audit_records
from hashlib_core.experiment import run_experiment
from hashlib_core.results import iter_records, write_record


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    for method in ("lsh", "itq"):
        run_experiment(method, "digits", "cnnh-mini", n_bits=16, seed=0, profile="smoke", results_dir=root)
    return root


def test_audit_finds_no_difference_in_untouched_records(results_dir):
    table = audit_records(results_dir, "smoke")
    assert sorted(table["method"]) == ["itq", "lsh"]
    assert (table["records"] == 1).all()
    assert (table["max |Δ map@all|"] < 1e-9).all() and (table["max |Δ p@r2|"] < 1e-9).all()


def test_audit_reports_a_tampered_metric(results_dir, tmp_path):
    record = next(r for r in iter_records(results_dir / "smoke") if r["method"] == "lsh")
    path = record.pop("_path")
    record["metrics"]["map@all"] += 0.25
    write_record(record, tmp_path)
    table = audit_records(tmp_path, "smoke", strict=False)
    assert table.loc[0, "max |Δ map@all|"] == pytest.approx(0.25)
    assert path  # the original record is untouched


def test_audit_of_a_missing_profile_says_so(tmp_path):
    assert "no full-profile records" in audit_records(tmp_path, "full").iloc[0, 0]


def test_the_audit_of_a_record_draws_no_engine_progress_bar(results_dir, monkeypatch, capsys):
    # the audit of many records shows one bar over the records; a bar per record's queries is noise
    import importlib

    from hashlib_core.results.audit import audit_record

    evaluate_module = importlib.import_module("hashlib_core.eval.evaluate")
    monkeypatch.setattr(evaluate_module, "progress_default", lambda n_queries, n_database: True)
    record = next(iter_records(results_dir / "smoke"))
    assert max(audit_record(record).differences.values(), default=0.0) < 1e-9
    assert "hamming ranking" not in capsys.readouterr().err


def test_a_record_whose_profile_changed_since_is_stale(results_dir):
    from hashlib_core.results.audit import AuditError, audit_record, raise_on_mismatch, stale_settings

    record = next(r for r in iter_records(results_dir / "smoke") if r["method"] == "lsh")
    assert stale_settings(record) == [] and audit_record(record).stale == []
    settings = record["hyperparameters"]["profile_settings"]
    record["hyperparameters"]["profile_settings"] = {**settings, "n_anchors": 7}
    assert stale_settings(record) == ["made with n_anchors = 7, the smoke profile now says None"]
    with pytest.raises(AuditError, match=r"1 setting\(s\) of records differ from their profile today.*n_anchors"):
        raise_on_mismatch([audit_record(record)])


def test_every_committed_record_is_described_by_its_profile_today():
    # the tables describe a record by its profile's TOML: a profile changed since must not describe old records
    from hashlib_core.files import repo_root
    from hashlib_core.results.audit import stale_settings

    stale = {r["_path"]: stale_settings(r) for r in iter_records(repo_root() / "results")}
    assert {path: why for path, why in stale.items() if why} == {}

"""A record's provenance: the commit, and whether the checkout's code was modified when it was written."""
from __future__ import annotations

import subprocess

import pytest

from hashlib_core.files import RESULTS_FOLDER
from hashlib_core.results import environment


def _git(root, *args):
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A git checkout with one code file and one committed record; ``git_commit`` looks at it."""
    (tmp_path / "code.py").write_text("x = 1\n")
    (tmp_path / RESULTS_FOLDER).mkdir()
    (tmp_path / RESULTS_FOLDER / "record.json").write_text("{}\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    monkeypatch.setattr(environment, "repo_root", lambda: tmp_path)
    return tmp_path


def test_a_clean_checkout_is_not_dirty_and_names_its_commit(checkout):
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=checkout, capture_output=True, text=True).stdout.strip()
    assert environment.git_commit.__wrapped__() == {"commit": head, "dirty": False}


def test_a_rewritten_record_does_not_make_the_checkout_dirty(checkout):
    (checkout / RESULTS_FOLDER / "record.json").write_text('{"rerun": true}\n')
    (checkout / RESULTS_FOLDER / "new.json").write_text("{}\n")
    assert environment.git_commit.__wrapped__()["dirty"] is False


def test_a_modified_or_deleted_code_file_makes_it_dirty(checkout):
    (checkout / "code.py").write_text("x = 2\n")
    assert environment.git_commit.__wrapped__()["dirty"] is True
    _git(checkout, "checkout", "code.py")
    (checkout / "code.py").unlink()
    assert environment.git_commit.__wrapped__()["dirty"] is True


def test_outside_git_the_commit_is_unknown(tmp_path, monkeypatch):
    monkeypatch.setattr(environment, "repo_root", lambda: tmp_path)
    assert environment.git_commit.__wrapped__() == {"commit": "unknown", "dirty": None}

"""A chapter whose execution failed (such as the comparison's audit) stops the book, with its error."""
from __future__ import annotations

import json

import pytest

from hashlib_core.bookbuild import collect_chapters
from hashlib_core.reproduce import expand_grid

AUDIT_ERROR = ("1 stored metric(s) differ from their recomputation from the stored codes: "
               "/r/reduced/cifar10-jpeg-dlbhc/ssdh-48b-seed0.json: map@1000 stored 0.9, recomputed 0.735")


def test_a_failed_audit_stops_the_book_naming_the_record_and_the_metric(tmp_path):
    executed = tmp_path / "executed"
    for cell in expand_grid("smoke"):
        if cell.for_book:
            out = cell.output_path(executed)
            out.parent.mkdir(parents=True, exist_ok=True)
            if cell.notebook == "08_comparison":  # the runner keeps a failed execution under this name
                failed = {"cells": [{"cell_type": "code", "outputs": [
                    {"output_type": "error", "ename": "AuditError", "evalue": AUDIT_ERROR, "traceback": []}]}]}
                out.with_name(f"{out.stem}.failed.ipynb").write_text(json.dumps(failed))
            else:
                out.write_text("{}")
    with pytest.raises(FileNotFoundError, match="AuditError: .*ssdh-48b-seed0.json: map@1000 stored 0.9"):
        collect_chapters("smoke", executed, tmp_path / "book")

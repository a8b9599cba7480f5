"""One execution of the whole smoke grid, shared by the runner, notebook and book tests."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory):
    from hashlib_core.reproduce import run_grid

    root = tmp_path_factory.mktemp("smoke")
    executed, results = root / "executed", root / "results"
    outcomes = run_grid("smoke", jobs=2, executed_dir=executed, results_dir=results, device="cpu")
    return {"executed": executed, "results": results, "outcomes": outcomes}

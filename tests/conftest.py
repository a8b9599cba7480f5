"""Shared fixtures: datasets from ../shared/data (skipped with a reason when absent)."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("TQDM_DISABLE", "1")


def _load_or_skip(name: str):
    from hashlib_core.data import DataNotFoundError, load_dataset

    try:
        return load_dataset(name)
    except DataNotFoundError as exc:
        pytest.skip(f"{name} not available offline here: {str(exc).splitlines()[0]}")


@pytest.fixture(scope="session")
def digits():
    from hashlib_core.data import load_dataset

    return load_dataset("digits")


@pytest.fixture(scope="session")
def mnist():
    return _load_or_skip("mnist")


@pytest.fixture(scope="session")
def cifar10():
    return _load_or_skip("cifar10")


def pytest_collection_modifyitems(config, items):
    import torch

    if torch.cuda.is_available():
        return
    skip_gpu = pytest.mark.skip(reason="needs a CUDA device; none is present on this machine")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip_gpu)


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory):
    from hashlib_core.reproduce import run_grid

    root = tmp_path_factory.mktemp("smoke")
    executed, results = root / "executed", root / "results"
    outcomes = run_grid("smoke", jobs=2, executed_dir=executed, results_dir=results, device="cpu")
    return {"executed": executed, "results": results, "outcomes": outcomes}

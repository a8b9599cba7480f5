"""Data, figures and display stay apart: report is plain data, plots draws it, display shows both; no import circle."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import hashlib_core
from hashlib_core import display, report

PACKAGE = Path(hashlib_core.__file__).parent


def _loaded_after(statement: str, modules: list[str]) -> list[str]:
    """Which of ``modules`` are in ``sys.modules`` after ``statement`` runs in a fresh interpreter."""
    code = f"import sys\n{statement}\nprint(' '.join(m for m in {modules!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return out.split()


def _project_imports(module: str) -> set[str]:
    """The hashlib_core modules ``module``'s file imports anywhere (lazy imports included)."""
    names = set()
    for node in ast.walk(ast.parse((PACKAGE / f"{module}.py").read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("hashlib_core"):
            parts = node.module.split(".")
            names.update([parts[1]] if len(parts) > 1 else [a.name for a in node.names])
        elif isinstance(node, ast.Import):
            names.update(a.name.split(".")[1] for a in node.names if a.name.startswith("hashlib_core."))
    return names


def test_importing_report_loads_no_display_library():
    assert _loaded_after("import hashlib_core.report", ["pandas", "matplotlib", "IPython", "hashlib_core.plots",
                                                        "hashlib_core.display"]) == []


def test_importing_plots_does_not_load_display():
    assert _loaded_after("import hashlib_core.plots", ["hashlib_core.display", "IPython"]) == []


@pytest.mark.parametrize("module, forbidden", [("report", {"plots", "display"}), ("plots", {"display"}),
                                               ("dynamics", {"plots", "display"}), ("verdict", {"display"})])
def test_no_import_circle(module, forbidden):
    assert not _project_imports(module) & forbidden


def test_display_shows_reports_rows(tmp_path):
    assert "no cpu-profile records" in display.inventory(tmp_path, "cpu").iloc[0, 0]
    assert display.gap_notes(tmp_path, "cpu").data == report.gap_markdown(tmp_path, "cpu")
    table = display.comparison_table(tmp_path, "cpu", "cifar10", "cnnh")
    rows = report.comparison_rows(tmp_path, "cpu", "cifar10", "cnnh")
    assert len(table) == len(rows) > 0 and (table["ours map@all"] == "").all()  # the papers' figures only
    assert list(table["paper map@all"]) == [f"{r['paper']:.3f}" for r in rows]


def test_metrics_table_keeps_the_scalars_and_formats_counts():
    record = {"metrics": {"map@all": 0.51234, "n_queries": 100, "curves": [1, 2]}}
    assert display.metrics_table(record)["value"].to_dict() == {"map@all": 0.51234, "n_queries": 100}
    html = display.show_metrics(record).to_html()
    assert "0.5123" in html and ">100<" in html

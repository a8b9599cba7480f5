"""Expand a profile's grid (notebook × method × dataset/protocol × bits × seed) into cells."""
from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from pathlib import Path

from hashlib_core.files import RESULTS_FOLDER, repo_root
from hashlib_core.profiles import load_profile

__all__ = ["Cell", "expand_grid", "parse_where", "SELECTABLE", "notebooks_dir", "results_dir_for"]


@dataclass(frozen=True)
class Cell:
    """One papermill execution: a notebook and its scalar parameters."""

    notebook: str
    parameters: tuple[tuple[str, object], ...]
    writes_record: bool
    for_book: bool

    @property
    def params(self) -> dict:
        return dict(self.parameters)

    @property
    def name(self) -> str:
        p = self.params
        if not self.writes_record:
            return self.notebook
        return f"{p['method']}-{p['dataset']}-{p['protocol']}-{p['n_bits']}b-seed{p['seed']}"

    def output_path(self, executed_dir: Path) -> Path:
        return Path(executed_dir) / self.notebook / f"{self.name}.ipynb"

    def describe(self) -> dict:
        return {**asdict(self), "parameters": self.params}


def notebooks_dir() -> Path:
    return repo_root() / "notebooks"


def results_dir_for(profile: dict) -> Path:
    """Where a profile's records go: ``results/`` (committed) or ``artifacts/results`` for smoke runs."""
    return repo_root() / profile.get("results_dir", RESULTS_FOLDER)


def parse_where(terms: list[str] | None) -> dict[str, set[str]]:
    """``["seed=0,1", "dataset=mnist"]`` → ``{"seed": {"0", "1"}, "dataset": {"mnist"}}``.

    Raises:
        ValueError: a term is not ``key=value[,value...]`` or names an unknown key.
    """
    where: dict[str, set[str]] = {}
    for term in terms or []:
        key, sep, values = term.partition("=")
        if not sep or not values or key not in SELECTABLE:
            raise ValueError(f"bad selection {term!r}: expected key=value[,value...] with key one of "
                             f"{', '.join(SELECTABLE)}")
        where.setdefault(key, set()).update(v.strip() for v in values.split(","))
    return where


#: cell parameters that ``where`` can select on
SELECTABLE = ("method", "dataset", "protocol", "n_bits", "seed")


def expand_grid(profile_name: str, *, only: list[str] | None = None, device: str = "auto",
                results_dir: str | Path | None = None, where: dict[str, set[str]] | None = None) -> list[Cell]:
    """All cells of a profile, in file order; ``only`` keeps the notebooks whose name contains any of its strings.

    ``results_dir`` overrides where the cells write their records (the profile's own folder by default).
    ``where`` (see :func:`parse_where`) keeps only the record-writing cells whose parameters match,
    e.g. ``{"seed": {"0"}}`` for a first pass over one seed; chapter-only cells are kept.

    Raises:
        ValueError: ``only`` matches no notebook, or ``where`` names a value no cell has (the message
            lists the valid ones) or matches no cell: a selection is never silently empty.
    """
    profile = load_profile(profile_name)
    results_dir = str(Path(results_dir).resolve()) if results_dir else str(results_dir_for(profile))
    cells: list[Cell] = []
    for entry in profile.get("grid", []):
        notebook = entry["notebook"]
        if only and not any(s in notebook for s in only):
            continue
        common = {"profile": profile["name"], "device": device, "results_dir": results_dir,
                  "comparison_dir": str(repo_root() / RESULTS_FOLDER),
                  "results_profile": profile.get("results_profile", profile["name"])}
        book_cell = entry.get("book", {})
        if "methods" not in entry:
            params = {**common, **entry.get("parameters", {})}
            cells.append(Cell(notebook, tuple(sorted(params.items())), False, True))
            continue
        for method, (dataset, protocol), n_bits, seed in itertools.product(
                entry["methods"], entry["datasets"], entry["bits"], entry["seeds"]):
            params = {**common, "method": method, "dataset": dataset, "protocol": protocol,
                      "n_bits": n_bits, "seed": seed}
            for_book = all(params.get(k) == v for k, v in book_cell.items()) if book_cell else False
            cells.append(Cell(notebook, tuple(sorted(params.items())), True, for_book))
    # a notebook with no explicit book cell shows its first cell in the book
    seen_book = {c.notebook for c in cells if c.for_book}
    fixed = []
    for cell in cells:
        if cell.notebook not in seen_book:
            cell = Cell(cell.notebook, cell.parameters, cell.writes_record, True)
            seen_book.add(cell.notebook)
        fixed.append(cell)
    if only and not fixed:
        names = [entry["notebook"] for entry in profile.get("grid", [])]
        raise ValueError(f"--only {' '.join(only)} matches no notebook of the {profile['name']} profile; "
                         f"notebooks: {', '.join(names)}")
    if where:
        _check_where(fixed, where, profile["name"])
    # select after choosing the book's cells, so that a selection never promotes another cell to the book
    return [c for c in fixed if not (where and c.writes_record) or _matches(c, where)]


def _matches(cell: Cell, where: dict[str, set[str]]) -> bool:
    return all(str(cell.params[k]) in v for k, v in where.items())


def _in_order(values) -> list[str]:
    """Numbers by value, then names."""
    return sorted(values, key=lambda v: (not v.isdigit(), int(v) if v.isdigit() else 0, v))


def _check_where(cells: list[Cell], where: dict[str, set[str]], profile: str) -> None:
    """ValueError (listing the valid values) when ``where`` selects values no record cell has, or no cell at all."""
    records = [c for c in cells if c.writes_record]
    for key, values in where.items():
        valid = _in_order({str(c.params[key]) for c in records})
        unknown = _in_order(values - set(valid))
        if unknown:
            raise ValueError(f"{key}={','.join(unknown)} matches no cell of the {profile} grid; valid {key} values: "
                             f"{', '.join(valid) or 'none (the selected notebooks write no records)'}")
    if not any(_matches(c, where) for c in records):
        terms = " ".join(f"{k}={','.join(_in_order(v))}" for k, v in where.items())
        raise ValueError(f"no cell of the {profile} grid has {terms} together; run with --dry-run and fewer "
                         "terms to see the cells")

"""The reproduction runner: profiles → grid cells → papermill executions → records + executed notebooks."""
from hashlib_core.reproduce.grid import Cell, expand_grid
from hashlib_core.reproduce.runner import CellOutcome, default_executed_dir, execute_cell, run_grid

__all__ = ["Cell", "expand_grid", "CellOutcome", "run_grid", "execute_cell", "default_executed_dir"]

"""The reproduction runner: profiles → grid cells → papermill executions → records + executed notebooks.

``hashlib_core.reproduce.slurm`` runs the record cells as SLURM jobs instead (submitit).
"""
from hashlib_core.reproduce.grid import Cell, expand_grid
from hashlib_core.reproduce.runner import CellOutcome, default_executed_dir, execute_cell, run_grid
from hashlib_core.reproduce.slurm import ClusterExecutor, SlurmSettings, slurm_settings

__all__ = ["Cell", "expand_grid", "CellOutcome", "run_grid", "execute_cell", "default_executed_dir",
           "ClusterExecutor", "SlurmSettings", "slurm_settings"]

"""``python -m hashlib_core <command>``: demo, train, experiment, reproduce, summary, book, data (the one CLI)."""
from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hashlib_core.reproduce.slurm import ClusterExecutor

__all__ = ["main", "build_parser", "config_from_args", "resume_hint"]


def _demo(args: argparse.Namespace) -> int:
    """The README's main job on the embedded digits: one small deep model and one baseline."""
    from hashlib_core.experiment import run_experiment

    print("hashlib_core demo: digits (scikit-learn, embedded), protocol cnnh-mini "
          "(100 queries, 500 training images), 16 bits, seed 0, smoke profile")
    rows = []
    for method in ("lsh", "itq", "ksh", "ssdh"):
        record = run_experiment(method, "digits", "cnnh-mini", n_bits=16, seed=0, profile="smoke",
                                device=args.device, write=False)
        m = record["metrics"]
        rows.append((method, m["map@all"], m["p@r2"], record["timings"]["total_s"]))
    print(f"{'method':<8} {'mAP@all':>8} {'P@r2':>8} {'seconds':>8}")
    for method, map_all, p_r2, seconds in rows:
        print(f"{method:<8} {map_all:8.4f} {p_r2:8.4f} {seconds:8.1f}")
    return 0


def _experiment(args: argparse.Namespace) -> int:
    from hashlib_core.experiment import run_experiment

    record = run_experiment(args.method, args.dataset, args.protocol, n_bits=args.bits, seed=args.seed,
                            profile=args.profile, device=args.device, results_dir=args.results_dir,
                            write=not args.no_write)
    metrics = {k: round(v, 4) for k, v in record["metrics"].items() if isinstance(v, float)}
    print(f"{args.method} {record['variant']} {args.protocol} {args.bits} bits seed {args.seed}: {metrics}")
    if "_path" in record:
        print(f"record: {record['_path']}")
    return 0


def _add_config_options(p: argparse.ArgumentParser) -> None:
    """One option per :class:`~hashlib_core.train.TrainConfig` field, with the field's default and type."""
    from hashlib_core.train.config import CLI_NAMES, FIELD_CHOICES, FIELD_HELP, TrainConfig

    for f in dataclasses.fields(TrainConfig):
        flag = CLI_NAMES.get(f.name, "--" + f.name.replace("_", "-"))
        kind = str(f.type)
        options: dict = {"dest": f.name, "help": FIELD_HELP.get(f.name)}
        if f.name == "method":
            options["required"] = True
        else:
            options["default"] = f.default
        if kind.startswith("bool"):
            options["action"] = "store_true" if f.default is False else argparse.BooleanOptionalAction
        else:
            options["type"] = int if kind.startswith("int") else float if kind.startswith("float") else str
            if f.name in FIELD_CHOICES:
                options["choices"] = FIELD_CHOICES[f.name]
        p.add_argument(flag, **options)


def config_from_args(args: argparse.Namespace):
    """The :class:`~hashlib_core.train.TrainConfig` described by parsed ``train`` arguments."""
    from hashlib_core.train.config import TrainConfig

    return TrainConfig(**{f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig)})


def _check_train_arguments(args: argparse.Namespace) -> None:
    """Refuse, before any work, arguments that would be ignored or fail only at the end of training."""
    from hashlib_core.files import check_writable_dir, check_writable_file

    if args.resume and not args.checkpoint_dir:
        raise ValueError("--resume needs --checkpoint-dir DIR, the folder whose last.pt the run continues from")
    if args.checkpoint_dir:
        check_writable_dir(args.checkpoint_dir, "checkpoint folder (--checkpoint-dir)")
    if args.json:
        check_writable_file(args.json, "--json file")


def resume_hint(args: argparse.Namespace) -> str:
    """What to tell a user who pressed Ctrl-C: the command that continues the run, if it can."""
    from hashlib_core.train.checkpoint import checkpoint_path

    if not args.checkpoint_dir:
        return "interrupted; nothing to resume from: add --checkpoint-dir DIR to keep a checkpoint after every epoch"
    argv = list(getattr(args, "argv", None) or [])
    again = "python -m hashlib_core " + shlex.join(argv + ([] if "--resume" in argv else ["--resume"]))
    return (f"interrupted; every completed epoch is saved in {checkpoint_path(args.checkpoint_dir)}; resume with: "
            + (again if argv else "the same command with --resume"))


def _train(args: argparse.Namespace) -> int:
    """Train, evaluate the split's queries against its database as ``experiment`` does, print the metrics."""
    import hashlib_core.train as training
    from hashlib_core.data import load_dataset
    from hashlib_core.experiment import EVALUATION
    from hashlib_core.files import atomic_write_text
    from hashlib_core.protocols import make_split

    _check_train_arguments(args)
    config = config_from_args(args)
    config.resolved().validate()
    dataset = load_dataset(config.dataset)
    split = make_split(dataset, config.protocol, seed=config.seed)
    print(f"train {config.method}: {dataset.variant} {split.describe()}")
    try:
        result = training.train(config, dataset, split)
    except KeyboardInterrupt:
        print(resume_hint(args), file=sys.stderr)
        return 130
    print(result.summary())
    metrics = result.evaluate(dataset, split, **EVALUATION, curves=False)
    print(f"test queries: mAP@all {metrics['map@all']:.4f}  mAP@1000 {metrics['map@1000']:.4f}  "
          f"P@r2 {metrics['p@r2']:.4f}")
    if result.classifies:
        print(f"classification accuracy: {result.accuracy(dataset.images[split.query], dataset.labels[split.query]):.4f}")
    if args.json:
        atomic_write_text(args.json, json.dumps({"config": result.config_dict(), "metrics": metrics,
                                                 "history": result.history, "best_epoch": result.best_epoch,
                                                 "best_val_map": result.best_val_map,
                                                 "images_per_second": result.images_per_second,
                                                 "device": result.device_name}, indent=2, default=str))
    return 0


def _cluster_executor(args: argparse.Namespace) -> ClusterExecutor | None:
    """The SLURM executor the options ask for; None for ``--executor local`` (ValueError on SLURM-only options)."""
    from hashlib_core.profiles import load_profile
    from hashlib_core.reproduce.slurm import ClusterExecutor, slurm_settings

    given = {k: getattr(args, k) for k in _SLURM_OPTIONS if getattr(args, k) not in (None, False)}
    if args.executor == "local":
        if given:
            names = ", ".join("--" + k.replace("_", "-") for k in given)
            raise ValueError(f"{names} {'is' if len(given) == 1 else 'are'} only for --executor slurm")
        return None
    settings = slurm_settings(load_profile(args.profile), partition=args.partition, gpus_per_job=args.gpus_per_job,
                              cpus_per_job=args.cpus_per_job, mem_gb=args.mem_gb, time_min=args.time_min,
                              cells_per_job=args.cells_per_job)
    return ClusterExecutor(settings, args.profile, slurm_dir=args.slurm_dir, wait=not args.no_wait,
                           collect=args.collect, retry_failed=args.retry_failed)


#: reproduce options that only apply with ``--executor slurm``
_SLURM_OPTIONS = ("partition", "gpus_per_job", "cpus_per_job", "mem_gb", "time_min", "cells_per_job", "slurm_dir",
                  "no_wait", "collect", "retry_failed")


def _collect_command(argv: list[str]) -> str:
    """The command that collects the jobs a ``--no-wait`` run submitted."""
    import os
    import shlex

    python = os.path.relpath(sys.executable)
    python = sys.executable if python.startswith("..") else python
    kept = [a for a in argv if a not in ("--no-wait", "--retry-failed")]
    return shlex.join([python, "-m", "hashlib_core", *kept, "--collect"])


def _reproduce(args: argparse.Namespace) -> int:
    from hashlib_core.reproduce import run_grid
    from hashlib_core.reproduce.grid import parse_where

    if sum([args.no_wait, args.collect, args.retry_failed]) > 1:
        raise ValueError("choose one of --no-wait, --collect and --retry-failed")
    outcomes = run_grid(args.profile, jobs=args.jobs, gpus=args.gpus.split(",") if args.gpus else None,
                        force=args.force, only=args.only, device=args.device, timeout_s=args.timeout,
                        dry_run=args.dry_run, direct=args.direct, results_dir=args.results_dir,
                        where=parse_where(args.where), executor=_cluster_executor(args))
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    print(f"reproduce {args.profile}: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    for o in outcomes:
        if o.status in ("failed", "pending"):
            print(f"  {o.status}: {o.cell.notebook} {o.cell.name} {o.error}")
    if counts.get("submitted"):
        print(f"jobs submitted; when they have run, collect them with:\n  {_collect_command(args.argv)}")
    return 1 if counts.get("failed") else 0


def _audit(root: Path) -> None:
    """Recompute every record's metrics under ``root``; AuditError naming each record and metric that differs."""
    from tqdm.auto import tqdm

    from hashlib_core.results import iter_records
    from hashlib_core.results.audit import audit_record, raise_on_mismatch

    audits = [audit_record(record) for record in tqdm(iter_records(root), desc="audit", unit="record", leave=False)]
    raise_on_mismatch(audits)
    notes = sum(bool(a.notes) for a in audits)
    print(f"audit: every stored metric of {len(audits)} records matches its recomputation from the stored codes"
          + (f" ({notes} older records store no predictions: accuracy not recomputable)" if notes else ""))


def _summary(args: argparse.Namespace) -> int:
    from hashlib_core.results import PROFILES, default_results_dir, write_summary

    root = Path(args.results_dir) if args.results_dir else default_results_dir()
    if not root.is_dir():
        raise ValueError(f"results folder {root} does not exist; give an existing --results-dir "
                         "(default: $HASHLIB_RESULTS, else the checkout's results/)")
    if args.markdown and args.markdown not in PROFILES:
        raise ValueError(f"unknown profile {args.markdown!r} for --markdown; valid profiles: {', '.join(PROFILES)}")
    if args.audit:
        _audit(root)
    print(write_summary(root))
    if args.markdown:
        from hashlib_core import report

        for dataset, protocol, metric in report.ALL_SETTINGS:
            table = report.markdown_table(root, args.markdown, dataset, protocol, metric)
            print(f"\n{dataset} / {protocol} — {metric}, {args.markdown} profile, "
                  f"ours mean ± std (seeds) [paper]:\n\n{table}")
        print(f"\nwall-clock cost of the {args.markdown} records:")
        for row in report.grid_cost(root, args.markdown):
            print(f"  {row['kind']:9s} {row['cells']:4d} cells  {row['hours']:6.2f} h  "
                  f"{row['seconds_per_cell']:6.0f} s/cell  on {row['device']}")
    return 0


def _book(args: argparse.Namespace) -> int:
    from hashlib_core.bookbuild import build_book

    index = build_book(args.profile)
    print(f"book built: {index}\nopen it in a browser: {index.as_uri()}")
    return 0


def _data(args: argparse.Namespace) -> int:
    """Each dataset found, or where it was looked for and how to get it; 1 when one is missing or corrupt."""
    from hashlib_core.data import DATASETS, HOW_TO_GET, DataIntegrityError, DataNotFoundError, dataset_key, load_dataset

    unavailable = 0
    for name in [dataset_key(n) for n in args.names] or list(DATASETS):
        try:
            print(load_dataset(name))
        except DataNotFoundError as exc:  # its message lists every place searched and how to get the files
            unavailable += 1
            print(f"{name}: {exc}")
        except DataIntegrityError as exc:
            unavailable += 1
            print(f"{name}: corrupt: {exc}\n{HOW_TO_GET[name]}")
    return 1 if unavailable else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m hashlib_core", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="train and evaluate a small model and baselines on digits; print mAP")
    p.add_argument("--device", default="auto")
    p.set_defaults(func=_demo)

    p = sub.add_parser("experiment", help="run one grid cell and write its result record")
    p.add_argument("--method", required=True)
    p.add_argument("--dataset", required=True)
    p.add_argument("--protocol", required=True)
    p.add_argument("--bits", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--profile", default="smoke")
    p.add_argument("--device", default="auto")
    p.add_argument("--results-dir", default=None)
    p.add_argument("--no-write", action="store_true")
    p.set_defaults(func=_experiment)

    p = sub.add_parser("reproduce", help="execute a profile's notebook grid with papermill")
    p.add_argument("--profile", default="smoke")
    p.add_argument("--jobs", type=int, default=1, help="parallel executions")
    p.add_argument("--gpus", default=None, help="comma-separated CUDA device ids, assigned round-robin")
    p.add_argument("--force", action="store_true", help="re-run cells already done")
    p.add_argument("--only", nargs="*", default=None, help="notebook names (substrings) to run")
    p.add_argument("--device", default="auto")
    p.add_argument("--timeout", type=int, default=None, help="seconds per notebook cell")
    p.add_argument("--where", nargs="*", default=None, metavar="KEY=VALUES",
                   help="only record cells whose parameters match, e.g. seed=0 dataset=mnist n_bits=12,48")
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--direct", action="store_true",
                   help="run record cells not shown in the book in-process, without a notebook")
    p.add_argument("--results-dir", default=None, help="where the records go (default: the profile's folder)")
    p.add_argument("--executor", choices=("local", "slurm"), default="local",
                   help="local: this machine (--jobs, --gpus); slurm: the record cells as SLURM jobs (submitit)")
    cluster = p.add_argument_group("--executor slurm (defaults: the profile's [executor.slurm] table)")
    cluster.add_argument("--partition", default=None)
    cluster.add_argument("--gpus-per-job", type=int, default=None)
    cluster.add_argument("--cpus-per-job", type=int, default=None)
    cluster.add_argument("--mem-gb", type=float, default=None)
    cluster.add_argument("--time-min", type=int, default=None, help="time limit of a job in minutes (default 240)")
    cluster.add_argument("--cells-per-job", type=int, default=None, help="cells one job runs in turn (default 1)")
    cluster.add_argument("--slurm-dir", default=None,
                         help="job logs (<dir>/<job id>/) and the state file (default artifacts/slurm)")
    cluster.add_argument("--no-wait", action="store_true", help="submit, print how to collect, exit")
    cluster.add_argument("--collect", action="store_true",
                         help="submit nothing: wait for the jobs submitted before and report them")
    cluster.add_argument("--retry-failed", action="store_true",
                         help="resubmit only the cells whose job failed or was killed")
    p.set_defaults(func=_reproduce)

    p = sub.add_parser("summary", help="regenerate results/summary.csv from the records")
    p.add_argument("--results-dir", default=None)
    p.add_argument("--markdown", metavar="PROFILE", default=None,
                   help="also print the README's tables (ours mean ± std [paper]) and the grid's cost")
    p.add_argument("--audit", action="store_true",
                   help="first recompute every record's metrics from its stored codes; fail naming any that differs")
    p.set_defaults(func=_summary)

    p = sub.add_parser("book", help="build the Jupyter Book from the executed notebooks")
    p.add_argument("--profile", default="smoke")
    p.set_defaults(func=_book)

    p = sub.add_parser("data", help="show which datasets are available and where from (exit 1 if one is not)")
    p.add_argument("names", nargs="*")
    p.set_defaults(func=_data)

    p = sub.add_parser("train", help="train a deep hashing method, then evaluate on the test queries",
                       description="Train one deep method (every TrainConfig field is an option), evaluate its "
                                   "codes on the split's test queries as `experiment` does, print the metrics.")
    _add_config_options(p)
    p.add_argument("--json", default=None, help="also write the metrics and history to this JSON file")
    p.set_defaults(func=_train)
    return parser


#: what to do about common operating-system errors (one line each)
_FIXES = {
    PermissionError: "choose a writable path (--results-dir, --json, --checkpoint-dir) or fix its permissions",
    NotADirectoryError: "a file stands where a folder is needed: choose another path",
    FileExistsError: "a file stands where a folder is needed: choose another path",
    IsADirectoryError: "a folder stands where a file is needed: give a file name",
}


def explain(exc: BaseException) -> str:
    """The one-line message (a dataset not found: with where it was looked for) that replaces a traceback."""
    from hashlib_core.data import DataNotFoundError

    if isinstance(exc, MemoryError):
        return (f"out of memory{f' ({exc})' if str(exc) else ''}: use fewer bits, fewer items or a machine with "
                "more memory")
    if isinstance(exc, OSError) and not isinstance(exc, DataNotFoundError) and exc.strerror:
        fix = next((text for kind, text in _FIXES.items() if isinstance(exc, kind)), "")
        return f"{exc.filename or ''}: {exc.strerror}" + (f"; {fix}" if fix else "")
    return str(exc)


def main(argv: list[str] | None = None) -> int:
    """Run one command; user errors print one ``error:`` line (exit 2), Ctrl-C exits 130."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    args.argv = argv  # so that an interrupted command can say how to resume it
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ValueError, OSError, MemoryError) as exc:
        print(f"error: {explain(exc)}", file=sys.stderr)
        return 2

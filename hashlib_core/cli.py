"""``python -m hashlib_core <command>``: demo, train, experiment, reproduce, summary, book, data."""
from __future__ import annotations

import argparse
import sys

__all__ = ["main", "build_parser"]


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


def _reproduce(args: argparse.Namespace) -> int:
    from hashlib_core.reproduce import run_grid
    from hashlib_core.reproduce.grid import parse_where

    outcomes = run_grid(args.profile, jobs=args.jobs, gpus=args.gpus.split(",") if args.gpus else None,
                        force=args.force, only=args.only, device=args.device, timeout_s=args.timeout,
                        dry_run=args.dry_run, direct=args.direct,
                        where=parse_where(args.where))
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    print(f"reproduce {args.profile}: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    for o in outcomes:
        if o.status in ("failed", "pending"):
            print(f"  {o.status}: {o.cell.notebook} {o.cell.name} {o.error}")
    return 1 if counts.get("failed") else 0


def _summary(args: argparse.Namespace) -> int:
    from hashlib_core.results import write_summary

    print(write_summary(args.results_dir))
    if args.markdown:
        from hashlib_core import report
        from hashlib_core.results.store import default_results_dir

        root = args.results_dir or default_results_dir()
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
    from hashlib_core.data import DATASETS, load_dataset

    for name in args.names or list(DATASETS):
        try:
            print(load_dataset(name))
        except (FileNotFoundError, ValueError) as exc:
            print(f"{name}: {str(exc).splitlines()[0]}")
    return 0


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
    p.set_defaults(func=_reproduce)

    p = sub.add_parser("summary", help="regenerate results/summary.csv from the records")
    p.add_argument("--results-dir", default=None)
    p.add_argument("--markdown", metavar="PROFILE", default=None,
                   help="also print the README's tables (ours mean ± std [paper]) and the grid's cost")
    p.set_defaults(func=_summary)

    p = sub.add_parser("book", help="build the Jupyter Book from the executed notebooks")
    p.add_argument("--profile", default="smoke")
    p.set_defaults(func=_book)

    p = sub.add_parser("data", help="show which datasets are available and where from")
    p.add_argument("names", nargs="*")
    p.set_defaults(func=_data)

    try:  # the training command lives with the training loop
        from hashlib_core.train.cli import register
    except ImportError:
        pass
    else:
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

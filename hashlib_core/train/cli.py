"""``python -m hashlib_core train``: train one method, evaluate its codes on the test queries, print mAP.

Wire it with ``register(subparsers)``; ``run(args)`` returns the exit status.
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys

__all__ = ["register", "run", "config_from_args", "check_arguments", "resume_hint"]


def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``train`` sub-command to an argparse ``subparsers`` object; returns its parser."""
    from hashlib_core.models import METHODS

    p = subparsers.add_parser("train", help="train a deep hashing method, then evaluate on the test queries",
                              description=__doc__)
    p.add_argument("--method", required=True, help=f"one of: {', '.join(METHODS)}")
    p.add_argument("--dataset", default="digits")
    p.add_argument("--protocol", default="cnnh-mini")
    p.add_argument("--bits", type=int, default=16)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--pretrain-epochs", type=int, default=0, help="expo only: classifier pre-training epochs")
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--lr", type=float, default=None, help="default: the method's")
    p.add_argument("--weight-decay", type=float, default=None)
    p.add_argument("--optimizer", default=None, choices=["adam", "adamw", "sgd"])
    p.add_argument("--lr-schedule", default="cosine", choices=["cosine", "step", "constant"])
    p.add_argument("--epsilon", type=float, default=None, help="DNNH piece-wise threshold (default 0.1)")
    p.add_argument("--width-mult", type=float, default=None, help="NIN width multiplier")
    p.add_argument("--no-batch-norm", dest="batch_norm", action="store_const", const=False, default=None,
                   help="the papers' NIN stack exactly (no BatchNorm)")
    p.add_argument("--backbone", default=None)
    p.add_argument("--pretrained", action="store_const", const=True, default=None)
    p.add_argument("--device", default="auto")
    p.add_argument("--amp", action=argparse.BooleanOptionalAction, default=None)
    p.add_argument("--compile", action="store_true")
    p.add_argument("--augment", action="store_true")
    p.add_argument("--val-every", type=int, default=1)
    p.add_argument("--patience", type=int, default=None, help="early stopping patience (validations)")
    p.add_argument("--checkpoint-dir", default=None)
    p.add_argument("--resume", action="store_true", help="continue from --checkpoint-dir's last.pt")
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--num-threads", type=int, default=None)
    p.add_argument("--no-progress", dest="progress", action="store_false")
    p.add_argument("--json", default=None, help="also write the metrics and history to this JSON file")
    p.set_defaults(func=run)
    return p


def config_from_args(args: argparse.Namespace):
    """The :class:`~hashlib_core.train.TrainConfig` described by parsed arguments."""
    from hashlib_core.train import TrainConfig

    return TrainConfig(
        method=args.method, dataset=args.dataset, protocol=args.protocol, n_bits=args.bits, seed=args.seed,
        epochs=args.epochs, pretrain_epochs=args.pretrain_epochs, batch_size=args.batch_size, lr=args.lr,
        weight_decay=args.weight_decay, optimizer=args.optimizer, lr_schedule=args.lr_schedule,
        epsilon=args.epsilon, width_mult=args.width_mult, batch_norm=args.batch_norm, backbone=args.backbone,
        pretrained=args.pretrained, device=args.device, amp=args.amp, compile=args.compile, augment=args.augment,
        val_every=args.val_every, early_stopping_patience=args.patience, checkpoint_dir=args.checkpoint_dir,
        resume=args.resume, max_steps=args.max_steps, num_threads=args.num_threads, progress=args.progress)


def check_arguments(args: argparse.Namespace) -> None:
    """Refuse, before any work, arguments that would be ignored or fail only at the end of training."""
    from hashlib_core.io import check_writable_dir, check_writable_file

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


def run(args: argparse.Namespace) -> int:
    """Train, encode the split's queries and database, evaluate, print the metrics; returns 0 (130 on Ctrl-C)."""
    from hashlib_core.data import load_dataset
    from hashlib_core.io import atomic_write_text
    from hashlib_core.protocols import make_split
    from hashlib_core.train import train

    check_arguments(args)
    config = config_from_args(args)
    config.resolved().validate()
    dataset = load_dataset(config.dataset)
    split = make_split(dataset, config.protocol, seed=config.seed)
    print(f"train {config.method}: {dataset.variant} {split.describe()}")
    try:
        result = train(config, dataset, split)
    except KeyboardInterrupt:
        print(resume_hint(args), file=sys.stderr)
        return 130
    print(result.summary())
    metrics = result.evaluate(dataset, split, topk=(1000,), curves=False)
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

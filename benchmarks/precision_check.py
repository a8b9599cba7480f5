"""Does bfloat16 training change the result? The same cells trained in float32 and in bfloat16 autocast.

Runs ``run_experiment`` (nothing written) for each seed with ``amp=False`` and ``amp=True`` — same
data, split, initialisation and batch order — and prints test mAP@all per seed, the mean ± std of
each arm, and the difference of the means against the seeds' spread. Default: DNNH (the triplet
loss compares squared distances, the most precision-sensitive of the losses), MNIST ``cnnh``,
48 bits, the ``reduced`` profile (quarter-width NIN, 8 epochs), seeds 0-2.

    python benchmarks/precision_check.py
    python benchmarks/precision_check.py --method nin-latent --bits 12 --seeds 0 1 2 3 4
"""
from __future__ import annotations

import argparse
import os
import platform

import numpy as np
import torch


def run(args, seed: int, amp: bool) -> float:
    from hashlib_core.experiment import run_experiment

    record = run_experiment(args.method, args.dataset, args.protocol, n_bits=args.bits, seed=seed,
                            profile=args.profile, device="cpu", write=False, amp=amp, progress=False)
    return float(record["metrics"]["map@all"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--method", default="dnnh")
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--protocol", default="cnnh")
    parser.add_argument("--bits", type=int, default=48)
    parser.add_argument("--profile", default="reduced")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args(argv)
    from hashlib_core.machine import cpu_has_native_bf16, cpu_model

    print(f"torch {torch.__version__}, python {platform.python_version()}, {os.cpu_count()} CPU cores, "
          f"CPU: {cpu_model()}, native bfloat16: {cpu_has_native_bf16()}")
    print(f"{args.method} {args.dataset} {args.protocol} {args.bits} bits, {args.profile} profile; test mAP@all:")
    arms = {False: [], True: []}
    for seed in args.seeds:
        for amp in arms:
            arms[amp].append(run(args, seed, amp))
        print(f"  seed {seed}: float32 {arms[False][-1]:.4f}   bfloat16 {arms[True][-1]:.4f}   "
              f"difference {arms[True][-1] - arms[False][-1]:+.4f}", flush=True)
    fp32, bf16 = np.array(arms[False]), np.array(arms[True])
    spread = max(fp32.std(ddof=1), bf16.std(ddof=1)) if len(args.seeds) > 1 else float("nan")
    print(f"  float32  {fp32.mean():.4f} ± {fp32.std(ddof=1) if len(fp32) > 1 else 0:.4f}")
    print(f"  bfloat16 {bf16.mean():.4f} ± {bf16.std(ddof=1) if len(bf16) > 1 else 0:.4f}")
    print(f"  difference of the means {bf16.mean() - fp32.mean():+.4f}; seed std {spread:.4f} "
          f"(ratio {abs(bf16.mean() - fp32.mean()) / spread:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

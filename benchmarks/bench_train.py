"""Training throughput (images/second): the library's loop against a plain PyTorch loop, same model.

Model: DNNH — NIN for 32x32 colour images (the paper's widths, BatchNorm as the library's default),
48 bits (2,400 features), divide-and-encode, triplet loss over all in-batch triplets, batch 100,
Adam. Data: random uint8 images (throughput does not depend on the pixels).

- library: :func:`hashlib_core.train.train` — data held on the device as uint8, batches by index
  permutation — once per precision setting (float32, float32 channels-last, bfloat16 autocast,
  bfloat16 autocast + channels-last) and once with its default for the machine
  (:mod:`hashlib_core.models.precision`: bfloat16 + channels-last on CUDA and on CPUs with native
  bfloat16, float32 channels-last on other CPUs); ``--compile`` adds torch.compile.
- plain: the same model in a textbook loop — ``DataLoader(TensorDataset(float32 images))`` on the
  host, ``.to(device)`` per batch, float32, default memory format.

Both time ``--steps`` optimisation steps after ``--warmup`` steps. ``--estimate`` also measures the
library's throughput for nin-latent and ssdh on 28x28 grayscale (MNIST-sized) images and prints the
seconds per epoch of the ``cnnh`` protocol (5,000 training images) for the three settings.
``--breakdown`` (CPU only) profiles the library's training step in float32 and in the machine's
default and prints where a step's time goes — convolutions, batch norm, pooling, everything else —
with each part's speed-up: the ratio to the plain loop is bounded by the parts that gain least.

    python benchmarks/bench_train.py --device cpu --steps 8 --estimate
    python benchmarks/bench_train.py --device cuda --steps 200 --compile
"""
from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import torch


def synthetic(n: int, image_shape: tuple[int, ...], seed: int = 0):
    """A Dataset of ``n`` random uint8 images and labels 0..9, and a Split training on the first ``n - 10``."""
    from hashlib_core.data import Dataset
    from hashlib_core.protocols import Split

    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, *image_shape), dtype=np.uint8)
    labels = rng.integers(0, 10, n).astype(np.int64)
    ds = Dataset("synthetic", "synthetic", images, labels, n, tuple(map(str, range(10))), "random")
    index = np.arange(n, dtype=np.int64)
    split = Split("bench", "synthetic", "synthetic", seed, query=index[-10:], train=index[:-10],
                  validation=index[-10:], database=index)
    return ds, split


#: (label, amp, channels_last) of the library's runs; None = the machine's default
SETTINGS = (("float32", False, False), ("float32 channels-last", False, True), ("bfloat16", True, False),
            ("bfloat16 channels-last", True, True), ("default for this machine", None, None))


def library_throughput(method: str, image_shape, args, amp: bool | None = None,
                       channels_last: bool | None = None) -> tuple[float, str]:
    """Images/second of the library's loop over ``args.steps`` steps (after a warm-up run)."""
    from hashlib_core.train import TrainConfig, train

    def run(steps: int):
        ds, split = synthetic(steps * args.batch_size + 10, image_shape)
        config = TrainConfig(method=method, n_bits=args.bits, batch_size=args.batch_size, epochs=1,
                             max_steps=steps, device=args.device, compile=args.compile, progress=False,
                             amp=amp, channels_last=channels_last, num_threads=args.threads,
                             width_mult=args.width_mult)
        return train(config, ds, split)

    run(max(1, args.warmup))
    result = run(args.steps)
    return result.images_per_second, result.device_name


def plain_throughput(args) -> float:
    """Images/second of a textbook loop of the same DNNH model (DataLoader, float32, NCHW)."""
    from torch.utils.data import DataLoader, TensorDataset

    from hashlib_core.models import build_loss, build_model

    device = torch.device("cuda" if args.device in ("auto", "cuda") and torch.cuda.is_available() else
                          args.device if args.device != "auto" else "cpu")
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = build_model("dnnh", args.bits, 10, (32, 32, 3), width_mult=args.width_mult or 1.0).to(device)
    loss_fn = build_loss("dnnh")
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=5e-4)
    n = (args.steps + args.warmup) * args.batch_size
    images = torch.randn(n, 3, 32, 32)
    labels = torch.randint(0, 10, (n,))
    loader = DataLoader(TensorDataset(images, labels), batch_size=args.batch_size, shuffle=True, drop_last=True)
    model.train()
    t0 = None
    for step, (x, y) in enumerate(loader):
        if step == args.warmup:
            if device.type == "cuda":
                torch.cuda.synchronize()
            t0 = time.perf_counter()
        x, y = x.to(device), y.to(device)
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return args.steps * args.batch_size / (time.perf_counter() - t0)


#: (part, substrings of the profiler's operator names that belong to it); the rest is "other". The
#: convolutions include those that hashlib_core.models.layers.Conv2d runs as one matrix product
#: (padding, windows side by side, matrix product); nothing else in the step uses these operators
PARTS = (("convolutions", ("convolution", "constant_pad_nd", "aten::cat", "aten::mm", "aten::addmm")),
         ("batch norm", ("batch_norm",)), ("pooling", ("pool",)))


def step_breakdown(args, amp: bool | None, channels_last: bool | None) -> dict[str, float]:
    """Milliseconds per training step of each part of :data:`PARTS` (and "other", "total"), from
    the profiler's self CPU time over ``args.steps`` of the library's own step after ``args.warmup``."""
    from torch.profiler import ProfilerActivity, profile

    from hashlib_core.train import TrainConfig
    from hashlib_core.train.loop import _prepare, _train_step

    steps = args.steps + args.warmup
    ds, split = synthetic(steps * args.batch_size + 10, (32, 32, 3))
    config = TrainConfig(method="dnnh", n_bits=args.bits, batch_size=args.batch_size, epochs=1, device="cpu",
                         progress=False, amp=amp, channels_last=channels_last, width_mult=args.width_mult)
    run = _prepare(config.resolved(), ds, split)
    batches = torch.arange(steps * args.batch_size).reshape(steps, args.batch_size)
    for idx in batches[:args.warmup]:
        _train_step(run, idx, pretraining=False)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for idx in batches[args.warmup:]:
            _train_step(run, idx, pretraining=False)
    ms = {name: 0.0 for name, _ in PARTS} | {"other": 0.0}
    for event in prof.key_averages():
        part = next((name for name, keys in PARTS if any(k in event.key for k in keys)), "other")
        ms[part] += event.self_cpu_time_total / 1000 / args.steps
    return ms | {"total": sum(ms.values())}


def print_breakdown(args) -> None:
    """The float32 step against the machine's default, part by part."""
    fp32, default = step_breakdown(args, False, False), step_breakdown(args, None, None)
    print(f"where a step's time goes (profiler self CPU time, ms per step of {args.batch_size} images):")
    print(f"  {'part':14s} {'float32':>9s} {'default':>9s} {'speed-up':>9s}  {'share of float32':>16s}")
    for part in fp32:
        print(f"  {part:14s} {fp32[part]:9.1f} {default[part]:9.1f} {fp32[part] / default[part]:8.2f}x"
              f"  {fp32[part] / fp32['total']:15.0%}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--steps", type=int, default=4, help="timed optimisation steps per loop")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--bits", type=int, default=48)
    parser.add_argument("--width-mult", type=float, default=None, help="NIN width multiplier (default: the paper's)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--compile", action="store_true", help="torch.compile in the library's loop")
    parser.add_argument("--estimate", action="store_true", help="also MNIST-sized nin-latent / ssdh epoch estimates")
    parser.add_argument("--breakdown", action="store_true", help="also where a step's time goes (CPU only)")
    args = parser.parse_args(argv)
    if args.breakdown and args.device != "cpu":
        parser.error(f"--breakdown profiles CPU time: use it with --device cpu, not --device {args.device}")
    if args.threads:
        torch.set_num_threads(args.threads)

    print(f"torch {torch.__version__}, python {platform.python_version()}, {os.cpu_count()} CPU cores, "
          f"{torch.get_num_threads()} torch threads; load average {os.getloadavg()[0]:.1f}")
    plain_ips = plain_throughput(args)
    results = [(label, *library_throughput("dnnh", (32, 32, 3), args, amp, cl)) for label, amp, cl in SETTINGS]
    device_name = results[-1][2]
    print(f"device: {device_name}")
    print(f"DNNH NIN 32x32 (width_mult {args.width_mult or 1.0}), {args.bits} bits, batch {args.batch_size}, "
          f"{args.steps} timed steps, images/s and ratio to the plain float32 loop:")
    print(f"  {'plain loop (float32)':34s} {plain_ips:8.1f}   1.00x")
    for label, ips, _ in results:
        print(f"  {'library, ' + label:34s} {ips:8.1f}  {ips / plain_ips:5.2f}x")
    lib_ips = results[-1][1]
    print(f"  => DNNH on CIFAR-10 cnnh (5,000 training images): {5000 / lib_ips:.0f} s per epoch")
    if args.estimate:
        for method in ("nin-latent", "ssdh"):
            ips, _ = library_throughput(method, (28, 28), args)
            print(f"  => {method} on MNIST cnnh (5,000 images 28x28): {ips:.1f} images/s, "
                  f"{5000 / ips:.0f} s per epoch")
    if args.breakdown:
        print_breakdown(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Each NIN convolution two ways on the CPU: torch's convolution (oneDNN) against the matrix-product form.

For every convolution of DNNH's paper-width NIN (32×32 colour images, 48 bits) at the given batch,
times forward + backward of ``torch.nn.functional.conv2d`` and of
:func:`hashlib_core.models.layers.conv2d_as_matmul` (im2col + ``linear``) with the same weights, in
bfloat16 autocast with channels-last inputs and in float32, and prints milliseconds, the
convolution's time over the matrix product's, and which of the two
:class:`hashlib_core.models.layers.Conv2d` uses. It is the evidence for
``MATMUL_MAX_POSITIONS``.

    python benchmarks/bench_conv.py --threads 2 --repeats 8
"""
from __future__ import annotations

import argparse
import os
import platform
import time

import torch


def nin_convolutions(batch_size: int) -> list[tuple[torch.nn.Conv2d, tuple[int, ...]]]:
    """``(layer, input shape)`` of each convolution of DNNH's NIN, read by a forward pass."""
    from hashlib_core.models import build_model

    model = build_model("dnnh", 48, 10, (32, 32, 3))
    found = []
    hooks = [m.register_forward_hook(lambda m, inp, out: found.append((m, (batch_size, *inp[0].shape[1:]))))
             for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    with torch.no_grad():
        model(torch.zeros(1, 3, 32, 32))
    for hook in hooks:
        hook.remove()
    return found


def forward_backward_ms(forward, x: torch.Tensor, amp: bool, repeats: int) -> float:
    """Milliseconds of ``forward(x)`` and its backward, the mean of ``repeats`` after one warm-up."""
    def step():
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=amp):
            out = forward(x)
        out.backward(torch.ones_like(out))

    step()
    start = time.perf_counter()
    for _ in range(repeats):
        step()
    return (time.perf_counter() - start) / repeats * 1000


def compare(conv: torch.nn.Conv2d, shape: tuple[int, ...], amp: bool, repeats: int) -> tuple[float, float, bool]:
    """``(convolution ms, matrix product ms, whether Conv2d takes the matrix product)`` for one layer."""
    from hashlib_core.models.layers import conv2d_as_matmul, runs_as_matmul

    dtype, layout = (torch.bfloat16, torch.channels_last) if amp else (torch.float32, torch.contiguous_format)
    x = torch.randn(shape).to(dtype).contiguous(memory_format=layout).requires_grad_(shape[1] != 3)
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=amp):
        chosen = runs_as_matmul(x, conv)
    torch_ms = forward_backward_ms(lambda t: torch.nn.Conv2d.forward(conv, t), x, amp, repeats)
    return torch_ms, forward_backward_ms(lambda t: conv2d_as_matmul(t, conv), x, amp, repeats), chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=8, help="timed forward + backward passes per layer and form")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    from hashlib_core.machine import device_name

    print(f"torch {torch.__version__}, python {platform.python_version()}, {os.cpu_count()} CPU cores, "
          f"{torch.get_num_threads()} torch threads; load average {os.getloadavg()[0]:.1f}")
    print(f"device: {device_name('cpu')}")
    print(f"DNNH NIN 32x32, batch {args.batch_size}, forward + backward, ms (mean of {args.repeats}):")
    for amp in (True, False):
        print(f"  {'bfloat16 channels-last' if amp else 'float32'}:")
        print(f"    {'layer':30s} {'map':>5s} {'conv':>8s} {'matmul':>8s} {'conv/matmul':>12s}  Conv2d uses")
        totals = [0.0, 0.0, 0.0]
        for conv, shape in nin_convolutions(args.batch_size):
            torch_ms, matmul_ms, chosen = compare(conv, shape, amp, args.repeats)
            totals = [totals[0] + torch_ms, totals[1] + matmul_ms, totals[2] + (matmul_ms if chosen else torch_ms)]
            k = "x".join(map(str, conv.kernel_size))
            print(f"    {f'{conv.in_channels} -> {conv.out_channels} {k}':30s} {shape[2]:2d}x{shape[3]:<2d} "
                  f"{torch_ms:8.1f} {matmul_ms:8.1f} {torch_ms / matmul_ms:11.2f}x  {'matmul' if chosen else 'conv'}")
        print(f"    {'all layers: conv / matmul / Conv2d':36s} {totals[0]:8.1f} {totals[1]:8.1f}   Conv2d {totals[2]:.1f}"
              f" ({totals[0] / totals[2]:.2f}x the convolution)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The machine a run is made on, in words: the CPU model and whether it runs bfloat16 natively, or the GPU's name."""
from __future__ import annotations

import functools
import os
import platform
from pathlib import Path
from typing import Iterable

__all__ = ["NATIVE_BF16_FLAGS", "cpu_flags", "cpu_has_native_bf16", "cpu_model", "device_name"]

#: /proc/cpuinfo flags of x86 CPUs that execute bfloat16 dot products in hardware
NATIVE_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


@functools.lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags from ``/proc/cpuinfo`` (empty where that file does not exist)."""
    path = Path("/proc/cpuinfo")
    if not path.is_file():
        return frozenset()
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("flags"):
            return frozenset(line.partition(":")[2].split())
    return frozenset()


def cpu_has_native_bf16(flags: Iterable[str] | None = None) -> bool:
    """True when the CPU (or the given ``flags``) has AVX512-BF16 or AMX-BF16."""
    flags = cpu_flags() if flags is None else frozenset(flags)
    return any(flag in flags for flag in NATIVE_BF16_FLAGS)


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (the platform's processor string elsewhere)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def device_name(device: str | None = None) -> str:
    """A human-readable name of the compute device (GPU model, or the CPU model and core count)."""
    import torch

    if device is not None and str(device).startswith("cuda") and torch.cuda.is_available():
        return torch.cuda.get_device_name(torch.device(device))
    bf16 = "native bfloat16" if cpu_has_native_bf16() else "no native bfloat16"
    return f"CPU: {cpu_model()} ({os.cpu_count()} cores, {torch.get_num_threads()} torch threads, {bf16})"

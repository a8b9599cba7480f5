"""Which arithmetic runs a network fastest on a device: bfloat16 autocast and channels-last layout.

One place decides it for training and for encoding:

==============================  ===================  =============
device                          autocast dtype       channels-last
==============================  ===================  =============
CUDA with bfloat16              bfloat16             yes
CUDA without bfloat16           float16 (+ scaling)  yes
CPU with native bfloat16        bfloat16             yes
(AVX512-BF16 or AMX)
any other CPU                   none (float32)       yes
==============================  ===================  =============

On a CPU that lacks native bfloat16 instructions PyTorch emulates it, which is slower than
float32, so the flags of the CPU decide. The losses always compute in float32.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Iterable

import torch

__all__ = ["NATIVE_BF16_FLAGS", "cpu_flags", "cpu_has_native_bf16", "amp_dtype_for", "default_amp",
           "default_channels_last"]

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


def _device(device: torch.device | str) -> torch.device:
    return device if isinstance(device, torch.device) else torch.device(device)


def amp_dtype_for(device: torch.device | str) -> torch.dtype:
    """The autocast dtype on ``device``: bfloat16, or float16 on CUDA GPUs without bfloat16."""
    if _device(device).type == "cuda" and not torch.cuda.is_bf16_supported():
        return torch.float16
    return torch.bfloat16


def default_amp(device: torch.device | str) -> bool:
    """Whether mixed precision is on by default: on CUDA, and on CPUs with native bfloat16."""
    kind = _device(device).type
    return kind == "cuda" or (kind == "cpu" and cpu_has_native_bf16())


def default_channels_last(device: torch.device | str) -> bool:
    """Channels-last by default on CUDA and CPU (oneDNN and cuDNN both prefer it for convolutions)."""
    return _device(device).type in ("cuda", "cpu")

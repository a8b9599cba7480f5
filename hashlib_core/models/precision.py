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
float32, so the flags of the CPU decide (:func:`hashlib_core.machine.cpu_has_native_bf16`). The
losses always compute in float32. How a convolution runs within that choice (on small bfloat16
CPU maps, as one matrix product) is :mod:`hashlib_core.models.layers`' decision.
"""
from __future__ import annotations

import torch

from hashlib_core.machine import cpu_has_native_bf16

__all__ = ["amp_dtype_for", "default_amp", "default_channels_last"]


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

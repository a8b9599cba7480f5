"""Layers whose arithmetic depends on the device: :class:`Conv2d`.

On a CPU in bfloat16, oneDNN's convolution is slow on feature maps with few positions: on the
2-core Xeon with AMX, NIN's two convolutions on 4×4 maps (384 → 1024 3×3 and 1024 → 2400 1×1)
train more than twice as fast written as one matrix product, while on the larger maps the
convolution is faster (``benchmarks/bench_conv.py`` times each NIN layer both ways;
``benchmarks/results/bench_conv-cpu-2core-xeon.md``). :class:`Conv2d` chooses per call, so the
parameters, the state dict and the float32 path stay those of :class:`torch.nn.Conv2d`.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["Conv2d", "MATMUL_MAX_POSITIONS", "conv2d_as_matmul", "runs_as_matmul"]

#: output maps of at most this many positions (H·W) run as a matrix product in bfloat16 on a CPU
MATMUL_MAX_POSITIONS = 16


def conv2d_as_matmul(x: torch.Tensor, conv: nn.Conv2d) -> torch.Tensor:
    """``conv(x)`` as one matrix product: ``(n, C, H, W)`` → ``(n, C_out, H_out, W_out)``.

    The rows are the kh·kw shifted windows of the zero-padded image side by side, channels last
    (im2col in the memory order of a channels-last ``x``, which is read as it lies). Same
    arithmetic as :func:`torch.nn.functional.conv2d` (ungrouped, zero padding), summed in another
    order; the output is channels-last in memory.
    """
    (h_out, w_out), (kh, kw) = _output_size(x, conv), conv.kernel_size
    (ph, pw), (dh, dw), (sh, sw) = conv.padding, conv.dilation, conv.stride
    image = F.pad(x.permute(0, 2, 3, 1), (0, 0, pw, pw, ph, ph))  # (n, H + 2ph, W + 2pw, C)
    windows = [image[:, i * dh:i * dh + sh * (h_out - 1) + 1:sh, j * dw:j * dw + sw * (w_out - 1) + 1:sw]
               for i in range(kh) for j in range(kw)]  # kh·kw × (n, H_out, W_out, C)
    # (n, H_out, W_out, kh·kw·C), contiguous: linear is far slower on a strided view
    rows = torch.cat(windows, dim=-1) if len(windows) > 1 else windows[0].contiguous()
    weight = conv.weight.permute(0, 2, 3, 1).flatten(1)  # (C_out, kh·kw·C), the rows' order
    return F.linear(rows, weight, conv.bias).permute(0, 3, 1, 2)


def _output_size(x: torch.Tensor, conv: nn.Conv2d) -> tuple[int, int]:
    """``(H_out, W_out)`` of ``conv`` on ``x`` (the formula of :class:`torch.nn.Conv2d`)."""
    return tuple((size + 2 * pad - dil * (k - 1) - 1) // stride + 1 for size, pad, dil, k, stride in
                 zip(x.shape[-2:], conv.padding, conv.dilation, conv.kernel_size, conv.stride))


def _computes_in_bfloat16(x: torch.Tensor) -> bool:
    if x.dtype == torch.bfloat16:
        return True
    return torch.is_autocast_enabled("cpu") and torch.get_autocast_dtype("cpu") == torch.bfloat16


def runs_as_matmul(x: torch.Tensor, conv: nn.Conv2d) -> bool:
    """Whether :class:`Conv2d` computes ``conv(x)`` as a matrix product: bfloat16 on a CPU, an output
    map of at most :data:`MATMUL_MAX_POSITIONS` positions, no groups, zero padding given as numbers."""
    if x.device.type != "cpu" or conv.groups != 1 or conv.padding_mode != "zeros" or isinstance(conv.padding, str):
        return False
    h_out, w_out = _output_size(x, conv)
    return h_out * w_out <= MATMUL_MAX_POSITIONS and _computes_in_bfloat16(x)


class Conv2d(nn.Conv2d):
    """:class:`torch.nn.Conv2d` that runs as :func:`conv2d_as_matmul` where :func:`runs_as_matmul`."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(n, C, H, W)`` → ``(n, C_out, H_out, W_out)``."""
        return conv2d_as_matmul(x, self) if runs_as_matmul(x, self) else super().forward(x)

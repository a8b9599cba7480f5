"""Conv2d as a matrix product: the same convolution as torch's, chosen only for small bfloat16 CPU maps."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from hashlib_core.models import NIN
from hashlib_core.models.layers import MATMUL_MAX_POSITIONS, Conv2d, conv2d_as_matmul, runs_as_matmul

GEOMETRIES = [  # (in, out, kernel, stride, padding, dilation, (H, W))
    (3, 5, 1, 1, 0, 1, (4, 4)), (4, 6, 3, 1, 1, 1, (4, 4)), (2, 3, 5, 1, 2, 1, (7, 5)),
    (3, 4, (3, 1), (2, 1), (1, 0), 1, (6, 4)), (2, 2, 3, 2, 0, 2, (9, 8)), (5, 7, 2, 1, 0, 1, (3, 3))]


@pytest.mark.parametrize("cin,cout,kernel,stride,padding,dilation,size", GEOMETRIES)
def test_matmul_form_equals_torch_convolution_and_its_gradients(cin, cout, kernel, stride, padding, dilation, size):
    torch.manual_seed(0)
    conv = nn.Conv2d(cin, cout, kernel, stride, padding, dilation).double()
    x = torch.randn(3, cin, *size, dtype=torch.float64, requires_grad=True)
    grads = []
    for forward in (conv, lambda t: conv2d_as_matmul(t, conv)):
        out = forward(x)
        (out * torch.arange(out.numel(), dtype=out.dtype).view_as(out).sin()).sum().backward()
        grads.append((out.detach(), x.grad.clone(), conv.weight.grad.clone(), conv.bias.grad.clone()))
        x.grad, conv.weight.grad, conv.bias.grad = None, None, None
    for reference, matmul in zip(*grads):
        assert matmul.shape == reference.shape
        torch.testing.assert_close(matmul, reference, rtol=1e-10, atol=1e-10)


def test_small_bfloat16_cpu_maps_run_as_matmul_and_agree_with_torch():
    torch.manual_seed(0)
    conv = Conv2d(16, 24, 3, padding=1)
    reference = nn.Conv2d(16, 24, 3, padding=1)
    reference.load_state_dict(conv.state_dict())  # same parameters, same state-dict keys
    x = torch.randn(8, 16, 4, 4).contiguous(memory_format=torch.channels_last)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert runs_as_matmul(x, conv)
        out, expected = conv(x), reference(x)
    assert out.dtype == torch.bfloat16 and out.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(out.float(), expected.float(), rtol=0.02, atol=0.02)


def test_other_inputs_keep_torch_convolution():
    conv = Conv2d(4, 4, 3, padding=1)
    small = torch.randn(2, 4, 4, 4)
    large_side = int(MATMUL_MAX_POSITIONS ** 0.5) + 1  # one position too many per side
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert runs_as_matmul(small, conv)
        assert not runs_as_matmul(torch.randn(2, 4, large_side, large_side), conv)
        assert not runs_as_matmul(small, Conv2d(4, 4, 3, padding=1, groups=2))
        assert not runs_as_matmul(small, Conv2d(4, 4, 3, padding="same"))
        assert not runs_as_matmul(small.to("meta"), conv)  # not a CPU tensor
    assert not runs_as_matmul(small, conv)  # float32: oneDNN's convolution is not slower there
    assert runs_as_matmul(small.bfloat16(), conv)
    assert torch.equal(conv(small), F.conv2d(small, conv.weight, conv.bias, padding=1))


def test_nin_builds_its_convolutions_from_the_layer():
    net = NIN(3, 32, 48, width_mult=0.25)
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    assert convs and all(type(m) is Conv2d for m in convs)

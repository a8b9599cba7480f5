"""The precision choice (bfloat16 autocast, channels-last) per device, and bits that stay exact in bfloat16."""
from __future__ import annotations

import torch

from hashlib_core.machine import cpu_has_native_bf16
from hashlib_core.models import build_model
from hashlib_core.models.precision import amp_dtype_for, default_amp, default_channels_last


def test_native_bf16_is_read_from_the_flags():
    assert cpu_has_native_bf16({"avx2", "avx512f", "avx512_bf16"})
    assert cpu_has_native_bf16({"amx_bf16", "amx_tile"})
    assert not cpu_has_native_bf16({"avx2", "avx512f", "avx512bw"})  # bfloat16 would be emulated: slower
    assert not cpu_has_native_bf16(set())


def test_defaults_per_device():
    assert default_amp("cpu") == cpu_has_native_bf16()
    assert default_channels_last("cpu") and default_channels_last(torch.device("cpu"))
    assert amp_dtype_for("cpu") == torch.bfloat16


def test_sigmoid_bits_equal_s_above_half_and_survive_bfloat16():
    torch.manual_seed(0)
    model = build_model("ssdh", 24, 10, (8, 8), width_mult=0.25).eval()
    images = torch.randint(0, 256, (64, 8, 8), dtype=torch.uint8)
    model.inference_amp = False
    out = model(model.preprocess(images))
    assert torch.equal(model.head.bits(out), out["sigmoid"] > 0.5)
    model.inference_amp = True  # bf16 encodes: the bits are the sign of the bf16 pre-activation
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        z = model(model.preprocess(images))["preactivation"]
    assert torch.equal(model.encode(images), (z > 0).to(torch.uint8))


def test_the_machine_name_says_whether_the_cpu_runs_bfloat16_natively():
    from hashlib_core.machine import device_name

    name = device_name("cpu")
    expected = "native bfloat16" if cpu_has_native_bf16() else "no native bfloat16"
    assert name.startswith("CPU: ") and name.endswith(f"torch threads, {expected})")

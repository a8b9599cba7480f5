"""NIN backbones: output sizes, the paddings' spatial sizes, clear errors on wrong shapes; torchvision."""
from __future__ import annotations

import importlib.util

import pytest
import torch
from torch import nn

from hashlib_core.models import NIN, build_backbone, image_geometry


@pytest.mark.parametrize("channels,size,expected", [(3, 32, [32, 16, 8, 4]), (1, 28, [28, 14, 7, 4]),
                                                    (1, 8, [8, 4, 2, 1])])
def test_spatial_sizes_of_each_stage(channels, size, expected):
    net = NIN(channels, size, out_features=50 * 4, width_mult=0.125)
    x = torch.zeros(2, channels, size, size)
    sizes = [size]
    for layer in net.features:
        x = layer(x)
        if isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d)):
            sizes.append(x.shape[-1])
    assert sizes == expected
    assert net(torch.zeros(2, channels, size, size)).shape == (2, 200)


def test_paper_widths_at_width_one():
    net = NIN(3, 32, out_features=2400)
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    assert [c.out_channels for c in convs] == [96, 96, 256, 256, 384, 384, 1024, 2400]
    assert [c.kernel_size[0] for c in convs] == [5, 1, 5, 1, 3, 1, 3, 1]


def test_wrong_shape_or_channels_is_a_clear_error():
    net = NIN(3, 32, out_features=64, width_mult=0.125)
    with pytest.raises(ValueError, match=r"NIN32 expects 3-channel 32x32 images .* got \(2, 1, 28, 28\)"):
        net(torch.zeros(2, 1, 28, 28))
    with pytest.raises(ValueError, match="expects 3-channel"):
        net(torch.zeros(2, 3, 28, 28))


def test_image_geometry_and_unknown_backbone():
    assert image_geometry((28, 28)) == (1, 28, 28)
    assert image_geometry((32, 32, 3)) == (3, 32, 32)
    with pytest.raises(ValueError, match="image_shape"):
        image_geometry((32, 32, 5))
    with pytest.raises(ValueError, match="valid backbones: nin, alexnet"):
        build_backbone("lenet", (32, 32, 3), 10)


@pytest.mark.skipif(importlib.util.find_spec("torchvision") is not None, reason="torchvision is installed here")
def test_torchvision_backbone_without_torchvision_says_how_to_get_it():
    from hashlib_core.models.pretrained import PretrainedWeightsUnavailable

    with pytest.raises(PretrainedWeightsUnavailable, match="torchvision is not installed"):
        build_backbone("alexnet", (32, 32, 3), pretrained=True)


@pytest.mark.skipif(importlib.util.find_spec("torchvision") is None, reason="torchvision is not installed here")
def test_missing_pretrained_weights_name_the_file_and_folder(tmp_path, monkeypatch):
    from hashlib_core.models.pretrained import PretrainedWeightsUnavailable

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    with pytest.raises(PretrainedWeightsUnavailable, match="cannot download weights") as info:
        build_backbone("alexnet", (32, 32, 3), pretrained=True)
    assert str(tmp_path / "checkpoints") in str(info.value)
    net = build_backbone("resnet18", (28, 28), pretrained=False, input_size=64)
    assert net(torch.zeros(2, 1, 28, 28)).shape == (2, 512)

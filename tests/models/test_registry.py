"""The method registry: every method builds, encodes to {0,1} codes; clear errors for bad requests."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from hashlib_core.models import METHODS, HashingNet, build_loss, build_model

SHAPES = [(8, 8), (28, 28), (32, 32, 3)]


def test_methods_listed():
    assert set(METHODS) == {"dnnh", "dnnh-fc", "expo", "expo-pretrain", "nin-latent", "dlbhc", "ssdh"}


@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_every_method_builds_trains_one_step_and_encodes(method, shape):
    torch.manual_seed(0)
    net = build_model(method, 12, 10, shape, width_mult=0.125)
    assert isinstance(net, HashingNet) and net.n_bits == 12
    images = np.random.default_rng(0).integers(0, 256, (6, *shape), dtype=np.uint8)
    out = net(net.preprocess(images))
    loss = build_loss(method)(out, torch.tensor([0, 0, 1, 1, 2, 2]))
    loss.backward()
    assert torch.isfinite(loss)
    codes = net.encode(images, batch_size=4)
    assert codes.dtype == torch.uint8 and codes.shape == (6, 12) and set(codes.unique().tolist()) <= {0, 1}


def test_dnnh_backbone_outputs_50_features_per_bit():
    net = build_model("dnnh", 7, 10, (8, 8), width_mult=0.125)
    assert net.backbone.out_features == 350 and net.head.in_features == 350
    with pytest.raises(ValueError, match="50 x 7 bits = 350"):
        build_model("dnnh", 7, 10, (8, 8), feature_dim=100)


def test_encode_is_eval_mode_no_grad_and_restores_training_mode():
    net = build_model("ssdh", 8, 10, (8, 8), width_mult=0.125)
    net.train()
    images = np.zeros((3, 8, 8), np.uint8)
    codes = net.encode(images)
    assert net.training and not codes.requires_grad
    torch.testing.assert_close(net.encode(images), codes)  # BatchNorm in eval mode: deterministic


def test_unknown_method_lists_valid_ones():
    with pytest.raises(ValueError, match="valid methods: dnnh, dnnh-fc, expo, expo-pretrain, nin-latent, dlbhc, ssdh"):
        build_model("dpsh", 16, 10, (8, 8))
    with pytest.raises(ValueError, match="valid methods"):
        build_loss("dpsh")


@pytest.mark.parametrize("bits", [0, -4, 2.5, True, "16", 10_000])
def test_bits_not_allowed(bits):
    with pytest.raises(ValueError, match="n_bits must be an integer from 1 to 512"):
        build_model("dnnh", bits, 10, (8, 8))


def test_other_bad_requests():
    with pytest.raises(ValueError, match="needs n_classes"):
        build_model("ssdh", 16, None, (8, 8))
    with pytest.raises(ValueError, match="n_classes"):
        build_model("ssdh", 16, 1, (8, 8))
    with pytest.raises(ValueError, match="unknown model/loss options"):
        build_model("dnnh", 16, 10, (8, 8), dropuot=0.5)
    with pytest.raises(ValueError, match="loss options"):
        build_model("dnnh", 16, 10, (8, 8), margin=2.0)
    with pytest.raises(ValueError, match="no pretrained weights"):
        build_model("ssdh", 16, 10, (8, 8), pretrained=True)


def test_encode_rejects_images_of_the_wrong_shape_or_dtype():
    net = build_model("dnnh", 8, 10, (32, 32, 3), width_mult=0.125)
    with pytest.raises(ValueError, match=r"NIN32 expects 3-channel 32x32 images .* got \(2, 1, 28, 28\)"):
        net.encode(np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(TypeError, match="uint8"):
        net.encode(np.zeros((2, 32, 32, 3), np.float32))


def test_options_reach_the_parts():
    net = build_model("dnnh", 4, 10, (8, 8), epsilon=0.2, width_mult=0.125, batch_norm=False)
    assert net.head.threshold.epsilon == 0.2
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules())
    assert build_model("expo", 4, 10, (8, 8), beta=3.0, width_mult=0.125).head.beta == 3.0
    assert build_model("expo", 4, 10, (8, 8), width_mult=0.125).pretrain_classifier is not None
    loss = build_loss("ssdh", binarization_weight=0.5, balance_weight=2.0).loss
    assert (loss.binarization_weight, loss.balance_weight) == (0.5, 2.0)
    assert build_loss("dnnh", max_triplets=100).loss.max_triplets == 100

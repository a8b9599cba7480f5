"""Optional torchvision backbones (AlexNet, VGG-16, ResNet), ImageNet-pretrained only from local files.

DLBHC and SSDH start from an ImageNet-pretrained AlexNet. These machines cannot download weights:
``pretrained=True`` loads them only when the ``.pth`` file torchvision expects is already in
``$TORCH_HOME/hub/checkpoints`` (default ``~/.cache/torch/hub/checkpoints``), and otherwise raises
:class:`PretrainedWeightsUnavailable` saying which file to put there. torchvision is imported
lazily, so the rest of the library works without it.

Inputs are the library's normalised ``(n, C, H, W)`` images; grayscale is repeated to 3 channels
and images are resized (bilinear) to ``input_size`` (224 by default, what the ImageNet weights saw).
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from hashlib_core.models.base import ShapeCheckedBackbone

__all__ = ["TorchvisionBackbone", "PretrainedWeightsUnavailable", "weights_file", "TORCHVISION_ARCHS"]

TORCHVISION_ARCHS = ("alexnet", "vgg16", "resnet18", "resnet50")


class PretrainedWeightsUnavailable(RuntimeError):
    """torchvision or the ImageNet weights file is missing (these machines cannot download it)."""


def _torchvision():
    try:
        import torchvision
    except ImportError as exc:
        raise PretrainedWeightsUnavailable(
            "torchvision is not installed, so the alexnet/vgg16/resnet backbones are unavailable; install it "
            "with `pip install hashlib_core[vision]` (torchvision matching your torch), or use backbone='nin'"
        ) from exc
    return torchvision


def weights_file(arch: str) -> Path:
    """Where torchvision looks for ``arch``'s default ImageNet weights: ``$TORCH_HOME/hub/checkpoints/<file>``."""
    torchvision = _torchvision()
    weights = torchvision.models.get_model_weights(arch).DEFAULT
    return Path(torch.hub.get_dir()) / "checkpoints" / Path(weights.url).name


class TorchvisionBackbone(ShapeCheckedBackbone):
    """A torchvision classifier without its last layer: ``(n, C, H, W)`` → ``(n, out_features)``.

    ``out_features`` is 4096 (AlexNet / VGG-16 fc7, after ReLU), 512 (ResNet-18) or 2048 (ResNet-50).

    Raises:
        PretrainedWeightsUnavailable: torchvision missing, or ``pretrained=True`` and the weights file
            is not on this machine (the message names the file and the folder to put it in).
    """

    def __init__(self, arch: str, in_channels: int, image_size: tuple[int, int], *, pretrained: bool = False,
                 input_size: int = 224):
        super().__init__(in_channels, image_size)
        if arch not in TORCHVISION_ARCHS:
            raise ValueError(f"unknown torchvision backbone {arch!r}; valid: {', '.join(TORCHVISION_ARCHS)}")
        torchvision = _torchvision()
        self.name, self.arch, self.pretrained, self.input_size = arch, arch, bool(pretrained), int(input_size)
        net = torchvision.models.get_model(arch, weights=None)
        if pretrained:
            path = weights_file(arch)
            if not path.is_file():
                raise PretrainedWeightsUnavailable(
                    f"ImageNet weights for {arch} not found at {path}. These machines cannot download weights: "
                    f"copy {path.name} (from {torchvision.models.get_model_weights(arch).DEFAULT.url}) into "
                    f"{path.parent} (set TORCH_HOME to use another folder), or train from scratch (pretrained=False)")
            net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        if arch.startswith("resnet"):
            self.out_features = net.fc.in_features
            net.fc = nn.Identity()
        else:  # AlexNet / VGG: keep fc6, fc7 (with ReLU and dropout), drop fc8
            self.out_features = net.classifier[-1].in_features
            net.classifier = net.classifier[:-1]
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(n, C, H, W)`` → ``(n, out_features)``; grayscale repeated to RGB, resized to ``input_size``."""
        self.check_input(x)
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        if tuple(x.shape[2:]) != (self.input_size, self.input_size):
            x = F.interpolate(x, size=(self.input_size, self.input_size), mode="bilinear", align_corners=False)
        return self.net(x)

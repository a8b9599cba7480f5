""":class:`HashingNet`: backbone → hash head, with its own input normalisation and ``encode``."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = ["HashingNet", "images_to_float"]


def images_to_float(images: Any, device: torch.device | str | None = None) -> torch.Tensor:
    """uint8 images ``(n, H, W)`` or ``(n, H, W, C)`` (numpy or tensor) → float ``(n, C, H, W)`` in [0, 1].

    The result is a channels-last *view* of the input layout (no copy besides the float conversion).
    """
    x = torch.as_tensor(np.ascontiguousarray(images)) if not isinstance(images, torch.Tensor) else images
    if x.dtype != torch.uint8:
        raise TypeError(f"images must be uint8 (n, H, W) or (n, H, W, C), got dtype {x.dtype}")
    if device is not None:
        x = x.to(device, non_blocking=True)
    if x.ndim == 3:
        x = x.unsqueeze(1)
    elif x.ndim == 4:
        x = x.permute(0, 3, 1, 2)
    else:
        raise ValueError(f"images must be uint8 (n, H, W) or (n, H, W, C), got shape {tuple(x.shape)}")
    return x.float().div_(255.0)


class HashingNet(nn.Module):
    """``backbone`` (images → features) followed by ``head`` (features → relaxed code / bits).

    Args:
        backbone: module ``(n, C, H, W)`` → ``(n, d)`` with ``input_shape`` and ``out_features``.
        head: a hash head (:mod:`hashlib_core.models.heads`) with ``n_bits`` and ``bits(out)``.
        method: the registry name (recorded).
        n_classes: number of classes (for classifiers).
        pretrain_classifier: optional ``Linear(d, n_classes)`` on the backbone features, used only
            by Mu & Liu's pre-training stage.

    The per-channel ``input_mean``/``input_std`` buffers (set by the training loop from the
    training split, saved with the weights) normalise uint8 images in :meth:`preprocess`.
    """

    def __init__(self, backbone: nn.Module, head: nn.Module, *, method: str = "custom",
                 n_classes: int | None = None, pretrain_classifier: nn.Module | None = None):
        super().__init__()
        self.backbone, self.head = backbone, head
        self.pretrain_classifier = pretrain_classifier
        self.method, self.n_classes = method, n_classes
        self.n_bits = int(head.n_bits)
        channels = backbone.input_shape[0]
        self.register_buffer("input_mean", torch.full((channels,), 0.5))
        self.register_buffer("input_std", torch.full((channels,), 0.5))
        #: autocast for :meth:`encode` / :meth:`predict`: None = the device's default
        #: (:func:`~hashlib_core.models.precision.default_amp`); the training loop sets its own choice
        self.inference_amp: bool | None = None

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """``(C, H, W)`` the backbone accepts."""
        return tuple(self.backbone.input_shape)

    @property
    def classifies(self) -> bool:
        """True when the head has a classifier (``out["logits"]``)."""
        return getattr(self.head, "classifier", None) is not None

    def set_input_statistics(self, mean: Any, std: Any) -> None:
        """Per-channel mean and std ``(C,)`` of the training images, in [0, 1] units."""
        mean = torch.as_tensor(np.asarray(mean, dtype=np.float32)).reshape(-1)
        std = torch.as_tensor(np.asarray(std, dtype=np.float32)).reshape(-1)
        if mean.shape != self.input_mean.shape or std.shape != self.input_std.shape:
            raise ValueError(f"expected {self.input_mean.shape[0]} channel statistics, got {mean.shape}, {std.shape}")
        self.input_mean.copy_(mean)
        self.input_std.copy_(std.clamp_min(1e-6))

    def preprocess(self, images: Any) -> torch.Tensor:
        """uint8 images ``(n, H, W[, C])`` → normalised float ``(n, C, H, W)`` on the model's device.

        A float tensor ``(n, C, H, W)`` is taken as already preprocessed and returned unchanged.
        """
        if isinstance(images, torch.Tensor) and images.is_floating_point():
            return images
        x = images_to_float(images, self.input_mean.device)
        if hasattr(self.backbone, "check_input"):
            self.backbone.check_input(x)  # before the per-channel statistics broadcast
        return (x - self.input_mean.view(1, -1, 1, 1)) / self.input_std.view(1, -1, 1, 1)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Normalised ``(n, C, H, W)`` → the head's dict plus ``"features"`` ``(n, d)``."""
        features = self.backbone(x)
        out = dict(self.head(features))
        out["features"] = features
        return out

    def pretrain_logits(self, out: dict[str, torch.Tensor]) -> torch.Tensor:
        """Logits of the pre-training classifier on ``out["features"]`` ``(n, n_classes)``."""
        if self.pretrain_classifier is None:
            raise ValueError(f"method {self.method!r} has no pre-training classifier")
        return self.pretrain_classifier(out["features"])

    def default_batch_size(self) -> int:
        """Inference batch: 256 on CPU (larger batches run slower there: memory traffic), 2048 on GPU."""
        return 256 if self.input_mean.device.type == "cpu" else 2048

    def _batched(self, images: Any, batch_size: int | None, fn) -> torch.Tensor:
        from hashlib_core.models.precision import amp_dtype_for, default_amp

        batch_size = batch_size or self.default_batch_size()
        device = self.input_mean.device
        amp = default_amp(device) if self.inference_amp is None else self.inference_amp
        was_training = self.training
        self.eval()
        try:
            with torch.no_grad(), torch.autocast(device.type, dtype=amp_dtype_for(device), enabled=amp):
                parts = [fn(self(self.preprocess(images[i:i + batch_size])))
                         for i in range(0, len(images), batch_size)]
        finally:
            self.train(was_training)
        if not parts:
            raise ValueError("no images to encode")
        return torch.cat(parts)

    def encode(self, images: Any, batch_size: int | None = None, output_device: torch.device | str | None = "cpu"
               ) -> torch.Tensor:
        """Codes of uint8 images ``(n, H, W[, C])``: uint8 {0,1} tensor ``(n, n_bits)`` (eval mode, no grad).

        ``batch_size`` None: :meth:`default_batch_size`. ``output_device=None`` keeps the codes on the
        model's device.
        """
        codes = self._batched(images, batch_size, lambda out: self.head.bits(out).to(torch.uint8))
        return codes if output_device is None else codes.to(output_device)

    def predict(self, images: Any, batch_size: int | None = None) -> torch.Tensor:
        """Predicted classes ``(n,)`` int64 (CPU) from the classifier on the latent layer."""
        if not self.classifies:
            raise ValueError(f"method {self.method!r} has no classifier")
        return self._batched(images, batch_size, lambda out: out["logits"].argmax(1)).cpu()

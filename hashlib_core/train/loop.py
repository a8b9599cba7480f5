"""One training loop for every method: seeded, resumable, validated on the validation split only."""
from __future__ import annotations

import copy
import dataclasses
import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from hashlib_core.models import HashingNet, build_loss, build_model
from hashlib_core.train.checkpoint import load_checkpoint, save_checkpoint

__all__ = ["TrainConfig", "TrainResult", "train", "images_to_tensor"]


@dataclass
class TrainConfig:
    """Everything that defines a training run (stored in every record)."""

    method: str
    dataset: str = "digits"
    protocol: str = "cnnh-mini"
    n_bits: int = 12
    seed: int = 0
    epochs: int = 10
    batch_size: int = 100
    lr: float = 1e-3
    weight_decay: float = 5e-4
    optimizer: str = "adam"  # "adam" or "sgd" (momentum 0.9)
    schedule: str = "cosine"  # "cosine" or "constant"
    epsilon: float = 0.1  # DNNH piece-wise threshold
    margin: float = 1.0  # triplet margin
    max_triplets: int | None = None
    beta: float = 1.0  # tanh relaxation of the exponentiated loss
    alpha: float = 1.0  # SSDH K1 weight
    balance_weight: float = 1.0  # SSDH K2 weight
    pretrain_epochs: int = 0  # Mu & Liu: classifier-only epochs before the hashing loss
    width_mult: float | None = None
    device: str = "auto"
    amp: bool | None = None  # None: bfloat16 autocast on CUDA only
    channels_last: bool | None = None  # None: on CUDA only
    augment: bool = False  # random flips (+ 4-px shifts) for colour images
    val_every: int = 1
    early_stopping_patience: int | None = None
    checkpoint_dir: str | None = None
    resume: bool = True
    max_steps: int | None = None  # stop after this many optimisation steps (tests)
    num_threads: int | None = None

    def validate(self) -> None:
        from hashlib_core.models import METHODS

        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r}; valid methods: {', '.join(METHODS)}")
        for name in ("n_bits", "epochs", "batch_size"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < (0 if name == "epochs" else 1):
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.optimizer not in ("adam", "sgd"):
            raise ValueError(f"unknown optimizer {self.optimizer!r}; valid: adam, sgd")
        if self.schedule not in ("cosine", "constant"):
            raise ValueError(f"unknown schedule {self.schedule!r}; valid: cosine, constant")


def _resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} requested but CUDA is not available; use 'cpu' or 'auto'")
    return torch.device(name)


def images_to_tensor(images: np.ndarray, mean: torch.Tensor, std: torch.Tensor, device) -> torch.Tensor:
    """uint8 ``(n, H, W[, C])`` → normalised float ``(n, C, H, W)`` on ``device``."""
    x = torch.from_numpy(np.ascontiguousarray(images)).to(device)
    x = x.unsqueeze(1) if x.ndim == 3 else x.permute(0, 3, 1, 2)
    return (x.float() / 255.0 - mean.to(device)) / std.to(device)


@dataclass
class TrainResult:
    """A trained model with its history; ``encode`` turns uint8 images into {0,1} codes."""

    model: HashingNet
    config: TrainConfig
    history: list = field(default_factory=list)
    best_epoch: int = 0
    best_val_map: float | None = None
    images_per_second: float = 0.0
    wall_time: float = 0.0
    device: str = "cpu"
    mean: torch.Tensor | None = None
    std: torch.Tensor | None = None

    @property
    def classifies(self) -> bool:
        return self.model.classifies

    def _tensor(self, images):
        return images_to_tensor(images, self.mean, self.std, self.device)

    def encode(self, images: np.ndarray) -> np.ndarray:
        """uint8 images → uint8 {0,1} codes ``(n, n_bits)`` (numpy)."""
        return self.model.encode(self._tensor(images)).cpu().numpy()

    def accuracy(self, images: np.ndarray, labels: np.ndarray) -> float:
        """Classification accuracy of the classifier on the latent layer."""
        predicted = self.model.predict(self._tensor(images)).cpu().numpy()
        return float((predicted == np.asarray(labels)).mean())

    def config_dict(self) -> dict:
        return dataclasses.asdict(self.config)


def _validation_map(model, x_val, y_val, x_train, y_train) -> float:
    from hashlib_core.eval import evaluate

    return evaluate(model.encode(x_val), model.encode(x_train), y_val, y_train, topk=(), curves=False)["map@all"]


def _augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    flip = torch.rand(len(x), generator=generator) < 0.5
    x = torch.where(flip.to(x.device)[:, None, None, None], x.flip(3), x)
    dx, dy = (int(v) for v in torch.randint(-4, 5, (2,), generator=generator))
    return torch.roll(x, shifts=(dy, dx), dims=(2, 3))


def train(config: TrainConfig, dataset=None, split=None) -> TrainResult:
    """Train ``config.method`` on ``split.train``; select the epoch by validation mAP (validation
    queries against the training images), never by the test queries.

    ``dataset``/``split`` default to ``load_dataset(config.dataset)`` and ``make_split(..., config.protocol, seed)``.
    """
    from tqdm.auto import tqdm

    config.validate()
    if dataset is None:
        from hashlib_core.data import load_dataset

        dataset = load_dataset(config.dataset)
    if split is None:
        from hashlib_core.protocols import make_split

        split = make_split(dataset, config.protocol, seed=config.seed)
    labels = np.asarray(dataset.labels)
    if labels.dtype.kind not in "iu":
        raise ValueError(f"labels must be integers, got dtype {labels.dtype}")
    if config.num_threads:
        torch.set_num_threads(config.num_threads)
    device = _resolve_device(config.device)
    on_cuda = device.type == "cuda"
    amp = config.amp if config.amp is not None else on_cuda
    channels_last = config.channels_last if config.channels_last is not None else on_cuda
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)

    train_images = dataset.images[split.train]
    flat = train_images.reshape(len(train_images), -1, 1 if train_images.ndim == 3 else train_images.shape[-1])
    mean = torch.tensor(flat.mean(axis=(0, 1)) / 255.0, dtype=torch.float32).view(1, -1, 1, 1)
    std = torch.tensor(flat.std(axis=(0, 1)) / 255.0 + 1e-6, dtype=torch.float32).view(1, -1, 1, 1)
    x_train = images_to_tensor(train_images, mean, std, device)
    y_train = torch.from_numpy(labels[split.train]).to(device)
    x_val = images_to_tensor(dataset.images[split.validation], mean, std, device)
    y_val = labels[split.validation]
    if channels_last:
        x_train = x_train.contiguous(memory_format=torch.channels_last)

    model = build_model(config.method, config.n_bits, dataset.n_classes, dataset.image_shape,
                        width_mult=config.width_mult, epsilon=config.epsilon, beta=config.beta).to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    hash_loss = build_loss(config.method, margin=config.margin, max_triplets=config.max_triplets,
                           alpha=config.alpha, balance_weight=config.balance_weight, seed=config.seed)
    pretrain_loss = torch.nn.CrossEntropyLoss()
    if config.optimizer == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=0.9, weight_decay=config.weight_decay)
    total_epochs = config.pretrain_epochs + config.epochs
    steps_per_epoch = math.ceil(len(x_train) / config.batch_size)
    scheduler = (torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, max(1, total_epochs * steps_per_epoch))
                 if config.schedule == "cosine" else torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0))

    history, best_map, best_epoch, best_state, start_epoch, step = [], -1.0, 0, None, 0, 0
    if config.checkpoint_dir and config.resume:
        state = load_checkpoint(config.checkpoint_dir)
        if state is not None:
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
            torch.set_rng_state(state["torch_rng"])
            generator.set_state(state["generator"])
            history, best_map, best_epoch = state["history"], state["best_map"], state["best_epoch"]
            best_state, start_epoch, step = state["best_state"], state["epoch"], state["step"]

    start_time = time.perf_counter()
    images_seen, train_seconds, stale = 0, 0.0, 0
    for epoch in tqdm(range(start_epoch, total_epochs), desc=f"train {config.method}", unit="epoch",
                      initial=start_epoch, total=total_epochs, leave=False):
        pretraining = epoch < config.pretrain_epochs
        model.train()
        order = torch.randperm(len(x_train), generator=generator).to(device)
        epoch_loss, t0 = 0.0, time.perf_counter()
        for b in range(steps_per_epoch):
            idx = order[b * config.batch_size:(b + 1) * config.batch_size]
            xb, yb = x_train[idx], y_train[idx]
            if config.augment and xb.shape[1] == 3:
                xb = _augment(xb, generator)
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=amp):
                out = model(xb)
                loss = (pretrain_loss(out["pretrain_logits"], yb) if pretraining and "pretrain_logits" in out
                        else hash_loss(out, yb))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            epoch_loss += float(loss.detach()) * len(idx)
            images_seen += len(idx)
            step += 1
            if config.max_steps is not None and step >= config.max_steps:
                break
        train_seconds += time.perf_counter() - t0
        entry = {"epoch": epoch + 1, "loss": epoch_loss / max(1, min(len(x_train), images_seen)),
                 "lr": scheduler.get_last_lr()[0], "stage": "pretrain" if pretraining else "hash",
                 "seconds": time.perf_counter() - t0}
        if not pretraining and ((epoch + 1) % config.val_every == 0 or epoch + 1 == total_epochs):
            entry["val_map"] = _validation_map(model, x_val, y_val, x_train, y_train.cpu().numpy())
            if entry["val_map"] > best_map:
                best_map, best_epoch, stale = entry["val_map"], epoch + 1, 0
                best_state = copy.deepcopy(model.state_dict())
            else:
                stale += 1
        history.append(entry)
        if config.checkpoint_dir:
            save_checkpoint(config.checkpoint_dir, {
                "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "torch_rng": torch.get_rng_state(),
                "generator": generator.get_state(), "history": history, "best_map": best_map,
                "best_epoch": best_epoch, "best_state": best_state, "epoch": epoch + 1, "step": step,
                "config": dataclasses.asdict(config)})
        if (config.max_steps is not None and step >= config.max_steps) or (
                config.early_stopping_patience is not None and stale >= config.early_stopping_patience):
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    from hashlib_core.results.environment import device_name

    return TrainResult(model=model, config=config, history=history, best_epoch=best_epoch,
                       best_val_map=best_map if best_map >= 0 else None,
                       images_per_second=images_seen / train_seconds if train_seconds else 0.0,
                       wall_time=time.perf_counter() - start_time, device=str(device),
                       mean=mean, std=std)

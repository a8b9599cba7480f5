"""One training loop for every method: seeded, resumable, validated on the validation split only.

The training images stay on the device as one uint8 tensor; each epoch draws a permutation from
a seeded ``torch.Generator`` and slices batches from it (no DataLoader). Validation mAP ranks the
validation queries against the training images (:func:`hashlib_core.eval.evaluate`), never the
test queries. Mixed precision (bfloat16 autocast, or float16 with loss scaling on GPUs without
bfloat16) and channels-last layout follow :mod:`hashlib_core.models.precision`: on CUDA and on
CPUs with native bfloat16 (AVX512-BF16, AMX), float32 channels-last on other CPUs; the losses
compute in float32. On a CPU the same config on the same machine gives bit-identical weights and
codes, also across an interruption and ``resume``.

The steps: :func:`_prepare` (a :class:`Run`), :func:`_restore` (a :class:`~hashlib_core.train.state.TrainState`,
fresh or from the checkpoint), then per epoch :func:`_run_epoch` (:func:`_train_epoch`, :func:`_validate`,
:func:`_save`), and :func:`_finish` (the :class:`TrainResult`).
"""
from __future__ import annotations

import copy
import dataclasses
import math
import random
import time
from typing import Callable

import numpy as np
import torch

from hashlib_core.losses import ClassificationLoss
from hashlib_core.models import HashingNet, build_loss, build_model
from hashlib_core.models.precision import amp_dtype_for, default_amp, default_channels_last
from hashlib_core.train.checkpoint import load_checkpoint, restore_rng_states, rng_states, save_checkpoint
from hashlib_core.train.config import OPERATIONAL_FIELDS, TrainConfig
from hashlib_core.train.data import channel_statistics, check_integer_labels, random_crop_flip
from hashlib_core.train.result import TrainResult
from hashlib_core.train.state import TrainState

__all__ = ["train", "resolve_device", "seed_everything", "validation_map"]


def resolve_device(name: str) -> torch.device:
    """"auto" → CUDA when available, else CPU; "cuda" without CUDA raises ``ValueError``."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} requested but CUDA is not available here; use 'cpu' or 'auto'")
    return torch.device(name)


def seed_everything(seed: int) -> None:
    """Seed torch (CPU and CUDA), numpy's global generator and Python's ``random``."""
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)
    random.seed(seed)


def validation_map(model: HashingNet, queries: torch.Tensor, query_labels: np.ndarray, database: torch.Tensor,
                   db_labels: np.ndarray, metric: str = "map@all", batch_size: int | None = None) -> float:
    """mAP (``metric``: "map@all" or "map@K") of ``queries`` against ``database`` (uint8 images)."""
    from hashlib_core.eval import evaluate

    topk = () if metric == "map@all" else (int(metric[4:]),)
    q = model.encode(queries, batch_size, output_device=None)
    d = model.encode(database, batch_size, output_device=None)
    return float(evaluate(q, d, query_labels, db_labels, topk=topk, curves=False)[metric])


def _optimizer(model: torch.nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    params = [p for p in model.parameters() if p.requires_grad]
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)
    cls = torch.optim.AdamW if config.optimizer == "adamw" else torch.optim.Adam
    return cls(params, lr=config.lr, weight_decay=config.weight_decay)


def _lr_factor(config: TrainConfig, steps_per_epoch: int) -> Callable[[int], float]:
    """Learning-rate multiplier per optimizer step; the schedule restarts at the hashing phase."""
    pretrain_steps = config.pretrain_epochs * steps_per_epoch
    hash_steps = config.epochs * steps_per_epoch

    def factor(step: int) -> float:
        t, total = (step, pretrain_steps) if step < pretrain_steps else (step - pretrain_steps, hash_steps)
        if config.lr_schedule == "cosine":
            return 0.5 * (1.0 + math.cos(math.pi * min(t, total) / max(1, total)))
        if config.lr_schedule == "step":
            every = config.lr_step_epochs or max(1, total // steps_per_epoch // 3)  # default: 3 drops
            return config.lr_gamma ** (t // steps_per_epoch // every)
        return 1.0

    return factor


def _check_resume(saved: dict, config: TrainConfig) -> None:
    current = config.to_dict()
    differing = sorted(k for k, v in saved.items() if k not in OPERATIONAL_FIELDS and current.get(k) != v)
    if differing:
        details = ", ".join(f"{k}: {saved[k]!r} → {current.get(k)!r}" for k in differing)
        raise ValueError(f"the checkpoint in {config.checkpoint_dir} was written by a different configuration "
                         f"({details}); resume with the same settings or use another checkpoint_dir")


def train(config: TrainConfig, dataset=None, split=None, *,
          on_epoch_end: Callable[[dict], None] | None = None) -> TrainResult:
    """Train ``config.method`` on ``split.train``; select the epoch by validation mAP.

    Args:
        config: the run (:class:`TrainConfig`); ``None`` fields take the method's defaults.
        dataset: a :class:`~hashlib_core.data.Dataset` (default ``load_dataset(config.dataset)``).
        split: a :class:`~hashlib_core.protocols.Split` (default ``make_split(dataset, config.protocol,
            config.seed)``). Only ``split.train`` and ``split.validation`` are read.
        on_epoch_end: called with each epoch's history entry after its checkpoint is written (an
            exception raised there stops training; the checkpoint allows ``resume``).

    Returns:
        A :class:`TrainResult` (model with the best validation weights, history, timings).

    Raises:
        ValueError: invalid config (unknown method, bits, options …) or a checkpoint of another config.
        TypeError: labels that are not integers.
    """
    start_time = time.perf_counter()
    config = config.resolved()
    config.validate()
    threads_before = torch.get_num_threads()
    if config.num_threads:
        torch.set_num_threads(config.num_threads)
    try:
        return _train(config, dataset, split, on_epoch_end, start_time)
    finally:
        torch.set_num_threads(threads_before)


@dataclasses.dataclass
class Run:
    """Everything one training run works with, built by :func:`_prepare` (tensors on ``device``).

    ``config`` names the precision actually used (``amp``, ``channels_last`` resolved). Images are
    uint8 ``(N, H, W)`` or ``(N, H, W, C)`` as stored in the dataset; labels are ``(N,)`` int64 or
    ``(N, n_classes)`` multi-hot. ``forward`` is the model, or its ``torch.compile`` wrapper.
    """

    config: TrainConfig
    device: torch.device
    model: HashingNet
    forward: Callable[[torch.Tensor], dict]
    hash_loss: torch.nn.Module
    pretrain_loss: ClassificationLoss
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LambdaLR
    scaler: torch.amp.GradScaler
    batch_generator: torch.Generator  # the per-epoch batch order only
    amp_dtype: torch.dtype
    memory_format: torch.memory_format
    n_train: int
    batch_size: int
    steps_per_epoch: int  # the last incomplete batch is dropped
    train_images: torch.Tensor  # uint8, on device
    train_labels: torch.Tensor  # on device
    train_labels_np: np.ndarray  # the validation database's labels
    val_images: torch.Tensor  # uint8, on device
    val_labels: np.ndarray

    @property
    def total_epochs(self) -> int:
        """Pre-training plus hashing epochs."""
        return self.config.pretrain_epochs + self.config.epochs


def _train(config: TrainConfig, dataset, split, on_epoch_end, start_time: float) -> TrainResult:
    """Prepare, resume, run the epochs until done, stopped or interrupted, and return the best model."""
    run = _prepare(config, dataset, split)
    state = _restore(run)
    if run.config.compile:
        run.forward = torch.compile(run.model)
    bar = _progress_bar(run, state)
    for epoch in range(state.epoch, run.total_epochs):
        if state.stopped_early:  # a resumed run that had already stopped early
            break
        if _run_epoch(run, state, epoch, bar, on_epoch_end):
            break
    bar.close()
    return _finish(run, state, start_time)


def _load_data(config: TrainConfig, dataset, split) -> tuple:
    """``(dataset, split, labels)``: the config's dataset and split where not given, integer labels."""
    if dataset is None:
        from hashlib_core.data import load_dataset

        dataset = load_dataset(config.dataset)
    if split is None:
        from hashlib_core.protocols import make_split

        split = make_split(dataset, config.protocol, seed=config.seed)
    return dataset, split, check_integer_labels(dataset.labels)


def _set_precision(config: TrainConfig, device: torch.device) -> TrainConfig:
    """cuDNN and TF32 flags on CUDA; the config with the ``amp`` and ``channels_last`` actually used."""
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = not config.deterministic
        torch.backends.cudnn.deterministic = config.deterministic
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    return dataclasses.replace(  # the record names the precision actually used
        config, amp=default_amp(device) if config.amp is None else config.amp,
        channels_last=default_channels_last(device) if config.channels_last is None else config.channels_last)


def _prepare(config: TrainConfig, dataset, split) -> Run:
    """Seed, build the model, losses, optimizer and schedule, and put the training images on the device."""
    device = resolve_device(config.device)
    dataset, split, labels = _load_data(config, dataset, split)
    config = _set_precision(config, device)
    memory_format = torch.channels_last if config.channels_last else torch.contiguous_format
    seed_everything(config.seed)
    model = build_model(config.method, config.n_bits, dataset.n_classes, dataset.image_shape,
                        **config.model_options())
    train_images_np = dataset.images[split.train]
    model.set_input_statistics(*channel_statistics(train_images_np))
    model = model.to(device, memory_format=memory_format)
    model.inference_amp = config.amp  # validation and encoding use the training run's precision
    hash_loss = build_loss(config.method, **config.loss_options()).to(device)
    pretrain_loss = ClassificationLoss()
    optimizer = _optimizer(model, config)
    n_train = len(split.train)
    batch_size = min(config.batch_size, n_train)
    steps_per_epoch = max(1, n_train // batch_size)
    amp_dtype = amp_dtype_for(device)
    return Run(
        config=config, device=device, model=model, forward=model, hash_loss=hash_loss,
        pretrain_loss=pretrain_loss, optimizer=optimizer,
        scheduler=torch.optim.lr_scheduler.LambdaLR(optimizer, _lr_factor(config, steps_per_epoch)),
        scaler=torch.amp.GradScaler("cuda", enabled=config.amp and device.type == "cuda"
                                    and amp_dtype == torch.float16),
        batch_generator=torch.Generator().manual_seed(config.seed), amp_dtype=amp_dtype,
        memory_format=memory_format, n_train=n_train, batch_size=batch_size, steps_per_epoch=steps_per_epoch,
        train_images=torch.from_numpy(np.ascontiguousarray(train_images_np)).to(device),
        train_labels=torch.from_numpy(labels[split.train]).to(device), train_labels_np=labels[split.train],
        val_images=torch.from_numpy(np.ascontiguousarray(dataset.images[split.validation])).to(device),
        val_labels=labels[split.validation])


def _restore(run: Run) -> TrainState:
    """A fresh state, or with ``resume`` the checkpoint's (weights, optimizer, schedule, generators restored)."""
    config = run.config
    saved = load_checkpoint(config.checkpoint_dir) if config.checkpoint_dir and config.resume else None
    if saved is None:
        return TrainState()
    _check_resume(saved["config"], config)
    run.model.load_state_dict(saved["model"])
    run.optimizer.load_state_dict(saved["optimizer"])
    run.scheduler.load_state_dict(saved["scheduler"])
    run.scaler.load_state_dict(saved["scaler"])
    restore_rng_states(saved["rng"], run.batch_generator)
    return TrainState.from_dict(saved["state"])


def _progress_bar(run: Run, state: TrainState):
    """A tqdm bar over all steps, starting at the resumed epoch (disabled unless ``config.progress``)."""
    from tqdm.auto import tqdm

    config = run.config
    return tqdm(total=run.total_epochs * run.steps_per_epoch, initial=state.epoch * run.steps_per_epoch,
                desc=f"{config.method} {config.n_bits} bits", unit="step", leave=False,
                **({} if config.progress else {"disable": True}))  # progress=True still honours TQDM_DISABLE


def _run_epoch(run: Run, state: TrainState, epoch: int, bar, on_epoch_end) -> bool:
    """Train, validate when due, record, checkpoint a complete epoch, report; True when training stops."""
    config = run.config
    entry, stop = _train_epoch(run, state, epoch, bar)
    last = stop or epoch + 1 == run.total_epochs
    if entry["phase"] == "hash" and ((epoch + 1 - config.pretrain_epochs) % config.val_every == 0 or last):
        _validate(run, state, entry, bar)
    state.history.append(entry)
    patience = config.early_stopping_patience
    state.stopped_early = patience is not None and state.stale >= patience
    if entry["steps"] == run.steps_per_epoch:  # complete: a resumed run starts after it
        state.epoch = epoch + 1
        if config.checkpoint_dir:
            _save(run, state)
    if on_epoch_end is not None:
        on_epoch_end(dict(entry))
    return stop or state.stopped_early


def _train_epoch(run: Run, state: TrainState, epoch: int, bar) -> tuple[dict, bool]:
    """One pass over a fresh permutation of the training images.

    Returns:
        The epoch's history entry (``val_map`` None) and whether ``max_steps`` was reached.
    """
    config = run.config
    pretraining = epoch < config.pretrain_epochs
    run.model.train()
    order = torch.randperm(run.n_train, generator=run.batch_generator).to(run.device)
    loss_sum = torch.zeros((), device=run.device)
    steps_done, stop = 0, False
    _synchronize(run.device)
    t0 = time.perf_counter()
    for b in range(run.steps_per_epoch):
        loss = _train_step(run, order[b * run.batch_size:(b + 1) * run.batch_size], pretraining)
        loss_sum += loss.detach().float()
        steps_done += 1
        state.step += 1
        bar.update(1)
        if b % 10 == 0 and config.progress:
            bar.set_postfix(epoch=epoch + 1, loss=f"{loss.item():.4f}", refresh=False)
        if config.max_steps is not None and state.step >= config.max_steps:
            stop = True
            break
    _synchronize(run.device)
    seconds = time.perf_counter() - t0
    return {"epoch": epoch + 1, "phase": "pretrain" if pretraining else "hash",
            "loss": float(loss_sum) / max(1, steps_done), "val_map": None,
            "lr": float(run.scheduler.get_last_lr()[0]), "steps": steps_done,
            "images": steps_done * run.batch_size, "seconds": seconds}, stop


def _synchronize(device: torch.device) -> None:
    """Wait for the device's queued work (CUDA only), so that epoch timings are wall-clock."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _train_step(run: Run, idx: torch.Tensor, pretraining: bool) -> torch.Tensor:
    """One optimizer step on the training images ``idx`` (``(B,)`` indices); returns the loss (scalar)."""
    model, config = run.model, run.config
    x = model.preprocess(run.train_images[idx])  # (B, C, H, W) float
    if config.augment:
        x = random_crop_flip(x, flip=x.shape[1] == 3)
    x = x.contiguous(memory_format=run.memory_format)
    y = run.train_labels[idx]
    with torch.autocast(run.device.type, dtype=run.amp_dtype, enabled=config.amp):
        out = run.forward(x)
        if pretraining:
            out = {"logits": model.pretrain_logits(out)}
    # the losses run outside autocast and cast their inputs to float32
    loss = run.pretrain_loss(out["logits"], y) if pretraining else run.hash_loss(out, y)
    run.optimizer.zero_grad(set_to_none=True)
    run.scaler.scale(loss).backward()
    run.scaler.step(run.optimizer)
    run.scaler.update()
    run.scheduler.step()
    return loss


def _validate(run: Run, state: TrainState, entry: dict, bar) -> None:
    """Validation mAP into ``entry``; keeps the best weights (CPU copies) or counts a stale validation."""
    config = run.config
    entry["val_map"] = validation_map(run.model, run.val_images, run.val_labels, run.train_images,
                                      run.train_labels_np, config.val_metric, config.eval_batch_size)
    if state.best_val_map is None or entry["val_map"] > state.best_val_map:
        state.best_val_map, state.best_epoch, state.stale = entry["val_map"], entry["epoch"], 0
        state.best_state = {k: v.detach().to("cpu", copy=True) for k, v in run.model.state_dict().items()}
    else:
        state.stale += 1
    bar.set_postfix(epoch=entry["epoch"], loss=f"{entry['loss']:.4f}", val_map=f"{entry['val_map']:.4f}")


def _save(run: Run, state: TrainState) -> None:
    """Checkpoint everything a bit-identical resume needs; ``state`` as a plain dict (format unchanged)."""
    save_checkpoint(run.config.checkpoint_dir, {
        "config": run.config.to_dict(), "model": run.model.state_dict(), "optimizer": run.optimizer.state_dict(),
        "scheduler": run.scheduler.state_dict(), "scaler": run.scaler.state_dict(),
        "rng": rng_states(run.batch_generator), "state": state.to_dict()})


def _finish(run: Run, state: TrainState, start_time: float) -> TrainResult:
    """The best validation weights (with ``restore_best``) in eval mode, with history and timings."""
    from hashlib_core.machine import device_name

    model, config = run.model, run.config
    if config.restore_best and state.best_state is not None:
        model.load_state_dict(state.best_state)
    model.eval()
    history = copy.deepcopy(state.history)
    seconds = sum(h["seconds"] for h in history)
    return TrainResult(model=model, config=config, history=history, best_epoch=state.best_epoch,
                       best_val_map=state.best_val_map,
                       images_per_second=sum(h["images"] for h in history) / seconds if seconds else 0.0,
                       wall_time=time.perf_counter() - start_time, device=str(run.device),
                       device_name=device_name(str(run.device)), pretrained_weights=bool(config.pretrained))

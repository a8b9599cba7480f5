""":class:`TrainConfig`: everything that defines a training run (stored with every result)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from hashlib_core.eval.codes import check_n_bits
from hashlib_core.methods import DEEP_METHODS, LOSS_OPTIONS, MODEL_OPTIONS, method_spec

__all__ = ["TrainConfig", "OPTIMIZERS", "LR_SCHEDULES", "OPERATIONAL_FIELDS", "METHOD_DEFAULT_FIELDS", "FIELD_HELP",
           "FIELD_CHOICES", "CLI_NAMES"]

OPTIMIZERS = ("adam", "adamw", "sgd")
LR_SCHEDULES = ("cosine", "step", "constant")
#: fields that change how a run is executed but not its result (ignored when checking a resume)
OPERATIONAL_FIELDS = ("device", "checkpoint_dir", "resume", "max_steps", "num_threads", "progress",
                      "eval_batch_size", "compile")
#: fields whose ``None`` is filled from the method table's training defaults by :meth:`TrainConfig.resolved`
METHOD_DEFAULT_FIELDS = ("lr", "weight_decay", "optimizer", "pretrain_epochs")

#: the ``train`` command's options are generated from the fields (hashlib_core.cli): help where the name is not enough
FIELD_HELP = {
    "method": "a deep method of hashlib_core.methods.METHODS", "n_bits": "code length",
    "pretrain_epochs": "expo: classifier pre-training epochs (default: the method's)",
    "lr": "default: the method's", "weight_decay": "default: the method's", "optimizer": "default: the method's",
    "epsilon": "DNNH piece-wise threshold (default: the method's)", "width_mult": "NIN width multiplier",
    "batch_norm": "BatchNorm after each NIN convolution (--no-batch-norm: the papers' stack exactly)",
    "amp": "mixed precision (default: where the device runs it natively)", "augment": "random 4-px crop + flip",
    "early_stopping_patience": "early stopping patience (validations)",
    "resume": "continue from --checkpoint-dir's last.pt", "progress": "progress bar",
}
#: fields with a fixed set of values
FIELD_CHOICES = {"optimizer": OPTIMIZERS, "lr_schedule": LR_SCHEDULES}
#: command-line spellings that differ from ``--field-name``
CLI_NAMES = {"n_bits": "--bits", "early_stopping_patience": "--patience"}


@dataclass
class TrainConfig:
    """A training run. ``None`` means "the method's default" (from :data:`hashlib_core.methods.METHODS`).

    Data: ``method``, ``dataset``, ``protocol``, ``n_bits``, ``seed`` (model init, batch order, and
    the split when :func:`~hashlib_core.train.train` builds it).
    Optimisation: ``epochs`` (hashing epochs), ``pretrain_epochs`` (Mu & Liu: classifier-only epochs
    *before* them, 2 for ``expo-pretrain``, 0 otherwise; the learning-rate schedule restarts at the hashing phase), ``batch_size`` (the last
    incomplete batch of an epoch is dropped), ``lr``, ``weight_decay``, ``optimizer``
    (adam/adamw/sgd), ``momentum`` (sgd), ``lr_schedule`` (cosine per step / step / constant),
    ``lr_step_epochs`` and ``lr_gamma`` (step schedule).
    Model and loss options (None = method default; every name of :data:`~hashlib_core.methods.MODEL_OPTIONS`
    and :data:`~hashlib_core.methods.LOSS_OPTIONS`): ``backbone``, ``width_mult`` (NIN width multiplier),
    ``batch_norm``, ``final_relu``, ``dropout`` (NIN, after pools 1 and 3), ``feature_dim``, ``slice_size`` (DNNH),
    ``epsilon`` (DNNH threshold), ``threshold_gradient``, ``beta`` (tanh), ``pretrained``, ``input_size``
    (torchvision), ``margin``, ``max_triplets``, ``pair_weighting``, ``binarization_weight`` (SSDH K1),
    ``balance_weight`` (SSDH K2).
    Hardware: ``device`` ("auto"|"cpu"|"cuda"|"cuda:N"), ``amp`` (None = on CUDA: bfloat16, or
    float16 with loss scaling), ``channels_last`` (None = on CUDA), ``compile`` (torch.compile),
    ``num_threads`` (CPU threads), ``deterministic`` (cuDNN deterministic, no autotuning).
    Selection: ``val_every`` epochs, ``val_metric`` ("map@all" or "map@K"),
    ``early_stopping_patience`` (validations without improvement), ``restore_best``.
    Runs: ``checkpoint_dir`` (None = none), ``resume``, ``max_steps`` (smoke tests), ``augment``
    (random 4-px crop, plus horizontal flip for colour images), ``progress`` (tqdm).
    """

    method: str = "dnnh"
    dataset: str = "digits"
    protocol: str = "cnnh-mini"
    n_bits: int = 16
    seed: int = 0
    epochs: int = 10
    pretrain_epochs: int | None = None
    batch_size: int = 100
    lr: float | None = None
    weight_decay: float | None = None
    optimizer: str | None = None
    momentum: float = 0.9
    lr_schedule: str = "cosine"
    lr_step_epochs: int | None = None
    lr_gamma: float = 0.1
    backbone: str | None = None
    width_mult: float | None = None
    batch_norm: bool | None = None
    final_relu: bool | None = None
    dropout: float | None = None
    feature_dim: int | None = None
    slice_size: int | None = None
    epsilon: float | None = None
    threshold_gradient: str | None = None
    beta: float | None = None
    pretrained: bool | None = None
    input_size: int | None = None
    margin: float | None = None
    max_triplets: int | None = None
    pair_weighting: str | None = None
    binarization_weight: float | None = None
    balance_weight: float | None = None
    device: str = "auto"
    amp: bool | None = None
    channels_last: bool | None = None
    compile: bool = False
    num_threads: int | None = None
    deterministic: bool = False
    augment: bool = False
    val_every: int = 1
    val_metric: str = "map@all"
    early_stopping_patience: int | None = None
    restore_best: bool = True
    checkpoint_dir: str | None = None
    resume: bool = False
    max_steps: int | None = None
    progress: bool = True
    eval_batch_size: int | None = None

    def resolved(self) -> "TrainConfig":
        """A copy with :data:`METHOD_DEFAULT_FIELDS` left as None filled from the method's defaults."""
        defaults = method_spec(self.method, "deep").train_defaults
        fields = {k: (defaults.get(k) if getattr(self, k) is None else getattr(self, k))
                  for k in METHOD_DEFAULT_FIELDS}
        return dataclasses.replace(self, **fields)

    def model_options(self) -> dict:
        """Non-None model options for :func:`~hashlib_core.models.build_model`."""
        return {k: getattr(self, k) for k in MODEL_OPTIONS if getattr(self, k) is not None}

    def loss_options(self) -> dict:
        """Non-None loss options for :func:`~hashlib_core.models.build_loss`."""
        return {k: getattr(self, k) for k in LOSS_OPTIONS if getattr(self, k) is not None}

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def validate(self) -> None:
        """Raise ``ValueError`` with a clear message for any invalid field."""
        if self.method not in DEEP_METHODS:
            raise ValueError(f"unknown method {self.method!r}; valid methods: {', '.join(DEEP_METHODS)}")
        check_n_bits(self.n_bits)
        if self.pretrain_epochs is None:
            return self.resolved().validate()

        def integer(name: str, minimum: int, optional: bool = False) -> None:
            value = getattr(self, name)
            if optional and value is None:
                return
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
                raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")

        integer("seed", 0)
        integer("epochs", 0)
        integer("pretrain_epochs", 0)
        integer("batch_size", 2)
        integer("val_every", 1)
        integer("eval_batch_size", 1, optional=True)
        integer("max_steps", 1, optional=True)
        integer("num_threads", 1, optional=True)
        integer("early_stopping_patience", 1, optional=True)
        integer("lr_step_epochs", 1, optional=True)
        if self.epochs + self.pretrain_epochs < 1:
            raise ValueError("epochs + pretrain_epochs must be >= 1")
        if self.pretrain_epochs and not method_spec(self.method).pretrains:
            valid = [m for m in DEEP_METHODS if method_spec(m).pretrains]
            raise ValueError(f"pretrain_epochs is Mu & Liu's pre-training scheme, for methods {', '.join(valid)} only "
                             f"(got method {self.method!r})")
        if self.optimizer is not None and self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; valid: {', '.join(OPTIMIZERS)}")
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(f"unknown lr_schedule {self.lr_schedule!r}; valid: {', '.join(LR_SCHEDULES)}")
        if self.lr is not None and not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr!r}")
        if self.val_metric != "map@all" and not (self.val_metric.startswith("map@")
                                                 and self.val_metric[4:].isdigit() and int(self.val_metric[4:]) > 0):
            raise ValueError(f"val_metric must be 'map@all' or 'map@K' (K >= 1), got {self.val_metric!r}")
        if not (self.device in ("auto", "cpu", "cuda") or self.device.startswith("cuda:")):
            raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {self.device!r}")

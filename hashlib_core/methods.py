"""The method table: every method of the package, once, with its paper, kind and defaults.

Every list of methods in the package is derived from :data:`METHODS` (the deep ones, the
baselines, which paper each reproduces, the options each takes), so adding a method is one
entry here plus its head or loss (deep) or its estimator class (baseline); see ARCHITECTURE.md.

================  ========  ===========  ================================================================
method            kind      paper        what
================  ========  ===========  ================================================================
``dnnh``          deep      dnnh         NIN (50·q features) + divide-and-encode + triplet ranking loss
``dnnh-fc``       deep      dnnh         the same with one fully connected layer 50·q → q (the ablation)
``expo``          deep      mu-liu       NIN + tanh(βz) + exponentiated pairwise loss
``expo-pretrain`` deep      mu-liu       ``expo`` after classifier pre-training epochs (the paper's scheme)
``nin-latent``    deep      nin-latent   NIN + latent sigmoid layer + softmax classifier
``dlbhc``         deep      nin-latent   latent sigmoid layer + classifier (DLBHC)
``ssdh``          deep      ssdh         latent layer + classifier + K1 binarization + K2 balance
``lsh`` ``itq``   baseline  baselines    scikit-learn estimators on hand-crafted features
``itq-cca``
``ksh`` ``sh``
================  ========  ===========  ================================================================
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from hashlib_core.baselines.itq import ITQ, ITQCCA
from hashlib_core.baselines.ksh import KSH
from hashlib_core.baselines.lsh import LSH
from hashlib_core.baselines.sh import SH

__all__ = ["MethodSpec", "METHODS", "DEEP_METHODS", "BASELINES", "METHOD_PAPER", "method_spec", "HEADS", "LOSSES",
           "MODEL_OPTIONS", "LOSS_OPTIONS"]

#: the hash heads a deep method can use (:mod:`hashlib_core.models.heads`)
HEADS = ("divide-and-encode", "fully-connected", "latent", "tanh-sign")
#: the training losses a deep method can use (:mod:`hashlib_core.losses`)
LOSSES = ("triplet", "exponentiated", "classification", "ssdh")

#: options of :func:`~hashlib_core.models.build_model` (besides method, n_bits, n_classes, image_shape);
#: each is also a field of :class:`~hashlib_core.train.TrainConfig`, so a profile can set it
MODEL_OPTIONS = ("backbone", "width_mult", "batch_norm", "final_relu", "dropout", "feature_dim", "slice_size",
                 "epsilon", "threshold_gradient", "beta", "pretrained", "input_size")
#: options of :func:`~hashlib_core.models.build_loss` (also TrainConfig fields)
LOSS_OPTIONS = ("margin", "max_triplets", "pair_weighting", "binarization_weight", "balance_weight")


@dataclass(frozen=True)
class MethodSpec:
    """One method: its name, paper, kind, and how it is built.

    A ``"baseline"`` names its scikit-learn ``estimator`` class. A ``"deep"`` method names its
    ``head`` and ``loss`` (one of :data:`HEADS` / :data:`LOSSES`) and its defaults: model options
    (:func:`~hashlib_core.models.build_model`), loss options (:func:`~hashlib_core.models.build_loss`)
    and training settings (fields of :class:`~hashlib_core.train.TrainConfig` left as None).
    """

    name: str
    paper: str
    kind: str  # "deep" or "baseline"
    description: str
    estimator: type | None = None
    head: str | None = None
    loss: str | None = None
    model_defaults: dict = field(default_factory=dict)
    loss_defaults: dict = field(default_factory=dict)
    train_defaults: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in ("deep", "baseline"):
            raise ValueError(f"method {self.name!r}: kind must be 'deep' or 'baseline', got {self.kind!r}")
        if self.kind == "baseline" and self.estimator is None:
            raise ValueError(f"baseline {self.name!r} needs its estimator class")
        if self.kind == "deep" and (self.head not in HEADS or self.loss not in LOSSES):
            raise ValueError(f"deep method {self.name!r}: head must be one of {HEADS} and loss one of {LOSSES}, "
                             f"got {self.head!r} and {self.loss!r}")

    @property
    def is_deep(self) -> bool:
        return self.kind == "deep"

    @property
    def settings_section(self) -> str:
        """The profile section that configures this method: ``[train]`` (deep) or ``[baselines]``."""
        return "train" if self.is_deep else "baselines"

    @property
    def classifies(self) -> bool:
        """Whether the network ends in a classifier whose predictions are stored (the latent-layer methods)."""
        return self.head == "latent"

    @property
    def pretrains(self) -> bool:
        """Whether the network has a classifier for Mu & Liu's pre-training epochs."""
        return self.loss == "exponentiated"

    @property
    def needs_classes(self) -> bool:
        return self.classifies or self.pretrains


_ADAM = {"optimizer": "adam", "lr": 1e-3, "weight_decay": 5e-4, "pretrain_epochs": 0}
#: BatchNorm after every NIN convolution: NOT in the papers' stack, on by default because from-scratch
#: training with short schedules otherwise stalls (at initialisation the pooled features barely vary
#: across images, so every image gets nearly the same code, and SSDH's K1 then saturates all units to
#: one code). ``batch_norm=False`` gives the papers' stack exactly.
_NIN = {"batch_norm": True}
_DNNH_MODEL = {**_NIN, "epsilon": 0.1, "slice_size": 50, "threshold_gradient": "band"}
_DNNH_LOSS = {"margin": 1.0, "max_triplets": None}
_EXPO_MODEL = {**_NIN, "beta": 1.0}
_EXPO_LOSS = {"pair_weighting": "uniform"}
_DNNH = MethodSpec("dnnh", "dnnh", "deep",
                   "NIN (50q features) + divide-and-encode + triplet ranking loss (Lai et al. 2015)",
                   head="divide-and-encode", loss="triplet", model_defaults=_DNNH_MODEL, loss_defaults=_DNNH_LOSS,
                   train_defaults=_ADAM)
_EXPO = MethodSpec("expo", "mu-liu", "deep",
                   "NIN + tanh(beta z) relaxation + exponentiated pairwise loss (Mu & Liu 2017), no pre-training",
                   head="tanh-sign", loss="exponentiated", model_defaults=_EXPO_MODEL, loss_defaults=_EXPO_LOSS,
                   train_defaults=_ADAM)


def _baseline(name: str, estimator: type, description: str) -> MethodSpec:
    return MethodSpec(name, "baselines", "baseline", description, estimator=estimator)


#: every method of the package, by name (the order of the book's tables)
METHODS: dict[str, MethodSpec] = {spec.name: spec for spec in (
    _DNNH,
    replace(_DNNH, name="dnnh-fc", head="fully-connected",
            description="DNNH ablation: one fully connected hash layer 50q -> q instead of divide-and-encode"),
    _EXPO,
    replace(_EXPO, name="expo-pretrain", train_defaults={**_ADAM, "pretrain_epochs": 2},
            description="expo after classifier pre-training epochs of the shared network (Mu & Liu's scheme)"),
    MethodSpec("nin-latent", "nin-latent", "deep",
               "NIN + global average pooling + latent sigmoid layer + softmax (seed paper 003)",
               head="latent", loss="classification", model_defaults=_NIN, train_defaults=_ADAM),
    MethodSpec("dlbhc", "nin-latent", "deep",
               "latent sigmoid layer + classifier, cross-entropy only (DLBHC, Lin et al. 2015)",
               head="latent", loss="classification", model_defaults=_NIN, train_defaults=_ADAM),
    MethodSpec("ssdh", "ssdh", "deep",
               "latent sigmoid layer + classifier + K1 binarization + K2 balance (Yang et al. 2017)",
               head="latent", loss="ssdh", model_defaults=_NIN,
               loss_defaults={"binarization_weight": 1.0, "balance_weight": 1.0}, train_defaults=_ADAM),
    _baseline("lsh", LSH, "random Gaussian hyperplanes on centred features (Charikar 2002)"),
    _baseline("itq", ITQ, "PCA + iterative quantization (Gong & Lazebnik 2011)"),
    _baseline("itq-cca", ITQCCA, "ITQ on a CCA projection with the labels (Gong & Lazebnik 2011)"),
    _baseline("ksh", KSH, "kernel-based supervised hashing (Liu et al. 2012)"),
    _baseline("sh", SH, "spectral hashing (Weiss et al. 2008)"),
)}

#: the deep methods and the baselines, in table order
DEEP_METHODS: tuple[str, ...] = tuple(name for name, spec in METHODS.items() if spec.is_deep)
BASELINES: tuple[str, ...] = tuple(name for name, spec in METHODS.items() if not spec.is_deep)
#: which paper (a key of :data:`hashlib_core.papers.PAPERS`) each method reproduces
METHOD_PAPER: dict[str, str] = {name: spec.paper for name, spec in METHODS.items()}


def method_spec(name: str, kind: str | None = None) -> MethodSpec:
    """The table entry of ``name`` (of ``kind`` "deep" or "baseline" when given); ``ValueError`` listing the valid names."""
    valid = [n for n, s in METHODS.items() if kind is None or s.kind == kind]
    if name not in valid:
        raise ValueError(f"unknown method {name!r}; valid methods: {', '.join(valid)}")
    return METHODS[name]

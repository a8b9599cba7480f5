"""hashlib_core: a reproducibility suite for deep supervised hashing.

Public entry points (imported lazily, so ``import hashlib_core`` stays cheap):

- data:       :func:`load_dataset`, :class:`Dataset`
- protocols:  :func:`make_split`, :class:`Split`
- eval:       :func:`evaluate`, :func:`search`, :func:`hamming_distance`, :func:`pack_codes`
- baselines:  :class:`LSH`, :class:`ITQ`, :class:`KSH`, :class:`SH`
- features:   :func:`gist`
- models:     :func:`build_model`
- train:      :func:`train`
- results:    :func:`write_record`, :func:`read_record`
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "load_dataset": "hashlib_core.data",
    "Dataset": "hashlib_core.data",
    "DATASETS": "hashlib_core.data",
    "make_split": "hashlib_core.protocols",
    "Split": "hashlib_core.protocols",
    "PROTOCOLS": "hashlib_core.protocols",
    "evaluate": "hashlib_core.eval",
    "search": "hashlib_core.eval",
    "hamming_distance": "hashlib_core.eval",
    "pack_codes": "hashlib_core.eval",
    "LSH": "hashlib_core.baselines",
    "ITQ": "hashlib_core.baselines",
    "KSH": "hashlib_core.baselines",
    "SH": "hashlib_core.baselines",
    "gist": "hashlib_core.features",
    "build_model": "hashlib_core.models",
    "train": "hashlib_core.train",
    "write_record": "hashlib_core.results",
    "read_record": "hashlib_core.results",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hashlib_core' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__

"""One training loop for every method: ``train(TrainConfig(...)) -> TrainResult``.

Example::

    from hashlib_core.train import TrainConfig, train
    result = train(TrainConfig(method="dnnh", dataset="digits", protocol="cnnh-mini", n_bits=16, epochs=5))
    codes = result.encode_split(dataset, split)      # query/database codes and labels
"""
from hashlib_core.train.config import TrainConfig
from hashlib_core.train.loop import resolve_device, train, validation_map
from hashlib_core.train.result import TrainResult

__all__ = ["train", "TrainConfig", "TrainResult", "resolve_device", "validation_map"]

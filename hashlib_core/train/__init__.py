"""The training loop shared by every method."""
from hashlib_core.train.loop import TrainConfig, TrainResult, images_to_tensor, train

__all__ = ["TrainConfig", "TrainResult", "train", "images_to_tensor"]

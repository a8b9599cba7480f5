"""Classic hashing baselines as scikit-learn estimators: ``fit`` → ``transform`` gives {0,1} codes."""
from hashlib_core.baselines.base import HashingEstimator
from hashlib_core.baselines.itq import ITQ
from hashlib_core.baselines.ksh import KSH
from hashlib_core.baselines.lsh import LSH
from hashlib_core.baselines.sh import SH

__all__ = ["LSH", "ITQ", "KSH", "SH", "HashingEstimator", "BASELINE_CLASSES"]

BASELINE_CLASSES = {"lsh": LSH, "itq": ITQ, "ksh": KSH, "sh": SH}

"""Classic hashing baselines as scikit-learn estimators: ``fit`` → ``transform`` gives {0,1} codes.

=========  =================================================  ==============================
class      method                                             fit
=========  =================================================  ==============================
``LSH``    random Gaussian hyperplanes on centred data        ``fit(X)``
``ITQ``    PCA + iterative quantization (rotation)            ``fit(X)``
``SH``     spectral hashing (PCA box eigenfunctions)          ``fit(X)``
``KSH``    kernel-based supervised hashing                    ``fit(X, y)`` (labels required)
``ITQCCA`` ITQ on a CCA projection with the labels            ``fit(X, y)`` (labels required)
=========  =================================================  ==============================

``transform(X)`` returns uint8 codes ``(n_samples, n_bits)`` in {0, 1}.
"""
from hashlib_core.baselines.base import HashingEstimator
from hashlib_core.baselines.itq import ITQ, ITQCCA
from hashlib_core.baselines.ksh import KSH
from hashlib_core.baselines.lsh import LSH
from hashlib_core.baselines.sh import SH

__all__ = ["LSH", "ITQ", "ITQCCA", "KSH", "SH", "HashingEstimator"]

# The method names of the records ("lsh", "itq-cca", …) and their classes: hashlib_core.methods.METHODS.

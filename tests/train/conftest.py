"""Small, fast training settings shared by the training tests (digits, cnnh-mini, narrow NIN)."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def digits_split(digits):
    from hashlib_core.protocols import make_split

    return make_split(digits, "cnnh-mini", seed=0)


#: 8x8 digits, NIN at 1/8 of the paper's widths, 10 steps per epoch; one thread: tiny convolutions gain
#: nothing from two, and on a shared 2-core machine oversubscription makes them ~10x slower
FAST = dict(dataset="digits", protocol="cnnh-mini", n_bits=16, batch_size=50, width_mult=0.125, progress=False,
            num_threads=1)


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Encoding and evaluation after training also run on one thread (restored afterwards)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)

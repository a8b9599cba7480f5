"""The numbers the papers published, with their source: reference values to compare against.

These are *not* results of this project: they are only ever drawn beside our own
figures and in the comparison tables, labelled as the paper's. Source:
``shared/papers.md`` (Lu et al. 2017, Table 3, tabulating the DNNH and CNNH papers;
the Mu & Liu abstract; the DLBHC and SSDH authors' released code).
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PaperNumber", "PAPER_NUMBERS", "paper_numbers", "PAPERS", "SOLVER_IMAGES"]

# Which paper each method reproduces is part of the method table: hashlib_core.methods.METHOD_PAPER.


@dataclass(frozen=True)
class PaperNumber:
    """One published figure: ``value`` of ``metric`` for ``method`` at ``n_bits``."""

    paper: str
    method: str
    dataset: str
    protocol: str
    metric: str
    n_bits: int
    value: float
    source: str
    setting: str = ""


PAPERS = {
    "dnnh": "Lai, Pan, Liu, Yan. Simultaneous Feature Learning and Hash Coding with Deep Neural Networks. CVPR 2015",
    "mu-liu": "Mu, Liu. Deep Hashing: A Joint Approach for Image Signature Learning. AAAI 2017",
    "nin-latent": "A deep neural network based hashing for efficient image retrieval (NIN + binary latent layer; "
                  "extends DLBHC, Lin et al. CVPRW 2015)",
    "ssdh": "Yang, Lin, Chen. Supervised Learning of Semantics-Preserving Hash via Deep CNNs. TPAMI 2017",
    "baselines": "LSH (Charikar 2002), ITQ (Gong & Lazebnik CVPR 2011), KSH (Liu et al. CVPR 2012), "
                 "SH (Weiss et al. NIPS 2008)",
}

#: per paper: training images its own (released) solver passes through the network, where it is known
SOLVER_IMAGES = {
    "dnnh": (30_000_000, "DNNH's released solver: 100,000 iterations of 100 triplets (300 images)"),
}

_LU = "Lu et al. 2017 (Hindawi Applied Mathematics), Table 3, from the DNNH and CNNH papers"
_BITS = (12, 24, 32, 48)


def _row(paper, method, dataset, values, source, metric="map@all", protocol="cnnh", bits=_BITS, setting=""):
    return [PaperNumber(paper, method, dataset, protocol, metric, b, v, source, setting) for b, v in zip(bits, values)]


PAPER_NUMBERS: list[PaperNumber] = [
    *_row("dnnh", "dnnh", "cifar10", (0.552, 0.566, 0.558, 0.581), _LU),
    *_row("dnnh", "cnnh+", "cifar10", (0.465, 0.521, 0.521, 0.532), _LU),
    *_row("dnnh", "cnnh", "cifar10", (0.439, 0.511, 0.509, 0.522), _LU),
    *_row("dnnh", "cnnh", "mnist", (0.957, 0.963, 0.956, 0.960), _LU),
    *_row("baselines", "ksh", "cifar10", (0.303, 0.337, 0.346, 0.356), _LU, setting="512-d GIST"),
    *_row("baselines", "itq-cca", "cifar10", (0.264, 0.282, 0.288, 0.295), _LU, setting="512-d GIST"),
    *_row("baselines", "sh", "cifar10", (0.131, 0.135, 0.133, 0.130), _LU, setting="512-d GIST"),
    *_row("baselines", "itq", "cifar10", (0.162, 0.169, 0.172, 0.175), _LU, setting="512-d GIST"),
    *_row("baselines", "lsh", "cifar10", (0.121, 0.126, 0.120, 0.120), _LU, setting="512-d GIST"),
    *_row("baselines", "ksh", "mnist", (0.872, 0.891, 0.897, 0.900), _LU, setting="784-d pixels"),
    PaperNumber("mu-liu", "expo", "mnist", "cnnh", "map@all", 12, 0.99,
                "Mu & Liu 2017 abstract ('Hamming ranking accuracy', read as mAP; protocol not stated)"),
    PaperNumber("mu-liu", "expo", "cifar10", "cnnh", "map@all", 12, 0.74,
                "Mu & Liu 2017 abstract (protocol not stated; bits of the CIFAR-10 figure not stated, shown at 12)"),
    *_row("nin-latent", "dlbhc", "cifar10", (0.893, 0.898, 0.897, 0.897, 0.898, 0.897),
          "DLBHC authors' released code (ImageNet-pretrained AlexNet)", metric="map@1000", protocol="dlbhc",
          bits=(12, 16, 32, 48, 64, 128), setting="ImageNet-pretrained AlexNet"),
    PaperNumber("ssdh", "ssdh", "cifar10", "dlbhc", "map@all", 48, 0.913,
                "SSDH authors' released code (ImageNet-pretrained AlexNet)", "ImageNet-pretrained AlexNet"),
    PaperNumber("ssdh", "ssdh", "cifar10", "dlbhc", "accuracy", 48, 0.90,
                "SSDH authors' released code, test classification accuracy ('about 0.90')",
                "ImageNet-pretrained AlexNet"),
]


def paper_numbers(paper: str | None = None, dataset: str | None = None, method: str | None = None,
                  protocol: str | None = None, metric: str | None = None) -> list[PaperNumber]:
    """The published numbers matching every filter given."""
    out = PAPER_NUMBERS
    for field, value in (("paper", paper), ("dataset", dataset), ("method", method),
                         ("protocol", protocol), ("metric", metric)):
        if value is not None:
            out = [p for p in out if getattr(p, field) == value]
    return list(out)

"""The papers' losses, one small class per idea (tensors in, scalar out).

- :class:`TripletRankingLoss` — DNNH eq. 1 over in-batch triplets (``codes, labels``).
- :class:`ExponentiatedPairLoss` — Mu & Liu's smooth exponentiated pairwise loss (``h, labels``).
- :class:`SSDHLoss` — cross-entropy + K1 (binarization) + K2 (balance) (``h, logits, labels``).
- :class:`ClassificationLoss` — cross-entropy alone (DLBHC, seed 003) (``logits, labels``).
"""
from hashlib_core.losses.classification import ClassificationLoss, check_labels
from hashlib_core.losses.exponentiated import PAIR_WEIGHTINGS, ExponentiatedPairLoss
from hashlib_core.losses.ssdh import SSDHLoss, balance_term, binarization_term
from hashlib_core.losses.triplet import NoTripletsWarning, TripletRankingLoss, valid_triplet_mask

__all__ = ["TripletRankingLoss", "valid_triplet_mask", "NoTripletsWarning", "ExponentiatedPairLoss",
           "PAIR_WEIGHTINGS", "SSDHLoss", "binarization_term", "balance_term", "ClassificationLoss",
           "check_labels"]

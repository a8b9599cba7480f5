"""The papers' losses, one small class per idea."""
from hashlib_core.losses.exponentiated import ExponentiatedHashingLoss
from hashlib_core.losses.ssdh import BalanceTerm, BinarizationTerm, ClassificationLoss, SSDHLoss
from hashlib_core.losses.triplet import TripletRankingLoss, mine_triplet_mask

__all__ = ["TripletRankingLoss", "mine_triplet_mask", "ExponentiatedHashingLoss", "SSDHLoss",
           "BinarizationTerm", "BalanceTerm", "ClassificationLoss"]

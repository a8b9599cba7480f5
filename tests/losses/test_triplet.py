"""DNNH's triplet ranking loss against a naive Python loop over (anchor, positive, negative)."""
from __future__ import annotations

import itertools
import warnings

import pytest
import torch

from hashlib_core.losses import NoTripletsWarning, TripletRankingLoss, valid_triplet_mask


def naive_triplet_loss(codes: torch.Tensor, labels: list[int], margin: float = 1.0) -> float:
    terms = []
    n = len(labels)
    for a, p, m in itertools.product(range(n), repeat=3):
        if a != p and labels[a] == labels[p] and labels[m] != labels[a]:
            d_ap = sum((float(codes[a, k]) - float(codes[p, k])) ** 2 for k in range(codes.shape[1]))
            d_am = sum((float(codes[a, k]) - float(codes[m, k])) ** 2 for k in range(codes.shape[1]))
            terms.append(max(0.0, d_ap - d_am + margin))
    return sum(terms) / len(terms)


def test_hand_computed_triplets():
    # two images of class 0 at distance² 1 from each other, one of class 1 at distance² 0 from the anchor
    codes = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 0.0]])
    labels = torch.tensor([0, 0, 1])
    # triplets (0,1,2): max(0, 1 - 0 + 1) = 2 ; (1,0,2): max(0, 1 - 1 + 1) = 1 → mean 1.5
    assert TripletRankingLoss()(codes, labels).item() == pytest.approx(1.5)
    assert naive_triplet_loss(codes, [0, 0, 1]) == pytest.approx(1.5)


@pytest.mark.parametrize("seed", range(4))
def test_matches_naive_loop_on_random_batches(seed):
    g = torch.Generator().manual_seed(seed)
    codes = torch.rand(9, 5, generator=g)
    labels = torch.randint(0, 3, (9,), generator=g)
    for margin in (1.0, 0.3):
        got = TripletRankingLoss(margin=margin)(codes, labels).item()
        assert got == pytest.approx(naive_triplet_loss(codes, labels.tolist(), margin), rel=1e-5)


def test_mask_counts_every_valid_triplet():
    labels = torch.tensor([0, 0, 0, 1, 1, 2])
    # class 0: 3*2 ordered pairs x 3 negatives; class 1: 2*1 x 4 negatives; class 2: none
    assert int(valid_triplet_mask(labels).sum()) == 3 * 2 * 3 + 2 * 1 * 4


def test_max_triplets_subsamples_valid_triplets():
    torch.manual_seed(0)
    codes, labels = torch.rand(12, 4), torch.tensor([0, 1, 2] * 4)
    full = TripletRankingLoss()(codes, labels)
    assert TripletRankingLoss(max_triplets=10**6)(codes, labels).item() == pytest.approx(full.item())
    torch.manual_seed(1)
    sub1 = TripletRankingLoss(max_triplets=20)(codes, labels)
    torch.manual_seed(1)
    sub2 = TripletRankingLoss(max_triplets=20)(codes, labels)
    assert sub1.item() == sub2.item()  # drawn from torch's seeded generator
    mask = valid_triplet_mask(labels)
    a, p, m = torch.nonzero(mask, as_tuple=True)
    d = torch.cdist(codes, codes) ** 2
    hinge = torch.relu(d[a, p] - d[a, m] + 1)
    assert hinge.min().item() - 1e-6 <= sub1.item() <= hinge.max().item() + 1e-6


def test_batch_without_triplets_gives_zero_finite_gradient_and_one_warning():
    loss_fn = TripletRankingLoss()
    codes = torch.rand(4, 3, requires_grad=True)
    with pytest.warns(NoTripletsWarning):
        loss = loss_fn(codes, torch.tensor([0, 1, 2, 3]))  # all labels distinct: no positive pair
    assert loss.item() == 0.0 and loss.requires_grad
    loss.backward()
    assert torch.isfinite(codes.grad).all() and (codes.grad == 0).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the second empty batch must not warn again
        same_label = loss_fn(torch.rand(3, 3, requires_grad=True), torch.tensor([5, 5, 5]))  # no negative
    assert same_label.item() == 0.0


def test_gradient_pulls_positive_and_pushes_negative():
    codes = torch.tensor([[0.5, 0.5], [0.9, 0.5], [0.6, 0.5]], requires_grad=True)
    TripletRankingLoss()(codes, torch.tensor([0, 0, 1])).backward()
    # the positive (index 1) moves towards the anchor: its gradient on x is positive (descent lowers x)
    assert codes.grad[1, 0] > 0


def test_rejects_non_integer_labels():
    with pytest.raises(TypeError, match="integer"):
        TripletRankingLoss()(torch.rand(3, 2), torch.tensor([0.0, 0.0, 1.0]))

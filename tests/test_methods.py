"""The method table is the one list of methods: every other list is derived from it and agrees with it."""
from __future__ import annotations

import dataclasses

import pytest

from hashlib_core import methods
from hashlib_core.baselines import HashingEstimator
from hashlib_core.methods import BASELINES, DEEP_METHODS, LOSS_OPTIONS, METHOD_PAPER, METHODS, MODEL_OPTIONS, MethodSpec
from hashlib_core.papers import PAPERS
from hashlib_core.profiles import PROFILE_NAMES, load_profile


def test_deep_methods_and_baselines_partition_the_table():
    assert set(DEEP_METHODS) | set(BASELINES) == set(METHODS)
    assert not set(DEEP_METHODS) & set(BASELINES)
    assert list(DEEP_METHODS) + list(BASELINES) == list(METHODS)  # deep first, in table order


def test_every_method_names_a_known_paper():
    assert set(METHOD_PAPER) == set(METHODS)
    assert set(METHOD_PAPER.values()) <= set(PAPERS)


def test_the_model_registry_builds_exactly_the_deep_methods():
    import torch

    from hashlib_core.models import METHODS as BUILDABLE
    from hashlib_core.models import build_loss, build_model

    assert list(BUILDABLE) == list(DEEP_METHODS)
    for name in DEEP_METHODS:
        model = build_model(name, 8, 10, (8, 8))
        out = model(torch.zeros(2, 1, 8, 8))
        assert out["relaxed"].shape == (2, 8)
        assert callable(build_loss(name))


def test_every_head_and_loss_kind_of_the_table_is_built_by_the_registry():
    from hashlib_core.models.registry import LOSS_KINDS

    assert set(LOSS_KINDS) == set(methods.LOSSES)
    assert {option for _, _, names in LOSS_KINDS.values() for option in names} == set(LOSS_OPTIONS)


def test_every_baseline_is_a_hashing_estimator():
    for name in BASELINES:
        assert issubclass(METHODS[name].estimator, HashingEstimator)


def test_every_option_is_a_training_setting_so_a_profile_can_set_it():
    from hashlib_core.train import TrainConfig

    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    assert set(MODEL_OPTIONS) | set(LOSS_OPTIONS) <= fields
    for spec in METHODS.values():
        assert set(spec.model_defaults) <= set(MODEL_OPTIONS), spec.name
        assert set(spec.loss_defaults) <= set(LOSS_OPTIONS), spec.name
        assert set(spec.train_defaults) <= fields, spec.name


def test_every_profile_names_only_methods_of_the_table():
    for name in PROFILE_NAMES:
        profile = load_profile(name)
        for block in profile.get("grid", []):
            assert set(block.get("methods", [])) <= set(METHODS), (name, block)
        for section in ("train", "baselines"):
            tables = {k for k, v in profile.get(section, {}).items() if isinstance(v, dict)}
            configured_here = {m for m, spec in METHODS.items() if spec.settings_section == section}
            assert tables <= configured_here, (name, section, tables - configured_here)


def test_deep_methods_are_configured_by_train_and_baselines_by_baselines():
    assert {m for m, spec in METHODS.items() if spec.settings_section == "train"} == set(DEEP_METHODS)
    assert {m for m, spec in METHODS.items() if spec.settings_section == "baselines"} == set(BASELINES)


def test_the_train_command_and_the_estimators_accept_every_deep_method():
    from hashlib_core.cli import build_parser, config_from_args
    from hashlib_core.experiment import make_estimator
    from hashlib_core.train.estimator import DeepHashing

    for name in DEEP_METHODS:
        config_from_args(build_parser().parse_args(["train", "--method", name, "--bits", "8"])).validate()
        assert isinstance(make_estimator(name, 8), DeepHashing)
    for name in BASELINES:
        assert isinstance(make_estimator(name, 8), METHODS[name].estimator)


def test_expo_pretrain_is_an_entry_of_its_own_with_pretraining_by_default():
    from hashlib_core.train import TrainConfig

    assert TrainConfig(method="expo-pretrain").resolved().pretrain_epochs == 2
    assert TrainConfig(method="expo").resolved().pretrain_epochs == 0


def test_a_bad_entry_is_refused_naming_what_is_valid():
    with pytest.raises(ValueError, match="kind must be 'deep' or 'baseline'"):
        MethodSpec("x", "dnnh", "shallow", "")
    with pytest.raises(ValueError, match="head must be one of"):
        MethodSpec("x", "dnnh", "deep", "", head="conv", loss="triplet")
    with pytest.raises(ValueError, match="unknown method 'nope'; valid methods: dnnh, "):
        methods.method_spec("nope")

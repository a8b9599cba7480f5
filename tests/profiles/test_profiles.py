"""Profiles: every TOML parses; an ablation profile inherits its base table by table."""
from __future__ import annotations

import pytest

import hashlib_core.profiles as profiles
from hashlib_core.profiles import PROFILE_NAMES, load_profile, method_settings


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_every_profile_loads_with_its_own_name(name):
    profile = load_profile(name)
    assert profile["name"] == name and "base" not in profile and profile["grid"]


def test_ablation_profile_overrides_one_setting_and_keeps_the_rest():
    ablation = load_profile("cpu-dnnh-text")
    text = method_settings(ablation, "dnnh", "cifar10", "train", "cnnh")
    released = method_settings(load_profile("cpu-dnnh-60"), "dnnh", "cifar10", "train", "cnnh")
    current = method_settings(load_profile("cpu"), "dnnh", "cifar10", "train", "cnnh")
    assert (text["epsilon"], text["margin"]) == (0.1, 1.0) and (released["epsilon"], released["margin"]) == (0.5, 2.0)
    assert {k: v for k, v in text.items() if k not in ("epsilon", "margin")} == \
        {k: v for k, v in released.items() if k not in ("epsilon", "margin")}
    assert (released["epochs"], current["epochs"]) == (60, 120)
    assert {k: v for k, v in released.items() if k != "epochs"} == {k: v for k, v in current.items() if k != "epochs"}
    assert ablation["checkpoints"] is True and ablation["results_profile"] == "cpu-dnnh-text"
    assert [g["methods"] for g in ablation["grid"]] == [["dnnh"]]  # the grid is its own, not the base's


def test_a_profile_that_is_its_own_base_is_refused(tmp_path, monkeypatch):
    (tmp_path / "loop.toml").write_text('base = "loop"\n[[grid]]\nnotebook = "x"\n')
    monkeypatch.setattr(profiles, "_HERE", tmp_path)
    with pytest.raises(ValueError, match="names itself"):
        load_profile("loop")

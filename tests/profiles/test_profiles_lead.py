"""Profile facts come from the profiles: the order the verdict reads them in, and where their records go."""
from __future__ import annotations

from hashlib_core.profiles import PROFILE_NAMES, committed_profiles, lead_order, load_profile


def test_lead_order_is_the_fidelity_of_the_profiles_most_faithful_first():
    order = lead_order()
    assert order == ("full", "cpu", "reduced")
    fidelity = [load_profile(name)["fidelity"] for name in order]
    assert fidelity == sorted(fidelity, reverse=True) and min(fidelity) > 0


def test_ablations_and_smoke_never_lead_and_smoke_records_stay_out_of_results():
    for name in set(PROFILE_NAMES) - set(lead_order()):
        assert load_profile(name).get("fidelity", 0) == 0
    assert "smoke" not in committed_profiles() and "cpu-dnnh-text" in committed_profiles()


def test_ablations_of_are_the_profiles_naming_that_base_each_an_ablation():
    from hashlib_core.profiles import ablations_of

    ablations = ablations_of("cpu")
    assert {"cpu-dnnh-text", "cpu-dnnh-dropout", "cpu-dnnh-long", "cpu-dnnh-60", "cpu-expo-long", "cpu-latent-dropout",
            "cpu-latent-adamw", "cpu-latent-adamw-strong", "cpu-dlbhc-long"} <= set(ablations)
    assert "cpu" not in ablations and ablations_of("full") == ()
    for name in ablations:
        assert load_profile(name)["fidelity"] == 0 and load_profile(name)["results_profile"] == name


def test_ablations_of_an_unknown_profile_names_the_valid_ones():
    import pytest

    from hashlib_core.profiles import ablations_of

    with pytest.raises(ValueError, match="unknown profile 'cpux'.*valid profiles: .*cpu"):
        ablations_of("cpux")

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

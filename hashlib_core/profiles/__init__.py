"""Run profiles: the grid and the settings of each profile, one small TOML file each.

- ``smoke``: every notebook on the embedded ``digits`` data, a few epochs; minutes on a CPU (CI).
- ``reduced``: the papers' protocols and splits with shorter training, for CPU-only machines.
- ``cpu``: the papers' protocols with paper-width networks and a recipe sized for a 2-core CPU
  with native bfloat16 (checkpointed cells: an interrupted cell continues where it stopped).
- ``cpu-dnnh-text``: ``cpu`` with DNNH trained as its paper's text reads (threshold g with
  ε = 0.1 in training, margin 1): the ablation of the released network's reading.
- ``cpu-dnnh-dropout``: ``cpu`` with the released DNNH network's dropout (0.5 after pools 1 and 3).
- ``cpu-dnnh-long``: DNNH trained 120 epochs when ``cpu`` trained it 60: the budget ablation that
  set ``cpu``'s DNNH epochs to 120 (its settings are now ``cpu``'s).
- ``cpu-dnnh-60``: ``cpu`` with DNNH's former budget (60 epochs): the budget ablation's short end.
- ``cpu-latent-long``: ``cpu`` with NIN + latent layer and SSDH trained 80 epochs on ``cnnh``
  instead of 40: their budget ablation.
- ``cpu-expo-long``: ``cpu`` with Mu & Liu's pre-trained variant given twice the budget (20
  classifier + 80 hashing epochs instead of 10 + 40): its budget ablation.
- ``cpu-latent-dropout``: ``cpu-latent-long``'s NIN + latent layer and SSDH runs with dropout 0.5
  after the NIN's first and third pooling: does regularising the backbone close their generalisation gap?
- ``cpu-latent-adamw``, ``cpu-latent-adamw-strong``: ``cpu-latent-dropout``'s runs with AdamW and decoupled
  weight decay 0.05 / 0.5 instead of Adam with L2 5e-4: does stronger weight decay close more of it?
- ``cpu-dlbhc-long``: ``cpu`` with NIN + latent layer and SSDH trained 24 epochs on ``dlbhc`` instead of 12:
  its budget ablation.
- ``full``: the papers' protocols with the full training schedules (GPU runners).
"""
from __future__ import annotations

import tomllib
from pathlib import Path

from hashlib_core.files import RESULTS_FOLDER

__all__ = ["load_profile", "PROFILE_NAMES", "method_settings", "lead_order", "committed_profiles", "ablations_of"]

_HERE = Path(__file__).resolve().parent
PROFILE_NAMES = tuple(sorted(p.stem for p in _HERE.glob("*.toml")))


def load_profile(name: str) -> dict:
    """Parse ``hashlib_core/profiles/<name>.toml``; unknown names list the valid ones.

    A profile with ``base = "<other>"`` starts from that profile and overrides it table by table
    (an ablation changes one setting and keeps the rest in one place); lists such as ``grid`` are
    replaced, not merged. ``name`` is always the file's own name.
    """
    path = _HERE / f"{name}.toml"
    if not path.is_file():
        raise ValueError(f"unknown profile {name!r}; valid profiles: {', '.join(PROFILE_NAMES)}")
    with open(path, "rb") as f:
        profile = tomllib.load(f)
    base = profile.pop("base", None)
    if base is not None:
        if base == name:
            raise ValueError(f"profile {name!r} names itself as its base")
        inherited = load_profile(base)
        inherited.pop("grid", None)
        profile = _merged(inherited, profile)
    profile["name"] = name
    return profile


def _merged(base: dict, override: dict) -> dict:
    """``base`` with ``override`` applied recursively to nested tables."""
    out = dict(base)
    for key, value in override.items():
        both_tables = isinstance(value, dict) and isinstance(out.get(key), dict)
        out[key] = _merged(out[key], value) if both_tables else value
    return out


def method_settings(profile: dict, method: str, dataset: str | None = None, section: str = "train",
                    protocol: str | None = None) -> dict:
    """Settings for ``method``: the profile's ``[<section>]`` defaults, then ``[<section>.<method>]``,
    then ``[<section>.<method>.<dataset>]``, then ``[<section>.<method>.<protocol>]`` overrides
    (``section`` is ``train`` or ``baselines``)."""
    train = profile.get(section, {})
    settings = {k: v for k, v in train.items() if not isinstance(v, dict)}
    per_method = train.get(method, {})
    settings.update({k: v for k, v in per_method.items() if not isinstance(v, dict)})
    for key in (dataset, protocol):
        if key is not None:
            settings.update(per_method.get(key, {}))
    return settings


def lead_order() -> tuple[str, ...]:
    """The profiles compared with the papers, most faithful first (their ``fidelity`` key, > 0)."""
    fidelity = {name: load_profile(name).get("fidelity", 0) for name in PROFILE_NAMES}
    return tuple(sorted((n for n, f in fidelity.items() if f > 0), key=lambda n: -fidelity[n]))


def committed_profiles() -> tuple[str, ...]:
    """The profiles whose records go to the checkout's ``results/`` (every one but smoke runs' artifacts)."""
    return tuple(n for n in PROFILE_NAMES if load_profile(n).get("results_dir", RESULTS_FOLDER) == RESULTS_FOLDER)


def ablations_of(base: str) -> tuple[str, ...]:
    """The profiles whose file names ``base = "<base>"``: its ablations, each changing one setting."""
    if base not in PROFILE_NAMES:
        raise ValueError(f"unknown profile {base!r}; valid profiles: {', '.join(PROFILE_NAMES)}")
    return tuple(name for name in PROFILE_NAMES if _base_of(name) == base)


def _base_of(name: str) -> str | None:
    """The ``base`` key of the profile's own file (None for a profile that starts from nothing)."""
    with open(_HERE / f"{name}.toml", "rb") as f:
        return tomllib.load(f).get("base")

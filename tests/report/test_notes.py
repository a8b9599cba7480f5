"""The per-row notes of the comparison tables: the profile's training settings (read from its TOML)
and the cost of a run beside the paper's solver."""
from __future__ import annotations

from hashlib_core import report
from hashlib_core.results.summary import aggregate


def test_training_note_reads_the_profile():
    assert report.training_note("reduced", "dnnh", "cifar10", "cnnh") == \
        "reduced profile: NIN at 0.25 of the paper's width, 8 epochs, adam lr 0.001, cosine schedule"
    cpu_dnnh = report.training_note("cpu", "dnnh", "cifar10", "cnnh")
    assert cpu_dnnh.startswith("cpu profile: paper-width NIN, 120 epochs, random crop + flip")
    assert "no threshold in training, margin 2" in cpu_dnnh
    assert "no threshold" not in report.training_note("cpu-dnnh-text", "dnnh", "cifar10", "cnnh")
    assert "60 epochs" in report.training_note("cpu-dnnh-60", "dnnh", "cifar10", "cnnh")
    assert "12 epochs" in report.training_note("cpu", "ssdh", "cifar10", "dlbhc")
    assert report.training_note("not-a-profile", "dnnh") == ""


def test_cost_is_the_mean_over_seeds_and_names_the_papers_solver():
    rows = [{"profile": "cpu", "paper": "dnnh", "method": "dnnh-fc", "dataset": "cifar10", "variant": "v",
             "protocol": "cnnh", "features": "", "n_bits": 48, "map@all": 0.5, "wall_time_s": s, "images_seen": n}
            for s, n in ((3600.0, 300_000), (5400.0, 500_000))]
    (entry,) = aggregate(rows)
    assert entry["wall_time_s"] == 4500.0 and entry["images_seen"] == 400_000
    assert report.cost_note(entry) == "1.25 h, 0.40 M images a run (30 M in the paper's solver)"
    assert report.cost_note({**entry, "method": "ssdh"}) == "1.25 h, 0.40 M images a run"
    assert report.cost_note({**entry, "images_seen": None}) == ""  # a baseline: no training images


def test_a_resumed_cell_is_charged_for_every_epoch():
    from hashlib_core.results.summary import wall_time as _wall_time

    history = [{"images": 100, "seconds": 600.0}] * 3  # 1,800 s of epochs; the last process ran one of them
    resumed = {"timings": {"total_s": 700.0, "encode_s": 50.0, "evaluate_s": 1.0}, "training": {"history": history}}
    assert _wall_time(resumed) == 1851.0
    whole = {"timings": {"total_s": 2000.0, "encode_s": 50.0, "evaluate_s": 1.0}, "training": {"history": history}}
    assert _wall_time(whole) == 2000.0
    assert _wall_time({"timings": {"total_s": 9.0}}) == 9.0  # a baseline

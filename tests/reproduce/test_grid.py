"""Grid expansion and selection (no execution)."""
import pytest

from hashlib_core.reproduce.grid import expand_grid, parse_where


def test_parse_where_collects_values_per_key():
    assert parse_where(["seed=0,1", "dataset=mnist", "seed=2"]) == {"seed": {"0", "1", "2"}, "dataset": {"mnist"}}
    assert parse_where(None) == {}


@pytest.mark.parametrize("term", ["seed", "seed=", "colour=red"])
def test_parse_where_rejects_bad_terms_naming_the_valid_keys(term):
    with pytest.raises(ValueError, match="key one of method, dataset, protocol, n_bits, seed"):
        parse_where([term])


def test_where_keeps_matching_record_cells_and_every_chapter_cell():
    everything = expand_grid("reduced")
    selected = expand_grid("reduced", where=parse_where(["seed=0", "dataset=mnist", "n_bits=12,48"]))
    records = [c for c in selected if c.writes_record]
    assert records and all(c.params["seed"] == 0 and c.params["dataset"] == "mnist"
                           and c.params["n_bits"] in (12, 48) for c in records)
    expected = [c for c in everything if c.writes_record and c.params["seed"] == 0
                and c.params["dataset"] == "mnist" and c.params["n_bits"] in (12, 48)]
    assert [c.name for c in records] == [c.name for c in expected]
    chapters = {c.notebook for c in everything if not c.writes_record}
    assert chapters == {c.notebook for c in selected if not c.writes_record}


def test_where_never_makes_another_cell_the_books_cell():
    # the reduced profile shows seed 0 in the book: selecting seeds 1 and 2 must not promote one of them
    everything = {c.name: c.for_book for c in expand_grid("reduced")}
    selected = expand_grid("reduced", where=parse_where(["seed=1,2"]))
    assert selected and all(c.for_book == everything[c.name] for c in selected)
    assert not any(c.for_book for c in selected if c.writes_record)


def test_reduced_grid_has_three_seeds_for_every_baseline():
    cells = [c for c in expand_grid("reduced", only=["03_baselines"])]
    for method in ("lsh", "itq", "ksh", "sh", "itq-cca"):
        seeds = {c.params["seed"] for c in cells if c.params["method"] == method}
        assert seeds == {0, 1, 2}, method

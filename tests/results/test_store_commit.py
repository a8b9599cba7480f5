"""One commit point per record: the JSON names content-addressed side files and is replaced last."""
from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pytest

from hashlib_core.results import read_record, record_codes, write_record
from hashlib_core.results import store

#: builds the record that writer ``i`` writes at iteration ``j`` (codes differ for every write)
MAKE_RECORD = '''
import numpy as np

def make_record(i, j):
    rng = np.random.default_rng(1000 * i + j)
    return {"paper": "baselines", "method": "lsh", "dataset": "digits", "variant": "digits",
            "protocol": "cnnh-mini", "n_bits": 16, "seed": 1, "profile": "smoke",
            "metrics": {"writer": i, "iteration": j},
            "codes": {"query": rng.integers(0, 2, (50, 16), dtype=np.uint8),
                      "database": rng.integers(0, 2, (4000, 16), dtype=np.uint8),
                      "query_labels": np.arange(50) % 10, "database_labels": np.arange(4000) % 10}}
'''
WRITER = MAKE_RECORD + '''
import sys, time
from pathlib import Path
from hashlib_core.results import write_record

root, i, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
while not Path(root, "go").exists():
    time.sleep(0.001)
for j in range(n):
    write_record(make_record(i, j), root)
'''
namespace: dict = {}
exec(MAKE_RECORD, namespace)
make_record = namespace["make_record"]


def same_write(record) -> bool:
    """The record's codes are those written together with its metrics (JSON and codes of one write)."""
    expected = make_record(record["metrics"]["writer"], record["metrics"]["iteration"])["codes"]
    q, d, _, _ = record_codes(record)
    return np.array_equal(q, expected["query"]) and np.array_equal(d, expected["database"])


def codes_files(path):
    return sorted(p.name for p in path.parent.glob(path.name.replace(".json", ".codes*.npz")))


def test_a_write_killed_before_its_json_leaves_the_previous_record_whole(tmp_path, monkeypatch):
    path = write_record(make_record(0, 0), tmp_path)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt("killed before the JSON was replaced")

    monkeypatch.setattr(store, "atomic_write_text", killed)
    with pytest.raises(KeyboardInterrupt):
        write_record(make_record(0, 1), tmp_path)
    monkeypatch.undo()
    record = read_record(path)
    assert record["metrics"] == {"writer": 0, "iteration": 0} and same_write(record)
    write_record(make_record(0, 2), tmp_path)  # the next write removes the orphan codes file
    assert same_write(read_record(path)) and len(codes_files(path)) == 1


def test_records_with_the_old_codes_file_name_still_read_and_are_replaced_cleanly(tmp_path):
    path = write_record(make_record(0, 0), tmp_path)
    stored = json.loads(path.read_text())
    legacy = path.with_name(path.name.replace(".json", ".codes.npz"))
    path.with_name(stored["codes"]["file"]).rename(legacy)
    stored["codes"]["file"] = legacy.name
    path.write_text(json.dumps(stored))
    assert same_write(read_record(path))
    write_record(make_record(0, 1), tmp_path)
    assert codes_files(path) == [json.loads(path.read_text())["codes"]["file"]]
    assert not legacy.exists()


def test_a_side_file_name_outside_the_records_folder_is_refused(tmp_path):
    path = write_record(make_record(0, 0), tmp_path)
    stored = json.loads(path.read_text())
    stored["codes"]["file"] = "../../elsewhere.npz"
    path.write_text(json.dumps(stored))
    with pytest.raises(store.RecordError, match="not a plain .npz file name"):
        read_record(path)


@pytest.mark.timeout(300)
def test_racing_writers_leave_a_whole_record_and_readers_never_see_a_broken_one(tmp_path):
    n_writes = 40
    path = write_record(make_record(9, 0), tmp_path)
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(i), str(n_writes)])
               for i in (1, 2)]
    time.sleep(1.0)  # both have imported the library and wait for the start signal
    (tmp_path / "go").touch()
    reads, broken = 0, []
    while any(w.poll() is None for w in writers):
        try:
            record = read_record(path)
        except ValueError as exc:
            broken.append(str(exc))
            continue
        reads += 1
        if not same_write(record):
            broken.append(f"codes of another write than {record['metrics']}")
    assert [w.returncode for w in writers] == [0, 0]
    assert reads > 0 and not broken, f"{len(broken)} of {reads + len(broken)} reads failed, first: {broken[0]}"
    print(f"{reads} whole reads during the race")
    final = read_record(path)
    assert final["metrics"]["iteration"] == n_writes - 1 and same_write(final)
    assert codes_files(path) == [json.loads(path.read_text())["codes"]["file"]]

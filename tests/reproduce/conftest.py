"""A real one-node SLURM cluster on localhost for the executor tests (Debian's slurm-wlm and munge).

``slurm_cluster`` writes a ``slurm.conf`` (2 CPUs, no GPUs, no accounting) and a munge key in a
private folder, starts ``munged``, ``slurmctld`` and ``slurmd`` in the foreground as its own child
processes, points ``SLURM_CONF`` at the file, and at the end cancels what is still queued and stops
the three daemons. Where SLURM cannot start (not root, packages missing) it skips with the reason.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "squeue", "scancel", "sinfo")
NODE = "localhost"

SLURM_CONF = """\
ClusterName=hashlib-test
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={root}/munge.socket
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool/%n
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/slurmctld.log
SlurmdLogFile={root}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
SwitchType=switch/none
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SlurmdParameters=config_overrides
ReturnToService=2
KillWait=2
MailProg=/bin/true
NodeName={node} NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=debug Nodes={node} Default=YES MaxTime=INFINITE State=UP
"""


def why_slurm_cannot_start() -> str | None:
    """None when this machine can run the test cluster, else why not."""
    if os.geteuid() != 0:
        return "SLURM cannot start here: the test cluster runs slurmctld and slurmd as root, and this is not root"
    missing = [name for name in DAEMONS + CLIENTS if _which(name) is None]
    if missing:
        return (f"SLURM cannot start here: {', '.join(missing)} not installed (Debian's slurm-wlm and munge; "
                "`make test` installs them when run as root)")
    return None


def _which(name: str) -> str | None:
    """The program's path; the daemons live in /usr/sbin, which a PATH may leave out."""
    return shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_config(root: Path) -> Path:
    for sub in ("state", f"spool/{NODE}"):
        (root / sub).mkdir(parents=True)
    key = root / "munge.key"
    key.write_bytes(os.urandom(128))
    key.chmod(0o600)
    conf = root / "slurm.conf"
    conf.write_text(SLURM_CONF.format(host=socket.gethostname().split(".")[0], root=root, node=NODE,
                                      ctld_port=_free_port(), slurmd_port=_free_port()))
    return conf


def _start(root: Path, conf: Path, daemons: list[subprocess.Popen]) -> None:
    """Start munged, then slurmctld and slurmd (appended to ``daemons``); RuntimeError when the node never idles."""
    def spawn(name: str, *args: str) -> None:
        with open(root / f"{name}.out", "wb") as log:
            daemons.append(subprocess.Popen([_which(name), *args], stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL))

    spawn("munged", "--foreground", f"--key-file={root}/munge.key", f"--socket={root}/munge.socket",
          f"--pid-file={root}/munged.pid", f"--log-file={root}/munged.log", f"--seed-file={root}/munged.seed")
    _until(lambda: (root / "munge.socket").exists(), 20, "munged did not open its socket")
    spawn("slurmctld", "-D", "-i", "-f", str(conf))
    spawn("slurmd", "-D", "-N", NODE, "-f", str(conf))
    _until(lambda: _sinfo_state() == "idle", 90, "the node did not come up idle")


def _sinfo_state() -> str:
    out = subprocess.run(["sinfo", "--noheader", "--format=%t"], capture_output=True, text=True, timeout=30)
    return out.stdout.strip()


def _until(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(what)
        time.sleep(0.5)


def _stop(daemons: list[subprocess.Popen]) -> None:
    """Cancel every job of the test cluster, wait for the queue to empty, then stop the daemons (last first)."""
    if len(daemons) == len(DAEMONS):
        queued = subprocess.run(["squeue", "--noheader", "--format=%i"], capture_output=True, text=True).stdout.split()
        if queued:
            subprocess.run(["scancel", *queued], capture_output=True)
        try:
            _until(lambda: not subprocess.run(["squeue", "--noheader"], capture_output=True, text=True).stdout.strip(),
                   60, "jobs still queued")
        except RuntimeError:
            pass
    for daemon in reversed(daemons):
        daemon.terminate()
        try:
            daemon.wait(timeout=20)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()


def _log_tail(root: Path) -> str:
    logs = [root / name for name in ("slurmctld.log", "slurmd.log", "munged.log")]
    return " | ".join(f"{p.name}: {p.read_text(errors='replace').strip().splitlines()[-1]}"
                      for p in logs if p.exists() and p.read_text(errors="replace").strip())


@pytest.fixture(scope="session")
def slurm_cluster():
    """The path of the running test cluster's slurm.conf (also in ``$SLURM_CONF``); skips where SLURM cannot start."""
    why = why_slurm_cannot_start()
    if why:
        pytest.skip(why)
    root = Path(tempfile.mkdtemp(prefix="hashlib-slurm-"))
    root.chmod(0o755)  # munged wants a socket folder that every user may enter
    previous = os.environ.get("SLURM_CONF")
    conf = _write_config(root)
    os.environ["SLURM_CONF"] = str(conf)
    daemons: list[subprocess.Popen] = []
    try:
        try:
            _start(root, conf, daemons)
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
            pytest.skip(f"SLURM cannot start here: {exc} ({_log_tail(root)})")
        yield conf
    finally:
        _stop(daemons)
        if previous is None:
            os.environ.pop("SLURM_CONF", None)
        else:
            os.environ["SLURM_CONF"] = previous
        shutil.rmtree(root, ignore_errors=True)

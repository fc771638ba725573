"""A Spark standalone cluster on this machine: one master and two workers, loopback only.

They are the master and worker classes shipped inside the ``pyspark`` package, started with
its own ``spark-class`` launcher (nothing is downloaded). Their process ids and the master URL
are recorded in ``<folder>/cluster.json`` so ``stop`` and ``status`` find them again.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

from demo.platform.postgres import PlatformError

STATE_FILE = "cluster.json"
MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
REGISTERED = re.compile(r"Successfully registered with master")


@dataclass
class ClusterState:
    """What ``start`` recorded: the master URL and every process id."""

    master_url: str
    master_pid: int
    worker_pids: list[int]


def spark_class() -> Path:
    """The ``spark-class`` launcher inside the installed pyspark package."""
    import pyspark  # here, not at the top: the room reads a cluster's state without Spark

    return Path(pyspark.__file__).parent / "bin" / "spark-class"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(folder: Path, workers: int = 2, cores: int = 1, memory: str = "1g",
          timeout: float = 60.0) -> ClusterState:
    """Start a master and ``workers`` workers on 127.0.0.1; wait until all are registered."""
    folder.mkdir(parents=True, exist_ok=True)
    if (folder / STATE_FILE).exists() and status(folder):
        raise PlatformError(f"a Spark cluster is already running from {folder}; stop it first")
    port = free_port()
    url = f"spark://127.0.0.1:{port}"
    master = _launch(folder, "master", [MASTER_CLASS, "--host", "127.0.0.1", "--port",
                                        str(port), "--webui-port", str(free_port())])
    worker_processes = [
        _launch(folder, f"worker-{i}", [WORKER_CLASS, url, "--host", "127.0.0.1",
                                        "--cores", str(cores), "--memory", memory,
                                        "--webui-port", str(free_port()),
                                        "--work-dir", str(folder / f"work-{i}")])
        for i in range(1, workers + 1)]
    state = ClusterState(url, master.pid, [p.pid for p in worker_processes])
    (folder / STATE_FILE).write_text(json.dumps(asdict(state), indent=2))
    try:
        _wait_registered(folder, worker_processes, timeout)
    except PlatformError:
        stop(folder)
        raise
    return state


def status(folder: Path) -> dict[str, bool]:
    """Which recorded processes are alive (an empty dict when nothing was started)."""
    state = _read_state(folder)
    if state is None:
        return {}
    alive = {"master": psutil.pid_exists(state.master_pid)}
    for i, pid in enumerate(state.worker_pids, start=1):
        alive[f"worker-{i}"] = psutil.pid_exists(pid)
    return alive


def stop(folder: Path, timeout: float = 20.0) -> None:
    """Stop the workers, then the master (each in its own process group), and wait."""
    state = _read_state(folder)
    if state is None:
        return
    for pid in [*state.worker_pids, state.master_pid]:
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    deadline = time.monotonic() + timeout
    for pid in [*state.worker_pids, state.master_pid]:
        while psutil.pid_exists(pid) and time.monotonic() < deadline:
            _reap(pid)
            time.sleep(0.1)
        if psutil.pid_exists(pid) and not _reap(pid):
            os.killpg(pid, signal.SIGKILL)
    (folder / STATE_FILE).unlink()


def _launch(folder: Path, name: str, arguments: list[str]) -> subprocess.Popen[bytes]:
    log = (folder / f"{name}.log").open("wb")
    return subprocess.Popen([str(spark_class()), *arguments], stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True,
                            env={**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"})


def _wait_registered(folder: Path, workers: list[subprocess.Popen[bytes]],
                     timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        logs = [(folder / f"worker-{i}.log").read_text(errors="replace")
                for i in range(1, len(workers) + 1)]
        for process, log in zip(workers, logs, strict=True):
            if process.poll() is not None:
                raise PlatformError(f"a Spark worker exited with code {process.returncode}: "
                                    f"{log[-1500:]}")
        if all(REGISTERED.search(log) for log in logs):
            return
        time.sleep(0.3)
    raise PlatformError(f"the Spark workers did not register within {timeout:.0f} s; "
                        f"logs in {folder}")


def _reap(pid: int) -> bool:
    """Collect a child that has exited (True when it is gone)."""
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return not psutil.pid_exists(pid)
    return finished == pid


def _read_state(folder: Path) -> ClusterState | None:
    path = folder / STATE_FILE
    if not path.exists():
        return None
    return ClusterState(**json.loads(path.read_text()))

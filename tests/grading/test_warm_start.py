"""Warm runners (``grading.warm_start``) are confined exactly as cold ones: the same user,
capabilities, files, environment and network, in the same bubblewrap sandbox, and nothing
of the zygote they were forked from is within their reach."""

from __future__ import annotations

import json
import sys
import time
from functools import partial
from pathlib import Path

import pytest

from grading.remote import Launch, SandboxLink, WarmLaunch
from grading.sandbox import (
    HOLDER,
    SCRATCH,
    SandboxSpec,
    bwrap_command,
    bwrap_holder_command,
    capped_start,
    check_sandbox,
    runner_arguments,
)
from grading.warm_start import EXPECTED, zygote

pytestmark = pytest.mark.slow

# What the student's code can find out about where it runs; the zygote's socket path and
# its process ID go in as text, so the notebook can look for them.
PROBE = """
import json, os, resource, socket, sys
from grading.warm_start import confinement

def visible_processes():
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                found.append(open(f"/proc/{entry}/cmdline", "rb").read().replace(b"\\0", b" ").decode())
            except OSError:
                pass
    return sorted(found)

def tty_opens():
    try:
        os.close(os.open("/dev/tty", os.O_RDWR))
        return True
    except OSError:
        return False

def makes_user_namespace():
    import ctypes
    libc = ctypes.CDLL(None)
    child = os.fork()  # a namespace cannot be made by a threaded process: a fresh one tries
    if child == 0:
        libc._exit(0 if libc.unshare(0x10000000) == 0 else 1)  # CLONE_NEWUSER
    return os.waitpid(child, 0)[1] == 0

def connects():
    try:
        socket.create_connection(("127.0.0.1", 22), timeout=1).close()
        return True
    except OSError:
        return False

facts = json.dumps({
    "status": confinement(open("/proc/self/status").read()),
    "root": sorted(os.listdir("/")),
    "cwd": os.getcwd(),
    "environment": dict(os.environ),
    "descriptors": sorted(os.listdir("/proc/self/fd")),
    "network": connects(),
    "zygote_socket_seen": os.path.exists(ZYGOTE_SOCKET),
    "processes": visible_processes(),
    "writable_submission": os.access("/submission", os.W_OK),
    "limits": {name: resource.getrlimit(getattr(resource, name))
               for name in dir(resource) if name.startswith("RLIMIT_")},
    "umask": os.umask(0o022),
    "terminal": os.path.exists("/dev/tty") and os.access("/dev/tty", os.R_OK | os.W_OK)
                and tty_opens(),
    "sys_path": sys.path,
    "flags": str(sys.flags),
    "init_environment": open("/proc/1/environ", "rb").read().decode(),
    "host_folders_known": [p for p in [*sys.path, *sys.path_importer_cache]
                           if p and p.startswith(os.path.dirname(ZYGOTE_SOCKET))],
    "orig_argv": sys.orig_argv[1:],
    "user_namespace": makes_user_namespace(),
})
"""


def probe_notebook(folder: Path, zygote_socket: str) -> Path:
    cell = f"ZYGOTE_SOCKET = {zygote_socket!r}\n" + PROBE
    notebook = {"cells": [{"cell_type": "code", "execution_count": None, "id": "probe",
                           "metadata": {}, "outputs": [], "source": cell}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (folder / "probe").mkdir(parents=True)
    (folder / "probe" / "exercise.ipynb").write_text(json.dumps(notebook))
    return folder


def facts_from(launch: Launch) -> tuple[dict[str, object], list[str]]:
    link = SandboxLink(launch, 30.0, 60.0, time.monotonic() + 120)
    try:
        link.ensure_loaded("probe")
        facts = json.loads(link.value(link.request("probe", "get", "facts")))
        runner = link.process.runner_pid if link.process is not None else None
    finally:
        link.stop()
    if runner is not None:  # a warm runner is the zygote's to reap: gone, not a zombie
        deadline = time.monotonic() + 10
        while Path(f"/proc/{runner}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        facts["runner_left"] = Path(f"/proc/{runner}").exists()
    return facts, link.starts


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    check_sandbox()
    base = tmp_path_factory.mktemp("warm")
    spec = SandboxSpec()
    with zygote(base) as ready:
        address = ready()
        assert address is not None, "the zygote did not start"
        notebooks = probe_notebook(base / "notebooks", address)
        cold = Launch(bwrap_command(notebooks, spec), base, {}, capped_start(spec.memory_bytes),
                      SCRATCH)
        warm = Launch(cold.command, base, {}, cold.preexec, SCRATCH,
                      WarmLaunch(address, partial(bwrap_holder_command, notebooks, spec),
                                 runner_arguments(spec)))
        broken = Launch(cold.command, base, {}, cold.preexec, SCRATCH,
                        WarmLaunch(str(base / "no-such.sock"),
                                   partial(bwrap_holder_command, notebooks, spec),
                                   runner_arguments(spec)))
        return {"cold": facts_from(cold), "warm": facts_from(warm),
                "fallback": facts_from(broken)}


def test_each_launch_started_the_way_it_says(both):
    assert both["cold"][1] == ["cold"]
    assert both["warm"][1] == ["warm"]
    # a zygote that cannot be reached: started cold, saying why
    [fallback] = both["fallback"][1]
    assert fallback.startswith("cold: ") and "No such file" in fallback


def test_a_warm_runner_holds_what_a_cold_one_holds(both):
    cold, warm = both["cold"][0], both["warm"][0]
    assert warm["status"] == cold["status"] == EXPECTED  # uid 65534, no capability at all
    for fact in ("root", "cwd", "environment", "descriptors", "network",
                 "writable_submission", "limits", "umask", "terminal", "sys_path",
                 "flags", "init_environment", "host_folders_known", "orig_argv",
                 "user_namespace"):
        assert warm[fact] == cold[fact], fact
    assert warm["network"] is False and warm["writable_submission"] is False
    assert warm["terminal"] is False
    # bwrap's init is readable from inside: it must not carry the judge's environment
    assert warm["init_environment"] == "" and warm["host_folders_known"] == []
    assert warm["user_namespace"] is False  # bwrap --disable-userns: no nested namespaces


def test_a_warm_runner_ends_with_its_sandbox(both):
    assert both["warm"][0]["runner_left"] is False


def test_nothing_of_the_zygote_is_within_reach(both):
    warm = both["warm"][0]
    assert warm["zygote_socket_seen"] is False
    # Besides itself, the runner sees bwrap's init, and a warm one the placeholder too:
    # nothing of the machine, the zygote or another student.
    [init] = both["cold"][0]["processes"]
    assert Path(init.split()[0]).name == "bwrap"
    holder = f"{sys.executable} -S -I -c {HOLDER} "
    [warm_init] = [p for p in warm["processes"] if p != holder]
    assert Path(warm_init.split()[0]).name == "bwrap"
    assert sorted(warm["processes"]) == sorted([warm_init, holder])

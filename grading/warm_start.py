"""Runners started warm: forked from a process that imported the libraries once, into each
student's bubblewrap sandbox.

A cold runner is a fresh interpreter in the student's sandbox, and it imports pandas,
scikit-learn, MLflow and Great Expectations again for every student: about 4 s of CPU, most
of what a student's runner costs. A warm start keeps the sandbox exactly as it is and only
changes who runs in it:

1. the judge starts the student's sandbox with the same ``bwrap`` options as a cold runner,
   but with a placeholder process in it (``HOLDER``), and learns its host PID;
2. the zygote (``python -m grading.runner --zygote``, started once per batch, outside every
   sandbox, with the sandbox's environment) has the libraries imported; it forks, and the
   fork joins the placeholder's namespaces and root as ``nsenter`` does, forks again to be
   inside the PID namespace, drops every capability (``no_new_privs``, empty bounding and
   ambient sets), checks in ``/proc/self/status`` that it holds exactly what a cold runner
   holds, closes every descriptor but its two pipes, and only then runs the runner.

Only trusted code runs before that check. The zygote never sees a notebook, a test, a seed
or another student, and nothing of it is reachable from inside a sandbox: no descriptor,
path or process. When the judge ends the sandbox, its PID namespace ends, and the runner
with it, as for a cold runner.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import json
import os
import resource
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from grading.sandbox import MAX_FILE_BYTES, SANDBOX_UID, SCRATCH, sandbox_environment

# What the exercises' notebooks import, directly or through ``demo``: about 4 s of CPU.
PRELOAD = ["grading.notebook", "grading.protocol", "grading.guards", "grading.outcomes",
           "grading.exports", "nbformat", "numpy", "pandas", "pyarrow", "pyarrow.parquet",
           "scipy.stats", "sklearn.ensemble", "sklearn.linear_model", "sklearn.metrics",
           "sklearn.pipeline", "sklearn.compose", "sklearn.preprocessing",
           "sklearn.model_selection", "sklearn.dummy", "mlflow", "mlflow.models",
           "mlflow.store.tracking.sqlalchemy_store",
           "mlflow.store.model_registry.sqlalchemy_store", "great_expectations",
           "demo.course.notebook", "demo.pipeline", "demo.labs", "demo.synthetic.scenarios"]
# Joined in this order: the user namespace last, because the others belong to bwrap's outer
# user namespace, on which the inner one (uid 65534) holds no capability.
NAMESPACES = ("ipc", "uts", "net", "cgroup", "pid", "mnt", "user")
START_TIMEOUT_S = 20.0
# A zygote must have one thread when it forks (a fork copies only the caller's). jemalloc,
# Arrow's allocator, would start a background purging thread at import; Arrow's allocator
# works the same without it.
ZYGOTE_ONLY_ENV = {"JE_ARROW_MALLOC_CONF": "background_thread:false"}
READY = b"k"

_libc = ctypes.CDLL(None, use_errno=True)
PR_CAPBSET_DROP, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 24, 36, 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
_CAP_VERSION_3 = 0x20080522


class WarmStartFailed(Exception):
    """The warm path could not start this runner; the judge starts a cold one instead."""


# --- the zygote ------------------------------------------------------------------------


def serve(listener_fd: int, ready_fd: int, run_runner: Callable[[list[str]], int]) -> None:
    """The zygote's loop: import ``PRELOAD``, say so on ``ready_fd``, then start one runner
    per request on the listening socket, one at a time."""
    for name in PRELOAD:
        importlib.import_module(name)
    threads = os.listdir("/proc/self/task")  # C threads too (threading sees Python's only)
    if len(threads) != 1:  # a fork copies only this thread: refuse to start
        raise SystemExit(f"the preloaded libraries started {len(threads)} threads")
    # Runners outlive their first parent (the fork that joins the sandbox), so the zygote
    # adopts and reaps them: a runner killed with its sandbox must not stay a zombie, and
    # bwrap's init waits for it before the sandbox is gone.
    if _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise SystemExit("the zygote cannot adopt its runners (PR_SET_CHILD_SUBREAPER)")
    signal.signal(signal.SIGCHLD, _reap)
    gc.collect()
    gc.freeze()  # the children's pages stay shared with the zygote
    os.write(ready_fd, READY)
    os.close(ready_fd)
    listener = socket.socket(fileno=listener_fd)
    while True:
        connection, _ = listener.accept()
        with connection:
            try:
                reply = _start_one(connection, run_runner)
            except (OSError, ValueError, KeyError, TypeError) as error:
                reply = {"ok": False, "error": f"{type(error).__name__}: {error}"[:500]}
            with contextlib.suppress(OSError):
                connection.sendall(json.dumps(reply).encode() + b"\n")


def _reap(signum: int, frame: Any) -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass


def _start_one(connection: socket.socket, run_runner: Callable[[list[str]], int]
               ) -> dict[str, Any]:
    connection.settimeout(START_TIMEOUT_S)
    message, fds, _, _ = socket.recv_fds(connection, 65536, 2)
    try:
        request = json.loads(message)
        if len(fds) != 2:
            raise ValueError("a request carries the runner's two pipe ends")
        ready_r, ready_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the forked child, reports through the pipe
            os.close(ready_r)
            _enter(int(request["holder"]), [str(a) for a in request["argv"]], fds, ready_w,
                   run_runner)
        os.close(ready_w)
        reported = _read_all(ready_r)  # the runner's PID, then READY; or what went wrong
        os.close(ready_r)
    finally:
        for fd in fds:
            os.close(fd)
    head, _, tail = reported.partition(b"\n")
    if tail != READY:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)  # a fork stuck before the runner: not left behind
        return {"ok": False, "error": (tail or b"the runner did not start").decode()[:500]}
    return {"ok": True, "pid": int(head)}


def _read_all(fd: int) -> bytes:
    chunks = []
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(fd, 4096) if ready else b""
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _enter(holder: int, argv: list[str], pipes: list[int], report: int,
           run_runner: Callable[[list[str]], int]) -> None:
    """In the zygote's fork: join the sandbox, fork into its PID namespace, drop every
    privilege, check, and run the runner. Never returns."""
    try:
        namespaces = {name: os.open(f"/proc/{holder}/ns/{name}", os.O_RDONLY)
                      for name in NAMESPACES}
        root = os.open(f"/proc/{holder}/root", os.O_RDONLY | os.O_DIRECTORY)
        for name in NAMESPACES:
            if _libc.setns(namespaces[name], 0) != 0:
                raise OSError(ctypes.get_errno(), f"setns({name})")
        os.fchdir(root)
        os.chroot(".")
        os.chdir(SCRATCH)
        runner = os.fork()  # the child is the first process of ours in the PID namespace
        if runner != 0:
            os.write(report, f"{runner}\n".encode())
            os._exit(0)
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the zygote's reaper is not the runner's
        _drop_privileges()
        _check_confined()
        resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_BYTES, MAX_FILE_BYTES))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        os.dup2(pipes[0], 0)
        os.dup2(pipes[1], 1)
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 2)
        os.write(report, READY)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))
    except BaseException as error:  # noqa: BLE001 - reported to the zygote, then gone
        with contextlib.suppress(OSError):
            os.write(report, f"\n{type(error).__name__}: {error}".encode()[:400])
        os._exit(3)
    code = 1
    try:
        _fresh_process_state(argv)
        code = run_runner(argv)
    finally:
        os._exit(code)


def _drop_privileges() -> None:
    """What bwrap's ``--cap-drop ALL`` and ``no_new_privs`` leave a cold runner with."""
    last = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    for cap in range(last + 1):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), f"dropping capability {cap}")
    if _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "clearing ambient capabilities")
    if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "setting no_new_privs")
    header = (ctypes.c_uint32 * 2)(_CAP_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable; two 32-bit halves
    if _libc.capset(header, data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def confinement(status_text: str) -> dict[str, str]:
    """The lines of ``/proc/self/status`` that say what a process may do."""
    keys = ("Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb",
            "NoNewPrivs", "Seccomp")
    found = {}
    for line in status_text.splitlines():
        key, _, value = line.partition(":")
        if key in keys:
            found[key] = " ".join(value.split())
    return found


EXPECTED = {"Uid": " ".join([str(SANDBOX_UID)] * 4), "Gid": " ".join([str(SANDBOX_UID)] * 4),
            "Groups": "", **dict.fromkeys(("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"),
                                          "0000000000000000"),
            "NoNewPrivs": "1", "Seccomp": "0"}


def _check_confined() -> None:
    found = confinement(Path("/proc/self/status").read_text())
    wrong = {k: v for k, v in found.items() if EXPECTED.get(k) != v}
    if wrong or found.keys() != EXPECTED.keys():
        raise PermissionError(f"not confined as a cold runner would be: {wrong or found}")


def _fresh_process_state(argv: list[str]) -> None:
    """What differs between a forked interpreter and a fresh one, put right."""
    os.environ.clear()
    os.environ.update(sandbox_environment(), PWD=str(SCRATCH))  # bwrap's --chdir sets PWD
    tempfile.tempdir = None
    sys.argv = ["-m", *argv]
    sys.orig_argv = [sys.executable, "-m", "grading.runner", *argv]
    sys.path_importer_cache.pop(sys.path[0], None)  # the zygote's folder on the host
    sys.path[0] = str(SCRATCH)  # as for ``python -m`` started there
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()  # the legacy global generator was seeded in the zygote
    gc.unfreeze()


# --- the trusted side ------------------------------------------------------------------


@contextlib.contextmanager
def zygote(folder: Path, timeout: float = 120.0) -> Iterator[Callable[[], str | None]]:
    """Start the batch's zygote, its socket in ``folder`` (which no sandbox sees). Yields a
    function that waits until the zygote is ready and returns the socket's path, or None
    when it could not start (runners then start cold). The zygote ends with the block."""
    from grading.sandbox import capped_start

    address = str(folder / "zygote.sock")
    home = folder / "zygote"  # an empty folder: the first entry of the zygote's sys.path
    home.mkdir()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(64)
    ready_r, ready_w = os.pipe()
    process = subprocess.Popen(
        [sys.executable, "-m", "grading.runner", "--zygote", str(listener.fileno()),
         str(ready_w)],
        cwd=home, env={**sandbox_environment(), **ZYGOTE_ONLY_ENV},
        pass_fds=(listener.fileno(), ready_w), stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        preexec_fn=capped_start(8 * 2**30))  # noqa: PLW1509 - dies with the grader; no threads yet
    os.close(ready_w)
    listener.close()
    started: list[str | None] = []

    def ready() -> str | None:
        if not started:
            waited, _, _ = select.select([ready_r], [], [], timeout)
            started.append(address if waited and os.read(ready_r, 1) == READY else None)
        return started[0]

    try:
        yield ready
    finally:
        os.close(ready_r)
        process.kill()
        process.wait()


def start_in_sandbox(address: str, holder_command: Callable[[int], list[str]],
                     runner_argv: list[str], env: dict[str, str], preexec: Callable[[], None]
                     ) -> tuple[subprocess.Popen[bytes], int, int, int]:
    """Build the student's sandbox around ``HOLDER`` (``holder_command(info_fd)``) and have
    the zygote fork a runner into it: (the sandbox's bwrap process, the runner's host PID,
    the request pipe's write end, the reply pipe's read end). ``WarmStartFailed`` when any
    step does not work; nothing is left running then."""
    info_r, info_w = os.pipe()
    requests_r, requests_w = os.pipe()
    replies_r, replies_w = os.pipe()
    # ``env`` is the cold start's (empty): bwrap's own init, which the runner can read in
    # /proc/1/environ, must not carry the judge's environment (its secret seed)
    sandbox = subprocess.Popen(holder_command(info_w), pass_fds=(info_w,), env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, start_new_session=True,
                               preexec_fn=preexec)  # noqa: PLW1509 - the judge has one thread
    os.close(info_w)
    try:
        holder = _holder_pid(info_r, sandbox)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(START_TIMEOUT_S)
            connection.connect(address)
            request = {"holder": holder, "argv": runner_argv}
            socket.send_fds(connection, [json.dumps(request).encode()],
                            [requests_r, replies_w])
            reply = json.loads(connection.makefile("rb").readline() or b"{}")
        if reply.get("ok") is not True:
            raise WarmStartFailed(str(reply.get("error", "no reply from the zygote")))
        return sandbox, int(reply["pid"]), requests_w, replies_r
    except (OSError, ValueError, WarmStartFailed) as error:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(sandbox.pid, 9)
        sandbox.kill()
        sandbox.wait()
        for fd in (requests_w, replies_r):
            os.close(fd)
        raise WarmStartFailed(str(error)) from None
    finally:
        os.close(info_r)
        os.close(requests_r)
        os.close(replies_w)
        if sandbox.stdout is not None:
            sandbox.stdout.close()


def _holder_pid(info_r: int, sandbox: subprocess.Popen[bytes]) -> int:
    """The host PID of the placeholder, once the sandbox around it is built."""
    deadline = time.monotonic() + START_TIMEOUT_S
    data = b""
    info: dict[str, Any] | None = None
    while info is None:  # bwrap writes its JSON in pieces
        ready, _, _ = select.select([info_r], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(info_r, 4096) if ready else b""
        if not chunk:
            raise WarmStartFailed("bwrap gave no information about the sandbox")
        data += chunk
        with contextlib.suppress(ValueError):
            info = json.loads(data)
    assert sandbox.stdout is not None
    ready, _, _ = select.select([sandbox.stdout], [], [], max(0.0, deadline - time.monotonic()))
    if not ready or sandbox.stdout.read(1) != b"r":
        raise WarmStartFailed("the sandbox's placeholder did not start")
    init = int(info["child-pid"])  # bwrap's init, PID 1 inside; the placeholder is its child
    children = Path(f"/proc/{init}/task/{init}/children").read_text().split()
    if len(children) != 1:
        raise WarmStartFailed(f"expected one process in the new sandbox, found {children}")
    return int(children[0])

"""The OS sandbox a student's notebooks run in: bubblewrap (``bwrap``) namespaces.

What the student's process sees and may do:

- new PID, network, IPC, UTS, cgroup and user namespaces: no network at all (not even the
  host's loopback), no other process of the machine, and when the sandbox ends every
  process it started ends with it (``--die-with-parent``; the PID namespace's init is gone);
- read-only: the system's ``/usr``, the Python interpreter and the virtual environment, and of
  the course only ``demo/``, ``grading/`` (the runner itself; it holds no answers) and the
  public ``datasets/``; the student's own notebooks, read-only, at ``/submission``;
- writable: one tmpfs of a fixed size at ``/scratch`` (home, temporary files, workspace),
  and small fixed-size ones at ``/tmp`` and ``/dev/shm``;
- not there at all: ``solutions/``, ``tests/``, the rest of the checkout, other students, the
  output folder, the instructor's home;
- uid 65534 inside its own user namespace, with no capabilities and no way to make another
  user namespace (``--disable-userns``: less of the kernel within reach); address-space, file-size and
  core caps set before the sandbox starts. Time is capped by the trusted grader, which kills
  the sandbox (and with it everything inside) when a reply is late.

A class's runners are usually not started in the sandbox but forked into it, with the
libraries already imported (``grading.warm_start``); the sandbox is the same either way.
"""

from __future__ import annotations

import ctypes
import os
import resource
import shutil
import signal
import sys
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from demo.errors import DemoError
from demo.paths import DATASETS_DIR, PROJECT_ROOT

BWRAP = "bwrap"
SCRATCH = Path("/scratch")
SUBMISSION = Path("/submission")
SANDBOX_UID = 65534
MAX_FILE_BYTES = 256 * 2**20
PR_SET_PDEATHSIG = 1
SMALL_TMPFS_BYTES = 64 * 2**20
# What the runner needs of the checkout: the pipeline package, the runner, public data.
COURSE_PARTS = ("demo", "grading", "datasets")


class SandboxUnavailable(DemoError):
    """bubblewrap is missing or cannot create namespaces on this machine."""


@dataclass(frozen=True)
class SandboxSpec:
    """The caps a sandbox runs under."""

    scratch_bytes: int = 512 * 2**20
    memory_bytes: int = 4 * 2**30
    output_cap: int = 100_000


def bwrap_path() -> str:
    found = shutil.which(BWRAP)
    if found is None:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed; install the Debian package `bubblewrap`, or "
            "pass --unsafe-no-sandbox to grade without isolation")
    return found


def _interpreter_roots() -> list[Path]:
    """The folders the interpreter and its libraries live in (deduplicated, existing)."""
    roots = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix),
             Path(sysconfig.get_paths()["stdlib"]).parent, Path(sys.executable).parent}
    roots |= {Path(os.path.realpath(sys.executable)).parent.parent}
    existing = sorted(r.resolve() for r in roots if r.exists())
    return [r for r in existing if not any(r != o and o in r.parents for o in existing)]


def sandbox_environment() -> dict[str, str]:
    return {
        "HOME": str(SCRATCH / "home"), "TMPDIR": str(SCRATCH / "tmp"),
        "MPLCONFIGDIR": str(SCRATCH / "home" / ".matplotlib"),
        "DEMO_WORKSPACE": str(SCRATCH / "workspace"), "COURSE_GRADING": "1",
        "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1", "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "DEMO_PROGRESS": "0",
        "GIT_PYTHON_REFRESH": "quiet", "MLFLOW_DISABLE_TELEMETRY": "true",
        "GX_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
    }


def bwrap_prefix(spec: SandboxSpec) -> list[str]:
    """``bwrap`` and its options up to the command: the namespaces, the read-only system,
    interpreter and course parts, the sized scratch and the clean environment. A caller adds
    its own binds (``--ro-bind``/``--bind``) and then the command to run."""
    command = [bwrap_path(), "--unshare-all", "--unshare-user", "--disable-userns",
               "--die-with-parent", "--new-session",
               "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--cap-drop", "ALL",
               "--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev",
               "--size", str(spec.scratch_bytes), "--tmpfs", str(SCRATCH),
               "--dir", str(SCRATCH / "home"), "--dir", str(SCRATCH / "tmp"),
               "--dir", str(SCRATCH / "workspace"),
               # every writable place has a size: /tmp and /dev/shm too
               "--size", str(SMALL_TMPFS_BYTES), "--tmpfs", "/tmp",
               "--size", str(SMALL_TMPFS_BYTES), "--tmpfs", "/dev/shm",
               "--chdir", str(SCRATCH), "--clearenv"]
    for link in ("bin", "lib", "lib64", "sbin"):
        if Path("/", link).is_symlink():
            command += ["--symlink", os.readlink(Path("/", link)), f"/{link}"]
        elif Path("/", link).is_dir():
            command += ["--ro-bind", f"/{link}", f"/{link}"]
    for etc in ("/etc/ld.so.cache", "/etc/localtime", "/etc/ssl", "/etc/alternatives"):
        if Path(etc).exists():
            command += ["--ro-bind", etc, etc]
    for root in _interpreter_roots():
        if not str(root).startswith("/usr"):
            command += ["--ro-bind", str(root), str(root)]
    for part in COURSE_PARTS:
        source = DATASETS_DIR if part == "datasets" else PROJECT_ROOT / part
        command += ["--ro-bind", str(source), str(source)]
    for key, value in sandbox_environment().items():
        command += ["--setenv", key, value]
    return command


def runner_arguments(spec: SandboxSpec) -> list[str]:
    """``python -m grading.runner``'s arguments inside the sandbox."""
    return [str(SUBMISSION), str(spec.output_cap), str(spec.memory_bytes)]


def bwrap_command(notebooks: Path, spec: SandboxSpec) -> list[str]:
    """The full ``bwrap ... python -m grading.runner`` command for one student."""
    return [*bwrap_prefix(spec), "--ro-bind", str(notebooks), str(SUBMISSION),
            sys.executable, "-m", "grading.runner", *runner_arguments(spec)]


# The placeholder that keeps a warm-started student's sandbox open until the judge ends it
# (``grading.warm_start``); one byte on its output says the sandbox is built.
HOLDER = "import os, signal; os.write(1, b'r'); signal.pause()"


def bwrap_holder_command(notebooks: Path, spec: SandboxSpec, info_fd: int) -> list[str]:
    """The same sandbox as ``bwrap_command``, with ``HOLDER`` in it instead of the runner;
    bwrap writes the host PID of its init to ``info_fd``."""
    return [*bwrap_prefix(spec), "--ro-bind", str(notebooks), str(SUBMISSION),
            "--info-fd", str(info_fd), sys.executable, "-S", "-I", "-c", HOLDER]


def plain_command(notebooks: Path, spec: SandboxSpec) -> list[str]:
    """The runner without a sandbox (``--unsafe-no-sandbox``, or a learner's own grading):
    a separate process with Python-level guards only."""
    return [sys.executable, "-m", "grading.runner", str(notebooks), str(spec.output_cap),
            str(spec.memory_bytes), "--guard"]


def capped_start(memory_bytes: int) -> Callable[[], None]:
    """Caps set in the forked process before bwrap (or Python) starts; inherited inside."""

    def apply() -> None:
        # The runner dies with the judge, sandboxed or not (bwrap also has --die-with-parent).
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        soft = memory_bytes + 2**30  # room for bwrap and the interpreter around the cap
        resource.setrlimit(resource.RLIMIT_AS, (soft, soft))
        resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_BYTES, MAX_FILE_BYTES))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def check_sandbox() -> None:
    """Start a trivial sandbox once; ``SandboxUnavailable`` saying why when that fails."""
    import subprocess

    command = [bwrap_path(), "--unshare-all", "--unshare-user", "--disable-userns",
               "--die-with-parent", "--ro-bind", "/", "/",
               "--uid", str(SANDBOX_UID), "--", "/bin/true"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    if done.returncode != 0:
        raise SandboxUnavailable(
            f"bubblewrap cannot create a sandbox here ({done.stderr.strip()[:200]}); "
            "pass --unsafe-no-sandbox to grade without isolation")

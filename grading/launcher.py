"""Starting grading children: a fork server with the heavy modules preloaded, a small
explicit environment, a deadline, and the child's journal read back afterwards."""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest.mock import patch

from grading.child import ChildJob, forked_main


def child_environment(work: Path) -> dict[str, str]:
    """A small, explicit environment: nothing of the instructor's leaks in."""
    keep = {k: v for k, v in os.environ.items()
            if k in ("PATH", "LANG", "LC_ALL", "VIRTUAL_ENV", "SYSTEMROOT")}
    return {
        **keep,
        "HOME": str(work / "home"),
        "TMPDIR": str(work / "tmp"),
        "MPLCONFIGDIR": str(work / "home" / ".matplotlib"),
        "DEMO_WORKSPACE": str(work / "workspace"),
        "COURSE_GRADING": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "PYTHONHASHSEED": "0",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "GIT_PYTHON_REFRESH": "quiet",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "DEMO_PROGRESS": "0",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "GX_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }


MAX_JOURNAL_BYTES = 32 * 2**20
MAX_EVENT_BYTES = 64 * 2**10


def read_journal(path: Path) -> list[dict[str, Any]]:
    """The judge's progress events, read with caps: at most ``MAX_JOURNAL_BYTES`` in all and
    ``MAX_EVENT_BYTES`` per line; a line that is not a JSON object with a string ``event``
    ends the reading (what came before still counts)."""
    events: list[dict[str, Any]] = []
    if not path.exists():
        return events
    with path.open("rb") as handle:
        data = handle.read(MAX_JOURNAL_BYTES)
    for line in data.splitlines():
        if len(line) > MAX_EVENT_BYTES:
            break
        try:
            event = json.loads(line)
        except ValueError:
            break  # a line cut short by a crash
        if not (isinstance(event, dict) and isinstance(event.get("event"), str)):
            break
        events.append(event)
    return events


@dataclass
class Attempt:
    """What one grading child left behind."""

    events: list[dict[str, Any]]
    timed_out: bool
    returncode: int | None


# Modules the fork server imports once, so that each student's process starts in
# milliseconds instead of importing pandas, scikit-learn, pytest, MLflow and GX again.
# The last lines are what the exercise tests use on the trusted side: the pipeline steps
# and labs they build inputs with, and MLflow's SQL store (with alembic, ~1 s of CPU),
# which reads each student's tracking store and the lab registries.
PRELOAD = ["grading.child", "grading.check", "grading.plugin", "grading.remote",
           "grading.protocol", "grading.sandbox", "grading.local", "pytest",
           "_pytest.python", "pytest_timeout", "nbformat", "numpy", "pandas", "pyarrow",
           "sklearn.metrics", "sklearn.linear_model", "sklearn.ensemble", "sklearn.pipeline",
           "sklearn.compose", "sklearn.preprocessing", "sklearn.model_selection", "mlflow",
           "great_expectations", "demo.synthetic.customers", "demo.feature_spec",
           "demo.synthetic.scenarios", "demo.pipeline", "demo.labs",
           "demo.model_layer.store", "grading.labs", "grading.exports", "grading.design",
           "grading.quiz", "pyarrow.dataset", "mlflow.store.tracking.sqlalchemy_store",
           "mlflow.store.model_registry.sqlalchemy_store"]
# Set while the fork server starts (numerical libraries read them once, at import).
SERVER_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "GIT_PYTHON_REFRESH": "quiet",
              "MLFLOW_DISABLE_TELEMETRY": "true", "GX_ANALYTICS_ENABLED": "false",
              "DO_NOT_TRACK": "1"}
_START_LOCK = threading.Lock()


@contextmanager
def _neutral_main() -> Iterator[None]:
    """Start children without re-running the caller's ``__main__`` in them.

    multiprocessing re-imports the parent's main script in every child it starts. When the
    grader is called from a process whose ``__main__`` is a script that must not run again
    (a Streamlit page run by AppTest, a notebook kernel, a test runner), that import fails
    or does harm, so children are started while ``__main__`` is an empty module.
    """
    original = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if original is not None:
            sys.modules["__main__"] = original


def fork_server() -> multiprocessing.context.ForkServerContext:
    """The fork server context, started on first use with the modules preloaded."""
    context = multiprocessing.get_context("forkserver")
    with _START_LOCK:
        if not getattr(fork_server, "started", False):
            context.set_forkserver_preload(PRELOAD)
            with patch.dict(os.environ, SERVER_ENV):  # for the server only, then restored
                multiprocessing.forkserver.ensure_running()
            # The server imports PRELOAD before it forks anything: wait for that here, with
            # a process that does nothing, so no student's clock pays for it.
            ready = context.Process(target=os.getpid)
            with _neutral_main():
                ready.start()
            ready.join()
            fork_server.started = True  # type: ignore[attr-defined]
    return context  # type: ignore[return-value]


def start_forked(target: Callable[..., None], args: tuple[Any, ...]
                 ) -> multiprocessing.process.BaseProcess:
    """``target(*args)`` started in a process forked from the server."""
    process = fork_server().Process(target=target, args=args, daemon=False)
    with _START_LOCK, _neutral_main():
        process.start()
    return process


def run_forked(target: Callable[..., None], args: tuple[Any, ...], timeout: float
               ) -> int | None:
    """Run ``target(*args)`` in a process forked from the server; its exit code (None: it
    was still running after ``timeout`` seconds and was killed)."""
    process = start_forked(target, args)
    process.join(timeout)
    if process.exitcode is None:
        process.kill()
        process.join()
        return None
    return process.exitcode


def run_child(job: ChildJob, scratch: Path, attempt: int, deadline: float) -> Attempt:
    """Run one grading child to its end, or kill it (and all it started) at the deadline."""
    job.environment = child_environment(Path(job.work))
    job_path = scratch / f"job-{attempt}.json"
    job.save(job_path)
    results = Path(job.results)
    results.unlink(missing_ok=True)
    process = start_forked(forked_main, (str(job_path),))
    process.join(timeout=max(0.5, deadline - time.monotonic()))
    timed_out = process.exitcode is None
    try:
        os.killpg(process.pid, signal.SIGKILL)  # the child and anything it left behind
    except (ProcessLookupError, PermissionError):
        process.kill()
    process.join()
    return Attempt(read_journal(results), timed_out, process.exitcode)

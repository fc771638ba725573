"""The room's MLflow tracking server: runs and registry in PostgreSQL, artifacts served by it.

``mlflow server`` is started as it is documented for a team server; the course adds only what
a room needs: it binds the port it is given (port 0: a free port it picks itself, read back from
its log), it is reachable from this machine alone unless asked otherwise, and it runs in its
own process group so that stopping it stops its workers too.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from demo.platform.postgres import PlatformError
from demo.settings import OFFLINE_ENV

SERVER_ENV = {
    "PYTHONUNBUFFERED": "1",  # the "running on" line must reach the log at once
    # A fresh database connection per request (over the local socket: about a millisecond),
    # so a restarted PostgreSQL costs no request an error from a stale pooled connection.
    "MLFLOW_SQLALCHEMYSTORE_POOLCLASS": "NullPool",
    # The server's job runner serves GenAI evaluation jobs, which the course does not use.
    "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
}
LISTENING = re.compile(r"Uvicorn running on (http://[^\s]+)")


def wait_for_url(log: Path, process: subprocess.Popen[bytes], timeout: float) -> str:
    """The URL the server reports once it listens, then answers ``/health`` on."""
    deadline = time.monotonic() + timeout
    url: str | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise PlatformError(f"the MLflow server exited with code {process.returncode}: "
                                f"{log.read_text(errors='replace')[-1500:]}")
        if url is None:
            found = LISTENING.search(log.read_text(errors="replace"))
            url = found.group(1) if found else None
        if url is not None and healthy(url):
            return url
        time.sleep(0.2)
    raise PlatformError(f"the MLflow server did not answer within {timeout:.0f} s; "
                        f"its log: {log}")


def healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def start_tracking_server(backend_uri: str, artifacts_dir: Path, log: Path,
                          host: str = "127.0.0.1", port: int = 5000, workers: int = 2,
                          timeout: float = 300) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``mlflow server`` and wait until it answers; returns the process and its URL."""
    artifacts_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "mlflow", "server",
               "--backend-store-uri", backend_uri,
               "--artifacts-destination", str(artifacts_dir), "--serve-artifacts",
               "--host", host, "--port", str(port), "--workers", str(workers)]
    if host not in ("127.0.0.1", "localhost"):
        # MLflow's security middleware only admits localhost unless told which hosts may call.
        command += ["--allowed-hosts", "*"]
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True,
                                   env={**os.environ, **OFFLINE_ENV, **SERVER_ENV})
    try:
        return process, wait_for_url(log, process, timeout)
    except PlatformError:
        stop_process_group(process.pid)
        raise


def stop_process_group(pid: int, timeout: float = 30) -> None:
    """SIGTERM the group led by ``pid`` (the server and its workers), SIGKILL if it lingers."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        _reap(pid)
        time.sleep(0.1)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    _reap(pid)


def _reap(pid: int) -> None:
    """Collect the leader's exit status when it is our child, so it does not linger."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def require_tracking_server(url: str, timeout: float = 10) -> None:
    """Fail with one clear line when the tracking server at ``url`` does not answer.

    MLflow's client would otherwise retry for minutes and end in a long traceback.
    """
    try:
        answer = httpx.get(f"{url.rstrip('/')}/health", timeout=timeout)
    except httpx.HTTPError as exc:
        raise PlatformError(
            f"the MLflow tracking server at {url} does not answer ({type(exc).__name__}): "
            "start it with `make platform` on the instructor's machine, or check "
            "MLFLOW_TRACKING_URI") from None
    if answer.status_code != 200:
        raise PlatformError(f"{url} answered /health with HTTP {answer.status_code}: "
                            "is it an MLflow tracking server?")

"""Run the API as a real uvicorn process on loopback, for the demo, the tests and benchmarks.

``ApiServer`` picks a free port, starts ``python -m demo serve`` in a child process, waits
until ``/health`` answers, and stops it gracefully (SIGINT, so the prediction log is closed
and synced) when the ``with`` block ends.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx

from demo.errors import DemoError
from demo.settings import OFFLINE_ENV, Settings

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port on loopback that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen, timeout: float, log: Path) -> None:
    """Poll ``url`` until it answers; fail with the child's output if it dies or hangs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DemoError(f"the server exited with code {process.returncode}: "
                            f"{log.read_text(errors='replace')[-1500:]}")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise DemoError(f"the server did not answer {url} within {timeout:.0f} s")


class ApiServer:
    """``with ApiServer(settings) as server: httpx.get(server.url + "/ready")``."""

    def __init__(self, settings: Settings, challenger_share: float | None = None,
                 port: int | None = None, startup_timeout: float = 180.0) -> None:
        self.settings = settings
        self.port = port or free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"
        self.challenger_share = challenger_share
        self.startup_timeout = startup_timeout
        self.output = settings.serving_dir / f"server-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> Self:
        """Launch and wait until the API answers."""
        return self.launch().wait()

    def launch(self) -> Self:
        """Start the process without waiting (do other work while it loads, then ``wait``)."""
        command = [sys.executable, "-m", "demo", "serve", "--workspace",
                   str(self.settings.workspace), "--host", LOOPBACK, "--port", str(self.port)]
        if self.challenger_share is not None:
            command += ["--challenger-share", str(self.challenger_share)]
        self.settings.serving_dir.mkdir(parents=True, exist_ok=True)
        with self.output.open("wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                            env={**os.environ, **OFFLINE_ENV})
        return self

    def wait(self) -> Self:
        if self.process is None:
            self.launch()
        assert self.process is not None
        wait_until_up(f"{self.url}/health", self.process, self.startup_timeout, self.output)
        return self

    def stop(self, timeout: float = 15.0) -> int | None:
        """Graceful stop (the prediction log is drained and synced); kill if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def __enter__(self) -> Self:
        """Start and wait; an instance already ``launch``-ed is left to its own ``wait``."""
        return self if self.process is not None else self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

"""Run the API as a real uvicorn process on loopback, for the demo, the tests and benchmarks.

``ApiServer`` starts ``python -m demo serve --port 0``: the child binds a free port itself
and writes it to a port file, which the parent reads (no port is picked and released, so no
other process can take it in between). The parent waits until ``/health`` answers, and
stops the child gracefully (SIGINT, so the prediction log is drained and synced) when the
``with`` block ends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self, TypeVar

import httpx

from demo.deployment_layer.admin import admin_token
from demo.errors import DemoError
from demo.profile import child_environment
from demo.settings import OFFLINE_ENV, Settings

LOOPBACK = "127.0.0.1"
T = TypeVar("T")


def _wait_for(ready: Callable[[], T | None], failure: str, process: subprocess.Popen[bytes],
              timeout: float, log: Path) -> T:
    """Poll ``ready`` until it gives a value; fail with the child's output if it dies or hangs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DemoError(f"the server exited with code {process.returncode}: "
                            f"{log.read_text(errors='replace')[-1500:]}")
        if (value := ready()) is not None:
            return value
        time.sleep(0.05)
    process.kill()
    raise DemoError(f"the server {failure} within {timeout:.0f} s (see {log})")


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    """Poll ``url`` until it answers; fail with the child's output if it dies or hangs."""
    def answers() -> bool | None:
        try:
            httpx.get(url, timeout=1.0)
        except httpx.TransportError:
            return None
        return True

    _wait_for(answers, f"did not answer {url}", process, timeout, log)


@dataclass
class ApiServer:
    """``with ApiServer(settings) as server: httpx.get(server.url + "/ready")``.

    ``launcher`` is a command the server runs under, e.g. ``["prlimit", "--fsize=65536",
    "--"]`` to cap the size of the files it writes (tests simulate a full disk that way);
    ``options`` are more ``serve`` options, e.g. ``["--body-timeout", "5"]``.
    """

    settings: Settings
    challenger_share: float | None = None
    startup_timeout: float = 180.0
    launcher: Sequence[str] = ()
    options: Sequence[str] = ()
    url: str = field(default="", init=False)  # known once the server has started
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def admin_headers(self) -> dict[str, str]:
        """What ``POST /admin/reload`` needs: the workspace's admin token, as JSON."""
        return {"Authorization": f"Bearer {admin_token(self.settings)}",
                "Content-Type": "application/json"}

    def __enter__(self) -> Self:
        """Launch ``python -m demo serve`` and wait until the API answers."""
        name = self.settings.serving_dir / f"server-{uuid.uuid4().hex[:8]}"
        output, port_file = name.with_suffix(".log"), name.with_suffix(".port")
        command = [*self.launcher, sys.executable, "-m", "demo", "serve", "--workspace",
                   str(self.settings.workspace), "--host", LOOPBACK, "--port", "0",
                   "--port-file", str(port_file), *self.options]
        if self.challenger_share is not None:
            command += ["--set", f"serving.challenger_share={self.challenger_share}"]
        self.settings.serving_dir.mkdir(parents=True, exist_ok=True)
        admin_token(self.settings)  # created before the child starts: both read one file
        with output.open("wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                            env={**os.environ, **OFFLINE_ENV,
                                                 **child_environment(self.settings.profile)})
        port = _wait_for(lambda: int(port_file.read_text()) if port_file.exists() else None,
                         "reported no port", self.process, self.startup_timeout, output)
        self.url = f"http://{LOOPBACK}:{port}"
        wait_until_up(f"{self.url}/health", self.process, self.startup_timeout, output)
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

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

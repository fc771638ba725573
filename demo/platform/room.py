"""The services a workshop room shares, run on the instructor's machine: ``make platform``.

PostgreSQL holds the tracking server's runs and registry; the MLflow tracking server serves
the room (and the artifacts, so learners need no shared folder). Everything lives in
``<workspace>/platform/``; the state file there records the PIDs and the URL, so that
``stop`` stops exactly what ``start`` started and ``status`` can tell whether it still runs.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from demo.platform import spark_cluster
from demo.platform.postgres import PlatformError, PostgresCluster
from demo.platform.tracking_server import (
    healthy,
    start_tracking_server,
    stop_process_group,
)

DATABASE = "mlflow"
DEFAULT_PORT = 5000


@dataclass
class RoomState:
    tracking_url: str
    tracking_pid: int
    postgres_pid: int | None
    host: str


class Room:
    """``Room(workspace / "platform").start()``, ``.status()``, ``.stop()``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.postgres = PostgresCluster(folder / "postgres")
        self.artifacts_dir = folder / "artifacts"
        self.state_file = folder / "room.json"
        self.server_log = folder / "mlflow-server.log"

    def state(self) -> RoomState | None:
        try:
            return RoomState(**json.loads(self.state_file.read_text()))
        except (OSError, ValueError, TypeError):
            return None

    def start(self, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
              workers: int = 2) -> RoomState:
        """Start PostgreSQL (initialised on first use) and the tracking server on it."""
        current = self.state()
        if current is not None and _alive(current.tracking_pid) and healthy(current.tracking_url):
            return current
        self.folder.mkdir(parents=True, exist_ok=True)
        self.postgres.ensure_running()
        self.postgres.create_database(DATABASE)
        process, url = start_tracking_server(self.postgres.url(DATABASE), self.artifacts_dir,
                                             self.server_log, host=host, port=port,
                                             workers=workers)
        state = RoomState(tracking_url=url, tracking_pid=process.pid,
                          postgres_pid=self.postgres.pid, host=host)
        self.state_file.write_text(json.dumps(asdict(state), indent=2))
        return state

    @property
    def spark_folder(self) -> Path:
        return self.folder / "spark"

    def start_spark(self, workers: int = 2, memory: str = "1g") -> str:
        """A Spark standalone master with ``workers`` workers on loopback; its master URL."""
        return spark_cluster.start(self.spark_folder, workers=workers, memory=memory).master_url

    def restart_tracking_server(self) -> RoomState:
        """Stop the tracking server and start it again at the same address."""
        state = self.state()
        if state is None:
            raise PlatformError("the room is not running: `make platform` starts it")
        stop_process_group(state.tracking_pid)
        port = int(state.tracking_url.rsplit(":", 1)[1])
        process, url = start_tracking_server(self.postgres.url(DATABASE), self.artifacts_dir,
                                             self.server_log, host=state.host, port=port)
        fresh = RoomState(tracking_url=url, tracking_pid=process.pid,
                          postgres_pid=self.postgres.pid, host=state.host)
        self.state_file.write_text(json.dumps(asdict(fresh), indent=2))
        return fresh

    def status(self) -> dict[str, object]:
        """What runs and answers now, as plain facts (for ``make platform-status``)."""
        state = self.state()
        spark = self._spark_status()
        return {
            **({"spark": spark} if spark else {}),
            "postgres": "running" if self.postgres.running() else "stopped",
            "postgres_pid": self.postgres.pid,
            "tracking_url": state.tracking_url if state else None,
            "tracking_server": ("answering" if state and healthy(state.tracking_url)
                                else "running, not answering" if state
                                and _alive(state.tracking_pid) else "stopped"),
            "tracking_pid": state.tracking_pid if state else None,
        }

    def _spark_status(self) -> str:
        alive = spark_cluster.status(self.spark_folder)
        return ", ".join(f"{name} {'running' if up else 'stopped'}" for name, up in alive.items())

    def stop(self) -> None:
        """Stop the Spark cluster (if started), the tracking server (by its recorded PID) and
        PostgreSQL."""
        spark_cluster.stop(self.spark_folder)  # nothing to do when it was never started
        state = self.state()
        if state is not None:
            stop_process_group(state.tracking_pid)
            if _alive(state.tracking_pid):
                raise PlatformError(f"the tracking server (PID {state.tracking_pid}) "
                                    "did not stop")
            self.state_file.unlink(missing_ok=True)
        self.postgres.stop()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

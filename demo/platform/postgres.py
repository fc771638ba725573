"""A PostgreSQL cluster of the course's own, in a folder, reachable only through a Unix socket.

The room's MLflow tracking server stores runs and the registry here. The cluster listens on no
TCP port at all (``listen_addresses=''``): only processes on this machine that can open the
socket file reach it, and no port can be taken by someone else between choosing and binding.
PostgreSQL refuses to run as root, so when the caller is root every server command runs as the
``postgres`` user (``runuser``), which must be able to reach the folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from demo.errors import DemoError

USER = "course"  # the database role the tracking server connects as
SERVICE_USER = "postgres"


class PlatformError(DemoError):
    """A platform service could not be started, reached or stopped."""


def server_binaries() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl`` (Debian keeps them off PATH)."""
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
                      key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                      else 0)
    if not versions:
        raise PlatformError("PostgreSQL's server programs (initdb, pg_ctl) are not installed: "
                            "`apt-get install postgresql`")
    return versions[-1].parent


def as_service_user(command: list[str]) -> list[str]:
    """Run ``command`` as the postgres user when we are root (PostgreSQL refuses root)."""
    return ["runuser", "-u", SERVICE_USER, "--", *command] if os.geteuid() == 0 else command


class PostgresCluster:
    """``cluster.ensure_running(); cluster.url("mlflow")`` -> an SQLAlchemy URL for psycopg 3."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data_dir = folder / "data"
        self.socket_dir = folder / "socket"
        self.log_file = folder / "postgres.log"
        self.bin = server_binaries()

    def _run(self, command: list[str], what: str, timeout: float = 120) -> str:
        result = subprocess.run(as_service_user(command), capture_output=True, text=True,
                                timeout=timeout, check=False)
        if result.returncode != 0:
            raise PlatformError(f"{what} failed ({result.returncode}): "
                                f"{(result.stderr or result.stdout).strip()[-800:]}")
        return result.stdout

    def _prepare_folder(self) -> None:
        for folder in (self.folder, self.socket_dir):
            folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, SERVICE_USER)
            shutil.chown(self.socket_dir, SERVICE_USER)
            probe = subprocess.run(as_service_user(["test", "-w", str(self.folder)]), check=False)
            if probe.returncode != 0:
                raise PlatformError(
                    f"the {SERVICE_USER} user cannot reach {self.folder}: a folder above it is "
                    "closed to other users; choose a workspace under /tmp or /srv")

    @property
    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def initialise(self) -> None:
        """A new, empty cluster (once); the ``course`` role owns it, trusted on the socket."""
        self._prepare_folder()
        if self.initialised:
            return
        self._run([str(self.bin / "initdb"), "-D", str(self.data_dir), "-U", USER,
                   "--auth=trust", "--encoding=UTF8", "--no-instructions"], "initdb")

    def running(self) -> bool:
        if not self.initialised:
            return False
        result = subprocess.run(as_service_user([str(self.bin / "pg_ctl"), "status", "-D",
                                                 str(self.data_dir)]),
                                capture_output=True, check=False)
        return result.returncode == 0

    def start(self) -> None:
        options = f"-c listen_addresses='' -k {self.socket_dir}"
        self._run([str(self.bin / "pg_ctl"), "start", "-D", str(self.data_dir), "-w",
                   "-t", "120", "-l", str(self.log_file), "-o", options], "pg_ctl start")

    def stop(self) -> None:
        if self.running():
            self._run([str(self.bin / "pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "fast",
                       "-w", "-t", "120"], "pg_ctl stop")

    def ensure_running(self) -> None:
        self.initialise()
        if not self.running():
            self.start()

    @property
    def pid(self) -> int | None:
        pid_file = self.data_dir / "postmaster.pid"
        try:
            return int(pid_file.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None

    def create_database(self, name: str) -> None:
        """Create database ``name`` unless it exists."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(host=str(self.socket_dir), user=USER, dbname="postgres",
                             autocommit=True) as connection:
            found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                       (name,)).fetchone()
            if found is None:
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{USER}@/{database}?host={self.socket_dir}"

"""The room's services for the platform-profile tests: one room per test module."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from demo.platform.room import Room


@pytest.fixture(scope="module")
def room() -> Iterator[Room]:
    """PostgreSQL and an MLflow tracking server in a temporary folder, on a port the server
    picks itself; stopped (and the folder removed) after the module."""
    # Not pytest's tmp_path: its base folder is closed to other users, and PostgreSQL runs as
    # the postgres user when the tests run as root.
    folder = Path(tempfile.mkdtemp(prefix="course-room-"))
    folder.chmod(0o755)
    started = Room(folder / "platform")
    started.start(port=0)
    try:
        yield started
    finally:
        started.stop()
        shutil.rmtree(folder, ignore_errors=True)

"""The workshop room's services for real: PostgreSQL, an MLflow tracking server on it, and
thirty learners logging at once, through restarts of the server and of the database.

The room runs in a temporary folder on a port the server picks itself; the module stops it
and checks that no process of it is left.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from demo.platform.postgres import PlatformError
from demo.platform.room import Room
from demo.platform.room_load import check_room, run_room
from demo.platform.tracking_server import require_tracking_server

pytestmark = pytest.mark.slow
LEARNERS = 30


@pytest.fixture(scope="module")
def room() -> Iterator[Room]:
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


def test_thirty_learners_log_at_once_and_every_run_arrives_whole(room: Room) -> None:
    url = room.state().tracking_url  # type: ignore[union-attr]
    results = run_room(url, LEARNERS, experiment="room-at-once")
    assert check_room(url, results, "room-at-once") == []
    assert len({r.run_id for r in results}) == LEARNERS


def test_a_tracking_server_restart_mid_run_loses_and_duplicates_nothing(room: Room) -> None:
    url = room.state().tracking_url  # type: ignore[union-attr]
    restarted = threading.Event()

    def restart_while_learners_call() -> None:
        old_pid = room.state().tracking_pid  # type: ignore[union-attr]

        def restart() -> None:
            room.restart_tracking_server()
            restarted.set()

        threading.Thread(target=restart).start()
        psutil.Process(old_pid).wait(timeout=60)  # learners resume against a stopped server

    results = run_room(url, LEARNERS, experiment="room-server-restart",
                       halfway=restart_while_learners_call)
    assert restarted.wait(300)
    assert room.state().tracking_url == url  # type: ignore[union-attr]
    assert check_room(url, results, "room-server-restart") == []


def test_a_postgres_restart_mid_run_loses_and_duplicates_nothing(room: Room) -> None:
    url = room.state().tracking_url  # type: ignore[union-attr]
    old_pid = room.postgres.pid

    def restart_database() -> None:
        room.postgres.stop()
        room.postgres.start()

    results = run_room(url, LEARNERS, experiment="room-postgres-restart",
                       halfway=restart_database)
    assert room.postgres.pid != old_pid
    assert check_room(url, results, "room-postgres-restart") == []


def test_stop_leaves_no_process(room: Room) -> None:
    """Last in the module: the room's own stop ends every process it started."""
    state = room.state()
    assert state is not None
    server = psutil.Process(state.tracking_pid)
    pids = [state.tracking_pid, *(c.pid for c in server.children(recursive=True)),
            room.postgres.pid]
    room.stop()
    left = [pid for pid in pids if pid and psutil.pid_exists(pid)
            and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    assert left == []
    assert room.status()["postgres"] == "stopped"
    assert room.status()["tracking_server"] == "stopped"


def test_a_server_that_is_down_is_one_clear_line() -> None:
    with socket.socket() as probe:  # a port nobody listens on: bound here, never listened
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
        with pytest.raises(PlatformError) as refused:
            require_tracking_server(url, timeout=5)
    message = str(refused.value)
    assert message.startswith(f"the MLflow tracking server at {url} does not answer")
    assert "make platform" in message and "\n" not in message

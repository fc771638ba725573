"""The workshop room's services for real: PostgreSQL, an MLflow tracking server on it, and
thirty learners logging at once, through restarts of the server and of the database.

The room runs in a temporary folder on a port the server picks itself; the module stops it
and checks that no process of it is left.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import psutil
import pytest

from demo.platform import leaderboard
from demo.platform.postgres import PlatformError
from demo.platform.room import Room
from demo.platform.room_load import check_room, run_room
from demo.platform.tracking_server import require_tracking_server

pytestmark = pytest.mark.slow
LEARNERS = 30


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


def test_the_leaderboard_ranks_each_learners_best_run_on_the_common_data(room: Room) -> None:
    from mlflow import MlflowClient

    url = room.state().tracking_url  # type: ignore[union-attr]
    client = MlflowClient(tracking_uri=url)
    experiment = client.create_experiment("room-leaderboard")
    logged = [("ada", "logistic_regression", 0.86, "sample"), ("ada", "baseline", 0.50, "sample"),
              ("bo", "hist_gradient_boosting", 0.84, "sample"), ("cy", "logistic_regression",
                                                                  0.99, "other-file")]
    for learner, candidate, auc, data in logged:
        run = client.create_run(experiment, tags={"learner": learner, "data_hash": data})
        client.log_param(run.info.run_id, "candidate", candidate)
        client.log_metric(run.info.run_id, leaderboard.METRIC, auc)
    client.create_run(experiment, tags={"learner": "ada"})  # a parent run: no candidate

    best, elsewhere = leaderboard.leaderboard(leaderboard.room_runs(url, "room-leaderboard"))
    assert list(zip(best["learner"], best["candidate"], best[leaderboard.METRIC])) == [
        ("ada", "logistic_regression", 0.86), ("bo", "hist_gradient_boosting", 0.84)]
    assert list(best.index) == [1, 2]
    assert list(elsewhere["learner"]) == ["cy"]  # better, but not on the same held-out rows
    assert leaderboard.room_runs(url, "no-such-experiment").empty


def test_the_class_page_shows_the_rooms_leaderboard(room: Room, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from mlflow import MlflowClient
    from streamlit.testing.v1 import AppTest

    from demo.settings import WORKSPACE_ENV, Settings
    from tests.app.conftest import APP_SCRIPT, TIMEOUT

    url = room.state().tracking_url  # type: ignore[union-attr]
    monkeypatch.setenv(WORKSPACE_ENV, str(tmp_path / "workspace"))
    # A laptop registry set earlier in this process (the laptop profile sets one), holding a
    # version whose run exists only there: the page must still read the server's registry.
    import mlflow
    from mlflow.tracking._model_registry import utils as registry_utils

    laptop = f"sqlite:///{tmp_path / 'laptop.db'}"
    local = MlflowClient(tracking_uri=laptop, registry_uri=laptop)
    local_run = local.create_run(local.create_experiment("laptop"))
    local.create_registered_model(Settings.from_env().model_name)
    local.create_model_version(Settings.from_env().model_name, "file:///nowhere",
                               run_id=local_run.info.run_id)
    monkeypatch.setattr(registry_utils, "_registry_uri", registry_utils._registry_uri)
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", laptop)
    mlflow.set_registry_uri(laptop)
    client = MlflowClient(tracking_uri=url)
    experiment = client.create_experiment(Settings.from_env().experiment_name)
    for learner, auc in (("ada", 0.86), ("bo", 0.84)):
        run = client.create_run(experiment, tags={"learner": learner, "data_hash": "sample"})
        client.log_param(run.info.run_id, "candidate", "logistic_regression")
        client.log_metric(run.info.run_id, leaderboard.METRIC, auc)

    app = AppTest.from_file(str(APP_SCRIPT), default_timeout=TIMEOUT).run()
    app.switch_page("views/class_room.py").run()
    app.text_input(key="room_tracking_url").set_value(url).run()
    assert not app.exception, [e.message for e in app.exception]
    assert [m.value for m in app.metric] == ["2", "2"]
    board = app.dataframe[0].value
    assert list(board["learner"]) == ["ada", "bo"]
    assert "No model registered on the server yet." in [m.value for m in app.markdown]


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

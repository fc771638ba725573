"""The Spark data layer on a real standalone cluster (a master and two workers on loopback)
gives what the pandas data layer gives; stopping the cluster leaves no process behind."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from demo.paths import SAMPLE_RAW_CSV
from demo.platform import spark_cluster
from demo.platform.room import Room
from demo.platform.spark_data_layer import run_spark_data_layer, spark_session
from demo.settings import Settings
from tests.platform_profile.spark_compare import assert_equivalent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[Path, spark_cluster.ClusterState]]:
    folder = Path(tempfile.mkdtemp(prefix="course-spark-"))
    state = spark_cluster.start(folder, memory="1g")
    try:
        yield folder, state
    finally:
        spark_cluster.stop(folder)
        shutil.rmtree(folder, ignore_errors=True)


def test_the_sample_on_master_and_two_workers(cluster: tuple[Path, spark_cluster.ClusterState],
                                              tmp_path: Path) -> None:
    folder, state = cluster
    assert spark_cluster.status(folder) == {"master": True, "worker-1": True, "worker-2": True}
    session = spark_session(state.master_url, shuffle_partitions=2, driver_memory="1g")
    try:
        assert session.sparkContext.master == state.master_url
        summary = run_spark_data_layer(Settings(workspace=tmp_path / "spark"), SAMPLE_RAW_CSV,
                                       spark=session)
    finally:
        session.stop()
    assert summary["master"] == state.master_url
    assert_equivalent(tmp_path, SAMPLE_RAW_CSV, summary)


def test_the_rooms_cluster_stops_with_the_room_and_leaves_no_process() -> None:
    """``make platform PLATFORM_SPARK=1`` starts it through the room; ``platform-stop`` too."""
    folder = Path(tempfile.mkdtemp(prefix="course-spark-"))
    room = Room(folder)
    try:
        master = room.start_spark(workers=2, memory="512m")
        state = spark_cluster.ClusterState(**json.loads(
            (room.spark_folder / spark_cluster.STATE_FILE).read_text()))
        assert state.master_url == master
        pids = [state.master_pid, *state.worker_pids]
        assert all(psutil.pid_exists(pid) for pid in pids)
        assert room.status()["spark"] == "master running, worker-1 running, worker-2 running"
        room.stop()  # the room's PostgreSQL was never started: only Spark to stop
        assert not any(psutil.pid_exists(pid) for pid in pids)
        assert "spark" not in room.status()
    finally:
        spark_cluster.stop(room.spark_folder)
        shutil.rmtree(folder, ignore_errors=True)

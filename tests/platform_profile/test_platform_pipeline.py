"""The whole pipeline on the platform profile, as a learner in a room runs it: the data layer
on Spark, every run and the registry on the room's tracking server (PostgreSQL behind it),
nothing tracked in the learner's own workspace.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from demo.paths import PROJECT_ROOT
from demo.platform import leaderboard
from demo.platform.room import Room
from demo.settings import Settings

pytestmark = pytest.mark.slow


def run_demo(workspace: Path, tracking_url: str, learner: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MLFLOW_TRACKING_URI": tracking_url, "LEARNER": learner}
    env.pop("DEMO_PROFILE", None)
    return subprocess.run(
        [sys.executable, "-m", "demo", "run", "--workspace", str(workspace),
         "--profile", "platform"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)


def test_a_learner_runs_the_whole_pipeline_on_the_platform(room: Room, tmp_path: Path) -> None:
    from mlflow import MlflowClient

    url = room.state().tracking_url  # type: ignore[union-attr]
    workspace = tmp_path / "ada"
    done = run_demo(workspace, url, "ada")
    assert done.returncode == 0, done.stderr[-3000:]

    summary = json.loads((workspace / "reports" / "run_summary.json").read_text())
    assert summary["engine"] == "spark"  # the data layer ran on Spark
    assert summary["rows_read"] == (summary["rows_silver"] + summary["rows_quarantined"]
                                    + summary["duplicates_dropped"])
    assert not (workspace / "mlflow.db").exists()  # tracked on the server, not here
    assert "View run" not in done.stdout  # MLflow's link per run is silenced
    validated = subprocess.run(  # Spark's data step checked the contract: validate shows it
        [sys.executable, "-m", "demo", "validate", "--workspace", str(workspace),
         "--profile", "platform"], cwd=PROJECT_ROOT, capture_output=True, text=True,
        timeout=120, check=False)
    assert validated.returncode == 0, validated.stderr[-3000:]
    assert f"silver {summary['run_id']}: passed" in " ".join(validated.stdout.split())

    settings = Settings()
    client = MlflowClient(tracking_uri=url, registry_uri=url)
    champion = client.get_model_version_by_alias(settings.model_name, "champion")
    assert client.get_run(champion.run_id).data.tags["learner"] == "ada"
    best, _ = leaderboard.leaderboard(leaderboard.room_runs(url, settings.experiment_name))
    assert list(best["learner"]) == ["ada"]
    promotions = leaderboard.promotions(url, settings.model_name)
    assert set(promotions["learner"]) == {"ada"}
    serving = promotions.set_index("version").loc[int(champion.version), "aliases"]
    assert "champion" in serving.split(", ")  # search results leave aliases out
    registered = {int(summary["registry"]["version"]),
                  int(summary["retrain"]["challenger_version"])}
    assert registered <= set(promotions["version"])  # the retraining registered there too

    # The instructor promotes the room's best run with the learners' promotion policy.
    promoted = subprocess.run(
        [sys.executable, "-m", "demo", "platform", "promote", "--profile", "platform",
         "--workspace", str(tmp_path / "instructor")],
        cwd=PROJECT_ROOT, env={**os.environ, "MLFLOW_TRACKING_URI": url}, capture_output=True,
        text=True, timeout=300, check=False)
    assert promoted.returncode == 0, promoted.stderr[-3000:]
    best_run = client.get_run(best.iloc[0]["run_id"])
    judged = client.get_model_version(settings.model_name,
                                      best_run.data.tags["registered_version"])
    assert judged.tags["promotion_decision"] in ("promoted", "kept_champion")
    assert judged.tags["promotion_reason"] in promoted.stdout
    champion_now = client.get_model_version_by_alias(settings.model_name, "champion").version
    assert f"champion: version {champion_now}" in promoted.stdout


def test_a_room_server_that_is_down_stops_the_run_before_any_work(tmp_path: Path) -> None:
    with socket.socket() as probe:  # bound, never listened: nobody answers there
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
        done = run_demo(tmp_path / "bo", url, "bo")
    assert done.returncode == 2
    assert f"the MLflow tracking server at {url} does not answer" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "bo" / "lake").exists()  # stopped before the data layer

"""The head start (``demo.head_start``): a fresh MLflow store made by a second process.

It must leave the same store ``open_store`` would make, never race a store that exists,
and start only when the steps chosen include training.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from demo import head_start, steps
from demo.model_layer.store import open_store
from demo.settings import Settings


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.delenv("DEMO_PROFILE", raising=False)
    return Settings.from_env(tmp_path / "workspace", experiment_name="head-start-test")


def test_the_child_makes_the_store_and_experiment_training_opens(settings: Settings) -> None:
    child = head_start.prepare_store(settings)
    assert child is not None
    head_start.wait_for(child)
    assert child.returncode == 0
    store = open_store(settings, create=False)  # raises if the experiment were missing
    experiment = store.client.get_experiment(store.experiment_id)
    assert experiment.name == "head-start-test"
    assert experiment.artifact_location == settings.artifacts_dir.as_uri()


def test_an_existing_store_is_left_alone(settings: Settings) -> None:
    open_store(settings)
    assert head_start.prepare_store(settings) is None


def test_run_all_starts_it_only_when_steps_run_before_training(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[Settings] = []
    monkeypatch.setattr(steps, "prepare_store", lambda s: started.append(s))
    monkeypatch.setattr(steps, "run_step", lambda key, catalog, **options: {})
    steps.run_all(settings, until="features")  # no training
    steps.run_all(settings, start="train", until="train")  # training first: nothing to overlap
    assert started == []
    steps.run_all(settings, start="features", until="train")
    assert started == [settings]

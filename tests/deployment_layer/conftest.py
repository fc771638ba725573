"""One small champion per test session, made by the pipeline's own steps.

Tests that change the registry (reload, retraining) work on a copy of the session's
workspace, so the shared champion never moves under another test.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from demo.settings import Settings
from demo.step_record import load_record
from demo.steps import run_all
from demo.synthetic.export import write_csv
from demo.synthetic.scenarios import generate_batch

TRAIN_ROWS = 2_000


@pytest.fixture(scope="session")
def trained_workspace(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A workspace with a registered champion and its gold table (read-only for tests): the
    steps from a generated export to the registry, with the contract skipped (the data tests'
    subject) and one untuned candidate."""
    folder = tmp_path_factory.mktemp("deploy")
    write_csv(generate_batch(TRAIN_ROWS, 1, "baseline", dirty=True), folder / "export.csv")
    settings = Settings.from_env(folder / "workspace")
    run_all(settings, {"raw": {"source": folder / "export.csv"}, "contract": {"skip": True},
                       "train": {"candidates": ("hist_gradient_boosting",), "trials": 1}},
            until="registry")
    assert load_record(settings)["registry"]["summary"]["alias"] == "champion"
    return settings


@pytest.fixture
def workspace_copy(trained_workspace: Settings, tmp_path: Path) -> Settings:
    """A private copy of the trained workspace, free to change (its registry included)."""
    copy = tmp_path / "workspace"
    shutil.copytree(trained_workspace.workspace, copy,
                    ignore=shutil.ignore_patterns("predictions.jsonl"))
    return trained_workspace.with_workspace(copy)


@pytest.fixture(scope="module")
def client(trained_workspace: Settings) -> Iterator[TestClient]:
    from demo.deployment_layer.api import create_app

    with TestClient(create_app(trained_workspace, challenger_share=0.0)) as test_client:
        yield test_client


"""One small champion per test session, trained and registered by the model layer itself.

Tests that change the registry (reload, retraining) work on a copy of the session's
workspace, so the shared champion never moves under another test.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from demo.labs.common import generated_gold, train_champion
from demo.settings import Settings

TRAIN_ROWS = 2_000


@pytest.fixture(scope="session")
def trained_workspace(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A workspace with a registered champion and its gold table (read-only for tests)."""
    settings = Settings.from_env(tmp_path_factory.mktemp("deploy") / "workspace")
    outcome = train_champion(settings, generated_gold(TRAIN_ROWS, seed=1))
    assert outcome.decision.promote, outcome.decision
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


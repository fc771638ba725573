"""One small champion per test session, trained and registered by the model layer itself.

Tests that change the registry (reload, retraining) work on a copy of the session's
workspace, so the shared champion never moves under another test.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from demo.feature_spec import CATEGORICAL_INPUTS, LABEL_COLUMN, POSITIVE_LABEL
from demo.settings import Settings
from demo.synthetic.customers import draw_customers
from demo.synthetic.scenarios import get_scenario

TRAIN_ROWS = 2_000


def gold_like(frame: pd.DataFrame) -> pd.DataFrame:
    """A clean generated frame in the gold table's types (text categories, 0/1 churn)."""
    gold = frame.copy()
    for name in CATEGORICAL_INPUTS:
        gold[name] = gold[name].astype(str)
    gold["customer_id"] = gold["customer_id"].astype(str)
    if LABEL_COLUMN in gold:
        gold[LABEL_COLUMN] = (gold[LABEL_COLUMN].astype(str) == POSITIVE_LABEL).astype(int)
    return gold


def customers(rows: int, seed: int, scenario: str = "baseline", id_start: int = 0
              ) -> pd.DataFrame:
    return gold_like(draw_customers(rows, seed, get_scenario(scenario).params, id_start))


def train_champion(settings: Settings, gold: pd.DataFrame) -> str:
    """Train one HistGradientBoosting candidate, register it and let the policy promote it."""
    from demo.model_layer.runner import register_and_promote
    from demo.model_layer.train import TrainingConfig, train_candidates

    config = TrainingConfig(candidates=("hist_gradient_boosting",), trials=1,
                            seed=settings.seed)
    training = train_candidates(settings, gold, config)
    version, outcome = register_and_promote(settings, training)
    assert outcome.decision.promote, outcome.decision.reason
    return version


def write_gold(settings: Settings, gold: pd.DataFrame) -> Path:
    """Put a gold table where the data layer keeps them (the monitor's reference)."""
    settings.gold_dir.mkdir(parents=True, exist_ok=True)
    path = settings.gold_dir / "gold_test.parquet"
    gold.to_parquet(path, index=False)
    return path


@pytest.fixture(scope="session")
def trained_workspace(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A workspace with a registered champion and its gold table (read-only for tests)."""
    settings = Settings.from_env(tmp_path_factory.mktemp("deploy") / "workspace")
    gold = customers(TRAIN_ROWS, seed=1)
    train_champion(settings, gold)
    write_gold(settings, gold)
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

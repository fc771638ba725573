"""Behavioural tests of the champion, as a product owner would state them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from demo.model_layer.loading import LoadedModel, load_model
from tests.model_layer.conftest import SessionModels


@pytest.fixture(scope="module")
def champion(session_models: SessionModels) -> LoadedModel:
    return load_model(session_models.settings)


@pytest.fixture(scope="module")
def test_rows(session_models: SessionModels) -> pd.DataFrame:
    return session_models.training.split.test


def _churn(model: LoadedModel, rows: pd.DataFrame) -> np.ndarray:
    return model.model.predict_proba(rows)[:, 1]


def test_invariance_to_customer_id(champion: LoadedModel, test_rows: pd.DataFrame) -> None:
    renamed = test_rows.assign(customer_id=[f"0000-X{i:04d}" for i in range(len(test_rows))])
    np.testing.assert_array_equal(_churn(champion, renamed), _churn(champion, test_rows))


def test_invariance_to_gender(champion: LoadedModel, test_rows: pd.DataFrame) -> None:
    flipped = test_rows.assign(
        gender=test_rows["gender"].map({"Female": "Male", "Male": "Female"}))
    change = np.abs(_churn(champion, flipped) - _churn(champion, test_rows))
    assert change.mean() < 0.02 and change.max() < 0.06, (change.mean(), change.max())


def test_two_year_contract_lowers_churn_risk(champion: LoadedModel,
                                             test_rows: pd.DataFrame) -> None:
    monthly = _churn(champion, test_rows.assign(contract="Month-to-month"))
    two_year = _churn(champion, test_rows.assign(contract="Two year"))
    assert (two_year < monthly).mean() > 0.95
    assert (monthly - two_year).mean() > 0.1


def test_champion_clearly_beats_the_baseline(session_models: SessionModels,
                                             champion: LoadedModel) -> None:
    baseline = session_models.training.candidates["baseline"].test["roc_auc"]
    assert champion.metrics["test_roc_auc"] >= baseline + 0.2
    assert champion.metrics["test_pr_auc"] >= session_models.training.candidates[
        "baseline"].test["pr_auc"] + 0.2

"""Re-training from a run's recorded params and data hash gives the same metrics."""

from __future__ import annotations

import pytest

from demo.errors import ModelError
from demo.model_layer.loading import reproduce_run
from tests.model_layer.conftest import SessionModels


@pytest.mark.parametrize("name", ["logistic_regression", "hist_gradient_boosting"])
def test_recorded_run_reproduces_its_metrics(session_models: SessionModels, name: str) -> None:
    original = session_models.training.candidates[name]
    run_id = session_models.tracked.run_ids[name]
    again = reproduce_run(session_models.settings, run_id, session_models.gold)
    assert again["decision_threshold"] == original.threshold
    for metric, value in original.test.items():
        assert again[metric] == pytest.approx(value, rel=1e-9, abs=1e-12), metric


def test_reproduction_refuses_other_data(session_models: SessionModels) -> None:
    run_id = session_models.tracked.run_ids[session_models.training.best.name]
    changed = session_models.gold.assign(tenure=session_models.gold["tenure"] + 1)
    with pytest.raises(ModelError, match="data differs from run"):
        reproduce_run(session_models.settings, run_id, changed)

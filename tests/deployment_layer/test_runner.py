"""The deployment layer's loop as the pipeline runs it: serve, score, monitor, retrain."""

from __future__ import annotations

import json

import pytest

from demo.deployment_layer.prediction_log import read_prediction_log
from demo.deployment_layer.runner import SAMPLE_REQUESTS, run_deployment_layer
from demo.model_layer.registry import version_by_alias
from demo.settings import Settings

pytestmark = pytest.mark.slow


def test_loop_serves_scores_monitors_retrains_and_reloads(workspace_copy: Settings) -> None:
    summary = run_deployment_layer(workspace_copy, scenario="churn_shift", rows=2_000)
    assert summary["api_answered_by_version"] == "1"
    assert summary["api_serving_route"] == "fast path (fitted encoder parameters + " \
                                           "scikit-learn classifier)"
    assert summary["batch_scored"] + summary["batch_quarantined"] <= 2_000
    assert summary["batch_scored"] > 1_000
    report = json.loads((workspace_copy.reports_dir / "drift_latest.json").read_text())
    assert report["verdict"] == summary["drift_verdict"]
    # Concept drift: a challenger that has seen the new behaviour beats the champion on
    # fresh rows of it, is promoted, and the running API serves it after the reload.
    assert summary["promoted"] is True, summary["promotion_reason"]
    assert summary["promotion_reason"].startswith("promoted: challenger roc_auc")
    champion = str(version_by_alias(workspace_copy, "champion").version)
    assert champion == summary["challenger_version"] == summary["api_serves_after_reload"]
    assert len(read_prediction_log(workspace_copy.prediction_log)) == 2 * SAMPLE_REQUESTS

"""The deployment layer's steps as the pipeline runs them: serve, monitor (score), retrain."""

from __future__ import annotations

import json

import pytest

from demo.catalog import Catalog
from demo.deployment_layer import steps
from demo.deployment_layer.prediction_log import read_prediction_log
from demo.model_layer.registry import version_by_alias
from demo.settings import Settings

pytestmark = pytest.mark.slow


def test_steps_serve_score_monitor_and_retrain(workspace_copy: Settings) -> None:
    catalog = Catalog(workspace_copy)
    served = steps.serve(catalog, traffic="churn_shift", rows=steps.SAMPLE_REQUESTS,
                         dirty=False, singles=steps.SAMPLE_REQUESTS, challenger_share=0.0)
    summary = served.summary
    assert summary["api_answered_by_version"] == "1"
    assert summary["api_serving_route"] == "fast path (fitted encoder parameters + " \
                                           "scikit-learn classifier)"
    assert summary["api_requests"] == steps.SAMPLE_REQUESTS + 1  # one by one, then a batch
    assert len(read_prediction_log(workspace_copy.prediction_log)) == 2 * steps.SAMPLE_REQUESTS

    monitored = steps.monitor(catalog, traffic="churn_shift", rows=2_000).summary
    assert monitored["batch_scored"] + monitored["batch_quarantined"] <= 2_000
    assert monitored["batch_scored"] > 1_000
    assert len(catalog.load("scores")) == monitored["batch_scored"]
    report = json.loads(catalog.path("drift_report").read_text())
    assert report["verdict"] == monitored["verdict"]

    # Concept drift: a challenger that has seen the new behaviour beats the champion on
    # fresh rows of it, is promoted, and a freshly started API serves it.
    retrained = steps.retrain(catalog).summary
    assert retrained["promoted"] is True, retrained["reason"]
    assert retrained["reason"].startswith("promoted: challenger roc_auc")
    champion = str(version_by_alias(workspace_copy, "champion").version)
    assert champion == retrained["challenger_version"] == retrained["api_serves_after_reload"]

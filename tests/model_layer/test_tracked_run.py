"""What one training call leaves in MLflow: runs, params, metrics, artifacts, lineage, model."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

import pandas as pd
import pytest
import yaml

from demo.feature_spec import SPEC_VERSION
from demo.model_layer.lineage import dataset_hash
from tests.model_layer.conftest import SESSION_SEED, SessionModels, checkout_commit


def _client(models: SessionModels):
    from demo.model_layer.store import open_store

    return open_store(models.settings, create=False).client


def _artifact_dir(run) -> Path:
    return Path(unquote(urlparse(run.info.artifact_uri).path))


def test_store_and_artifacts_live_in_the_workspace(session_models: SessionModels) -> None:
    settings = session_models.settings
    assert settings.mlflow_db.is_file()
    run = _client(session_models).get_run(session_models.tracked.parent_run_id)
    assert _artifact_dir(run).is_relative_to(settings.artifacts_dir)
    experiment = _client(session_models).get_experiment(run.info.experiment_id)
    assert experiment.name == settings.experiment_name


def test_parent_run_has_lineage_split_and_contract(session_models: SessionModels) -> None:
    client = _client(session_models)
    run = client.get_run(session_models.tracked.parent_run_id)
    tags = run.data.tags
    assert tags["data_hash"] == dataset_hash(session_models.gold)
    assert tags["rows_total"] == str(len(session_models.gold))
    sizes = session_models.training.split.sizes()
    assert {tags[f"rows_{k}"] for k in sizes} == {str(v) for v in sizes.values()}
    assert tags["feature_spec_version"] == SPEC_VERSION
    assert tags["generator_seed"] == str(SESSION_SEED)
    assert tags["git_commit"] == checkout_commit()
    assert run.data.params["trials"] == "2"
    assert run.data.params["cost.offer_cost"] == "50.0"
    policy = session_models.settings.policy
    assert run.data.params["policy.promotion.margin"] == str(policy.promotion_margin)
    assert run.data.params["policy.monitoring.psi_severe"] == str(policy.monitoring_psi_severe)
    folder = _artifact_dir(run)
    manifest = pd.read_parquet(folder / "split" / "manifest.parquet")
    assert sorted(manifest["customer_id"]) == sorted(session_models.gold["customer_id"])
    test_rows = pd.read_parquet(folder / "split" / "test.parquet")
    assert test_rows["customer_id"].tolist() == session_models.training.split.test[
        "customer_id"].tolist()
    contract = (folder / "data_contract" / "validation.json").read_text()
    assert '"success": true' in contract


def test_each_candidate_run_has_params_metrics_plots_and_model(
    session_models: SessionModels,
) -> None:
    client = _client(session_models)
    for result in session_models.training.candidates.values():
        run = client.get_run(session_models.tracked.run_ids[result.name])
        assert run.data.tags["mlflow.parentRunId"] == session_models.tracked.parent_run_id
        assert run.data.tags["data_hash"] == session_models.tracked.data_hash
        assert run.data.params["candidate"] == result.name
        assert {f"hp.{k}" for k in result.params} <= set(run.data.params)
        for split in ("validation", "test"):
            for metric in ("roc_auc", "pr_auc", "f1", "precision", "recall", "log_loss",
                           "brier", "expected_cost_per_customer"):
                assert f"{split}_{metric}" in run.data.metrics, (result.name, metric)
        assert run.data.metrics["decision_threshold"] == pytest.approx(result.threshold)
        assert run.data.tags["decision_threshold"] == str(result.threshold)
        plots = {p.name for p in (_artifact_dir(run) / "plots").iterdir()}
        expected = {"confusion_matrix.png", "roc_curve.png", "pr_curve.png",
                    "calibration_curve.png"}
        if result.name != "baseline":
            expected.add("permutation_importance.png")
        assert plots == expected, result.name
        for plot in plots:
            assert (_artifact_dir(run) / "plots" / plot).read_bytes()[:4] == b"\x89PNG"


def test_tuning_trials_are_nested_runs(session_models: SessionModels) -> None:
    client = _client(session_models)
    for name in ("logistic_regression", "hist_gradient_boosting"):
        candidate_run = session_models.tracked.run_ids[name]
        trials = client.search_runs(
            [session_models.tracked.experiment_id],
            filter_string=f"tags.mlflow.parentRunId = '{candidate_run}'",
        )
        assert len(trials) == 2, name
        scores = [trial.data.metrics["validation_roc_auc"] for trial in trials]
        best = max(scores)
        chosen = client.get_run(candidate_run).data.metrics["validation_roc_auc"]
        assert chosen == pytest.approx(best)


def test_logged_model_has_signature_example_and_pinned_requirements(
    session_models: SessionModels,
) -> None:
    best = session_models.training.best
    model_id = session_models.tracked.model_uris[best.name].removeprefix("models:/")
    local = Path(unquote(urlparse(
        _client(session_models).get_logged_model(model_id).artifact_location).path))
    mlmodel = yaml.safe_load((local / "MLmodel").read_text())
    inputs = mlmodel["signature"]["inputs"]
    assert "contract" in inputs and "customer_id" not in inputs
    assert mlmodel["flavors"]["sklearn"]["serialization_format"] == "skops"
    assert (local / "input_example.json").exists() or "saved_input_example_info" in mlmodel
    requirements = (local / "requirements.txt").read_text().split()
    assert any(r.startswith("scikit-learn==") for r in requirements)
    assert all("==" in r for r in requirements)


def test_a_run_whose_logging_fails_is_marked_failed(settings) -> None:
    """Like mlflow.start_run: a run never stays RUNNING after the code writing it raised."""
    from demo.model_layer.store import open_store
    from demo.model_layer.tracking import open_run

    store = open_store(settings)
    with (pytest.raises(RuntimeError, match="disk full"),
          open_run(store, "doomed", params={"seed": 1}) as run_id):
        raise RuntimeError("disk full")
    run = store.client.get_run(run_id)
    assert run.info.status == "FAILED" and run.data.params == {"seed": "1"}
    with open_run(store, "fine") as finished:
        pass
    assert store.client.get_run(finished).info.status == "FINISHED"

"""The model layer's steps as the workshop runs them: train and track, register and promote.

Thin calls into ``demo.model_layer``; MLflow holds the runs, the record keeps their ids.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pandas as pd

from demo.errors import DemoError
from demo.settings import Settings
from demo.walkthrough.catalogue import Presets
from demo.walkthrough.data_steps import load_table
from demo.walkthrough.record import require, save_step, step_result

QUICK_TRIALS = 1  # "run all" trains each candidate once, on its defaults


def run_train(
    settings: Settings,
    presets: Presets | None = None,
    candidates: tuple[str, ...] | None = None,
    params: dict[str, dict[str, Any]] | None = None,
    trials: int = QUICK_TRIALS,
) -> dict:
    """Train the chosen candidates on gold and track everything in MLflow."""
    from demo.model_layer.train import TrainingConfig, train_candidates

    require(settings, "train")
    defaults = TrainingConfig()
    config = TrainingConfig(candidates=tuple(candidates or defaults.candidates),
                            params=dict(params or {}), trials=trials, seed=settings.seed)
    result = train_candidates(settings, load_table(settings, "features"), config)
    summary = {
        "parent_run_id": result.parent_run_id,
        "experiment_id": result.experiment_id,
        "data_hash": result.data_hash,
        "best": result.best.name,
        "metrics": result.metrics_table(),
        "candidates": {
            c.name: {"run_id": c.run_id, "model_uri": c.model_uri, "params": c.params,
                     "threshold": c.threshold, "plots": str(artifact_dir(c.run_id) / "plots")}
            for c in result.candidates.values()
        },
        "split_sizes": result.split.sizes(),
    }
    return save_step(settings, "train", [settings.mlflow_db, artifact_dir(result.parent_run_id)],
                     summary)


def artifact_dir(run_id: str) -> Path:
    """The local folder of a run's artifacts (the workspace's artifact root is local)."""
    import mlflow

    uri = mlflow.get_run(run_id).info.artifact_uri
    return Path(unquote(urlparse(uri).path))


def runs_table(settings: Settings) -> pd.DataFrame:
    """Every candidate run tracked in the workspace, newest first: the runs compared."""
    import mlflow

    from demo.model_layer.tracking import use_workspace_tracking

    experiment_id = use_workspace_tracking(settings, create=False)
    runs = mlflow.search_runs([experiment_id], filter_string="tags.decision_threshold != ''",
                              order_by=["attributes.start_time DESC"])
    wanted = ["tags.mlflow.runName", "start_time", "metrics.validation_roc_auc",
              "metrics.test_roc_auc", "metrics.test_f1", "metrics.decision_threshold",
              "params.trials", "run_id"]
    table = runs[[c for c in wanted if c in runs.columns]]
    return table.rename(columns=lambda c: c.split(".", 1)[-1].replace("mlflow.runName", "run"))


def training_summary(settings: Settings) -> dict:
    return step_result(settings, "train")["summary"]


def run_registry(
    settings: Settings, presets: Presets | None = None, candidate: str | None = None,
    margin: float | None = None,
) -> dict:
    """Register a trained candidate (the best by default) and let the policy promote it.

    The challenger is judged against the champion on the training run's test split, the
    rows no model was tuned on.
    """
    from demo.model_layer.registry import DEFAULT_MARGIN, apply_promotion, register, version_tags

    require(settings, "registry")
    training = training_summary(settings)
    name = candidate or training["best"]
    chosen = training["candidates"].get(name)
    if chosen is None:
        raise DemoError(f"'{name}' was not trained in the last training run: choose one of "
                        + ", ".join(training["candidates"]))
    version = register(settings, chosen["model_uri"], chosen["run_id"],
                       version_tags(name, chosen["threshold"], training["data_hash"]))
    holdout = pd.read_parquet(artifact_dir(training["parent_run_id"]) / "split" / "test.parquet")
    outcome = apply_promotion(settings, version, holdout,
                              DEFAULT_MARGIN if margin is None else margin)
    summary = {"candidate": name, "version": version, **outcome.to_dict()}
    return save_step(settings, "registry", [settings.mlflow_db], summary)


def registry_versions(settings: Settings) -> pd.DataFrame:
    """Every registered version of the model: aliases, candidate, threshold, decision."""
    import mlflow

    from demo.model_layer.tracking import use_workspace_tracking

    use_workspace_tracking(settings, create=False)
    client = mlflow.tracking.MlflowClient()
    versions = client.search_model_versions(f"name = '{settings.model_name}'")
    aliases: dict[str, list[str]] = {}  # search results leave aliases out: ask the model
    if versions:
        for alias, version in client.get_registered_model(settings.model_name).aliases.items():
            aliases.setdefault(str(version), []).append(alias)
    return pd.DataFrame(
        [
            {
                "version": int(v.version),
                "aliases": ", ".join(sorted(aliases.get(str(v.version), []))),
                "candidate": v.tags.get("candidate", ""),
                "decision_threshold": v.tags.get("decision_threshold", ""),
                "promotion": v.tags.get("promotion_decision", ""),
                "reason": v.tags.get("promotion_reason", ""),
                "run_id": v.run_id,
            }
            for v in versions
        ],
        columns=["version", "aliases", "candidate", "decision_threshold", "promotion",
                 "reason", "run_id"],
    ).sort_values("version", ascending=False, ignore_index=True)

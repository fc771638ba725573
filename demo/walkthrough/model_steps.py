"""The model layer's steps as the workshop runs them: train and track, register and promote.

Thin calls into ``demo.model_layer``; MLflow holds the runs, the record keeps their ids.
"""

from __future__ import annotations

from typing import Any

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
    from demo.model_layer.loading import artifact_dir
    from demo.model_layer.runner import train_and_track
    from demo.model_layer.store import open_store
    from demo.model_layer.train import TrainingConfig

    require(settings, "train")
    config = TrainingConfig.from_settings(settings, params=dict(params or {}), trials=trials,
                                          **({"candidates": tuple(candidates)} if candidates
                                             else {}))
    tracked = train_and_track(settings, load_table(settings, "features"), config)
    store = open_store(settings, create=False)
    summary = {
        "parent_run_id": tracked.parent_run_id,
        "experiment_id": tracked.experiment_id,
        "data_hash": tracked.data_hash,
        "best": tracked.training.best.name,
        "metrics": [
            {"candidate": c.name, "run_id": tracked.run_ids[c.name], "threshold": c.threshold,
             **{f"validation_{k}": v for k, v in c.validation.items()},
             **{f"test_{k}": v for k, v in c.test.items()}}
            for c in tracked.training.candidates.values()
        ],
        "candidates": {
            c.name: {"run_id": tracked.run_ids[c.name], "model_uri": tracked.model_uris[c.name],
                     "params": c.params, "threshold": c.threshold,
                     "plots": str(artifact_dir(store, tracked.run_ids[c.name]) / "plots")}
            for c in tracked.training.candidates.values()
        },
        "split_sizes": tracked.training.split.sizes(),
    }
    return save_step(settings, "train",
                     [settings.mlflow_db, artifact_dir(store, tracked.parent_run_id)], summary)


def runs_table(settings: Settings) -> pd.DataFrame:
    """Every candidate run tracked in the workspace, newest first: the runs compared."""
    from demo.model_layer.loading import all_runs
    from demo.model_layer.store import open_store

    runs = all_runs(open_store(settings, create=False), "tags.decision_threshold != ''")
    return pd.DataFrame(
        [{"run": r.data.tags.get("mlflow.runName"),
          "start_time": pd.to_datetime(r.info.start_time, unit="ms", utc=True),
          **{name: r.data.metrics.get(name) for name in (
              "validation_roc_auc", "test_roc_auc", "test_f1", "decision_threshold")},
          "trials": r.data.params.get("trials"), "run_id": r.info.run_id} for r in runs],
        columns=["run", "start_time", "validation_roc_auc", "test_roc_auc", "test_f1",
                 "decision_threshold", "trials", "run_id"])


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
    from demo.model_layer.loading import artifact_dir
    from demo.model_layer.registry import ModelToRegister, register_and_promote
    from demo.model_layer.store import open_store

    require(settings, "registry")
    training = training_summary(settings)
    name = candidate or training["best"]
    chosen = training["candidates"].get(name)
    if chosen is None:
        raise DemoError(f"'{name}' was not trained in the last training run: choose one of "
                        + ", ".join(training["candidates"]))
    store = open_store(settings, create=False)
    holdout = pd.read_parquet(artifact_dir(store, training["parent_run_id"]) / "split"
                              / "test.parquet")
    outcome = register_and_promote(
        settings, ModelToRegister(name, chosen["model_uri"], chosen["run_id"],
                                  chosen["threshold"], training["data_hash"]),
        holdout, margin)
    version = outcome.challenger_version
    summary = {"candidate": name, "version": version, **outcome.to_dict()}
    return save_step(settings, "registry", [settings.mlflow_db], summary)


def registry_versions(settings: Settings) -> pd.DataFrame:
    """Every registered version of the model: aliases, candidate, threshold, decision."""
    from demo.model_layer.store import open_store

    client = open_store(settings, create=False).client
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

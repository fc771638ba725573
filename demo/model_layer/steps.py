"""The model layer's steps: train and track the candidates, register and promote one.

Training reads gold from the catalog; everything it makes lives in MLflow, and the step's
record keeps the run ids the registry step needs. ``train_and_track`` and
``best_to_register`` are the plain functions under the steps: retraining uses them too.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from demo.catalog import Catalog
from demo.errors import ContractError, DemoError
from demo.model_layer.lineage import dataset_hash, generator_seed, lineage_tags
from demo.model_layer.loading import artifact_dir, recorded_test_split
from demo.model_layer.registry import ModelToRegister, register_and_promote
from demo.model_layer.split import split_gold
from demo.model_layer.store import open_store
from demo.model_layer.tracking import TrackedTraining, log_training
from demo.model_layer.train import TrainingConfig, fit_candidates
from demo.settings import Settings
from demo.step_record import Done, load_record


def contract_verdict(catalog: Catalog, force: bool = False) -> dict[str, Any] | None:
    """The data contract's report on the newest gold table (``None`` when it is another
    table's); ``ContractError`` when the latest contract run failed, unless ``force``.

    The features step writes no gold table for a failed run, so a failed latest validation
    means the newest gold table is from an earlier run, not from the data just ingested."""
    gold_run = catalog.run_id("gold")
    report: dict[str, Any] = catalog.load("validation") if catalog.exists("validation") else {}
    summary = report.get("summary", {})
    if summary.get("success") is False and not force:
        failures = summary.get("critical_failures") or []
        run_id = report.get("run_id", "?")
        raise ContractError(
            f"the latest data contract run ({run_id}) failed"
            + (f" on: {'; '.join(str(f) for f in failures[:3])}" if failures else "")
            + ("" if gold_run == run_id else
               f"; the newest gold table ({gold_run}) is from an earlier run")
            + ": fix the data and run `python -m demo ingest`, or pass --force to train anyway")
    return report if report.get("run_id") == gold_run else None


def train_and_track(settings: Settings, gold: pd.DataFrame, config: TrainingConfig,
                    validation_report: dict[str, Any] | None = None,
                    holdout: pd.DataFrame | None = None) -> TrackedTraining:
    """Split ``gold`` (test = ``holdout`` when given), fit every candidate (no MLflow), then
    record it all in MLflow."""
    split = split_gold(gold, config.seed, config.fractions, holdout)
    lineage = lineage_tags(gold, split.sizes(), config.generator_seed)
    if holdout is not None:
        lineage["holdout_hash"] = dataset_hash(holdout)
    training = fit_candidates(split, config)
    return log_training(open_store(settings), training, lineage, validation_report,
                        holdout_given=holdout is not None)


def best_to_register(tracked: TrackedTraining, name: str | None = None) -> ModelToRegister:
    """The best candidate (or ``name``) of a tracked training, ready for the registry."""
    fit = tracked.training.best if name is None else tracked.training.candidates[name]
    return ModelToRegister(fit.name, tracked.model_uris[fit.name], tracked.run_ids[fit.name],
                           fit.threshold, tracked.data_hash)


def train(catalog: Catalog, candidates: tuple[str, ...] | None = None,
          params: dict[str, dict[str, Any]] | None = None, trials: int | None = None,
          force: bool = False) -> Done:
    """Fit the candidates on gold and track them in MLflow (trials from the policy unless
    given). Refuses gold whose data contract failed, unless ``force``."""
    settings, gold_path = catalog.settings, catalog.path("gold")
    report = contract_verdict(catalog, force)
    gold = catalog.load("gold")
    config = TrainingConfig.from_settings(
        settings, candidates=tuple(candidates) if candidates else None,
        params=dict(params or {}), trials=trials, generator_seed=generator_seed(gold))
    tracked = train_and_track(settings, gold, config, validation_report=report)
    store, fits = open_store(settings), tracked.training.candidates.values()
    summary = {
        "experiment": settings.experiment_name, "tracking_uri": settings.tracking_uri,
        "parent_run_id": tracked.parent_run_id, "experiment_id": tracked.experiment_id,
        "data_hash": tracked.data_hash, "best": tracked.training.best.name,
        "gold_path": str(gold_path), "split_sizes": tracked.training.split.sizes(),
        "candidates": {c.name: {
            "run_id": tracked.run_ids[c.name], "model_uri": tracked.model_uris[c.name],
            "params": c.params, "threshold": c.threshold, "validation": c.validation,
            "test": c.test,
            "plots": str(artifact_dir(store, tracked.run_ids[c.name]) / "plots")}
            for c in fits},
        "policy": settings.policy.as_params()}
    return Done([settings.mlflow_db, artifact_dir(store, tracked.parent_run_id)], summary)


def registry(catalog: Catalog, candidate: str | None = None, margin: float | None = None,
             ) -> Done:
    """Register a trained candidate (the best by default); the promotion policy judges it
    against the champion on the training run's test split, the rows no model was tuned on."""
    settings, training = catalog.settings, load_record(catalog.settings)["train"]["summary"]
    name = candidate or training["best"]
    chosen = training["candidates"].get(name)
    if chosen is None:
        raise DemoError(f"'{name}' was not trained in the last training run: choose one of "
                        + ", ".join(training["candidates"]))
    holdout = recorded_test_split(open_store(settings, create=False), chosen["run_id"])
    outcome = register_and_promote(
        settings, ModelToRegister(name, chosen["model_uri"], chosen["run_id"],
                                  chosen["threshold"], training["data_hash"]), holdout, margin)
    version = outcome.challenger_version
    alias = "champion" if outcome.serving_version == version else "challenger"
    return Done([settings.mlflow_db], {"candidate": name, "version": version, "alias": alias,
                                       "registered_model": settings.model_name,
                                       "model_uri": catalog.model_uri(alias),
                                       **outcome.to_dict()})

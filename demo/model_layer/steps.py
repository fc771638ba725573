"""The model layer's steps: train and track the candidates, register and promote one.

Training reads gold from the catalog; everything it makes lives in MLflow, and the step's
record keeps the run ids the registry step needs.
"""

from __future__ import annotations

from typing import Any

from demo.catalog import Catalog
from demo.errors import DemoError
from demo.step_record import Done, load_record


def train(catalog: Catalog, candidates: tuple[str, ...] | None = None,
          params: dict[str, dict[str, Any]] | None = None, trials: int | None = None,
          force: bool = False) -> Done:
    """Fit the candidates on gold and track them in MLflow (trials from the policy unless
    given). Refuses gold whose data contract failed, unless ``force``."""
    from demo.model_layer import runner
    from demo.model_layer.loading import artifact_dir
    from demo.model_layer.store import open_store
    from demo.model_layer.train import TrainingConfig

    settings, gold_path = catalog.settings, catalog.path("gold")
    report = runner.contract_report(settings)
    runner.check_contract(report, gold_path, force)
    gold = catalog.load("gold")
    chosen = {"candidates": tuple(candidates)} if candidates else {}
    config = TrainingConfig.from_settings(
        settings, params=dict(params or {}), generator_seed=runner.generator_seed(gold),
        **chosen, **({} if trials is None else {"trials": trials}))
    same_data = report is not None and report.get("run_id") == gold_path.stem
    tracked = runner.train_and_track(settings, gold, config,
                                     validation_report=report if same_data else None)
    store, fits = open_store(settings), tracked.training.candidates.values()
    summary = {
        "experiment": settings.experiment_name, "tracking_uri": settings.tracking_uri,
        "parent_run_id": tracked.parent_run_id, "experiment_id": tracked.experiment_id,
        "data_hash": tracked.data_hash, "best": tracked.training.best.name,
        "gold_path": str(gold_path), "split_sizes": tracked.training.split.sizes(),
        "metrics": [{"candidate": c.name, "run_id": tracked.run_ids[c.name],
                     "threshold": c.threshold,
                     **{f"validation_{k}": v for k, v in c.validation.items()},
                     **{f"test_{k}": v for k, v in c.test.items()}} for c in fits],
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
    from demo.model_layer.loading import recorded_test_split
    from demo.model_layer.registry import ModelToRegister, register_and_promote
    from demo.model_layer.store import open_store

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

"""MLflow tracking: the one module that writes runs, always through an explicit store.

``log_training`` records what ``train.fit_candidates`` returned: one parent run per
training, a child run per candidate, a nested run per tuning trial.
"""

from __future__ import annotations

import json
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pandas as pd

from demo.model_layer.candidates import Params
from demo.model_layer.evaluate import evaluation_figures
from demo.model_layer.split import features, label_vector
from demo.model_layer.store import TrackingStore
from demo.model_layer.train import CandidateFit, TrainingResult

# The two types HistGradientBoosting needs beyond skops' default allow-list (see log_model).
SKOPS_TRUSTED_TYPES = [
    "numpy.dtype",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
]


@dataclass
class TrackedTraining:
    """A training and where MLflow keeps it: the parent run, each candidate's run and model."""

    training: TrainingResult
    parent_run_id: str
    experiment_id: str
    data_hash: str
    run_ids: dict[str, str]
    model_uris: dict[str, str]


@contextmanager
def open_run(store: TrackingStore, run_name: str, *, parent_run_id: str | None = None,
             tags: dict[str, str] | None = None, params: dict[str, Any] | None = None,
             metrics: dict[str, float] | None = None) -> Iterator[str]:
    """A run for the block to add to: it ends FINISHED, or FAILED if the block raises."""
    from mlflow.entities import Metric, Param

    all_tags = dict(tags or {})
    if store.settings.profile.learner:  # a room's runs side by side: whose is which
        all_tags.setdefault("learner", store.settings.profile.learner)
    if parent_run_id is not None:
        all_tags["mlflow.parentRunId"] = parent_run_id
    run_id = store.client.create_run(store.experiment_id, run_name=run_name,
                                     tags=all_tags).info.run_id
    now = int(time.time() * 1000)
    try:
        store.client.log_batch(run_id, metrics=[Metric(k, float(v), now, 0)
                                                for k, v in (metrics or {}).items()],
                               params=[Param(k, str(v)) for k, v in (params or {}).items()])
        yield run_id
    except BaseException:
        store.client.set_terminated(run_id, status="FAILED")
        raise
    store.client.set_terminated(run_id)


def log_run(store: TrackingStore, run_name: str, *, files: list[Path] | None = None,
            files_folder: str | None = None, **values: Any) -> str:
    """A finished run with its tags, params, metrics and files (under ``files_folder``)."""
    with open_run(store, run_name, **values) as run_id:
        for path in files or []:
            store.client.log_artifact(run_id, str(path), artifact_path=files_folder)
    return run_id


def log_model(store: TrackingStore, run_id: str, model: Any, example: pd.DataFrame) -> str:
    """Log a fitted pipeline as the run's MLflow model ``model``; its ``models:/m-…`` URI.

    Serialization is a security decision. ``pickle`` files can run any code when loaded, so
    loading a pickled model from an untrusted source is running their program. skops stores
    the model as data and rebuilds only types on an allow-list: the standard scikit-learn
    and numpy types plus ``SKOPS_TRUSTED_TYPES``, which ``loading.load_model`` passes from
    this code, never from the file being loaded. The cost: skops checks each save by loading
    it again, and its import builds the list of every scikit-learn estimator (~0.6 s).
    """
    from mlflow.entities import LoggedModelStatus
    from mlflow.models import infer_signature

    with warnings.catch_warnings():  # its hint about integer columns: gold has no gaps
        warnings.filterwarnings("ignore", message="Hint: Inferred schema contains integer")
        signature = infer_signature(example, model.predict_proba(example)[:, 1])
    logged = store.client.create_logged_model(store.experiment_id, name="model",
                                              source_run_id=run_id)
    with tempfile.TemporaryDirectory() as scratch:
        import mlflow.sklearn

        local = Path(scratch) / "model"
        # The packages the model needs, pinned here: MLflow's own inference costs seconds.
        packages = ("scikit-learn", "skops", "numpy", "pandas", "scipy")
        mlflow.sklearn.save_model(
            model, str(local), signature=signature, input_example=example,
            pip_requirements=[f"{name}=={version(name)}" for name in packages],
            serialization_format="skops",
            skops_trusted_types=SKOPS_TRUSTED_TYPES)
        store.client.log_model_artifacts(logged.model_id, str(local))
    store.client.finalize_logged_model(logged.model_id, LoggedModelStatus.READY)
    return f"models:/{logged.model_id}"


def _hyperparameters(params: Params) -> dict[str, str]:
    """Hyperparameters as MLflow params, JSON-encoded so they read back with their types."""
    return {f"hp.{key}": json.dumps(value) for key, value in params.items()}


def _prefixed(prefix: str, values: dict[str, float]) -> dict[str, float]:
    return {f"{prefix}_{key}": value for key, value in values.items() if pd.notna(value)}


def _log_candidate(store: TrackingStore, parent_run_id: str, fit: CandidateFit,
                   training: TrainingResult, lineage: dict[str, str]) -> tuple[str, str]:
    """The candidate's child run (params, metrics, plots, model) and its trials; (run, model)."""
    config, split = training.config, training.split
    with open_run(store, fit.name, parent_run_id=parent_run_id, tags={
            **lineage, "candidate": fit.name, "decision_threshold": str(fit.threshold)},
            params={"candidate": fit.name, "seed": config.seed, "trials": len(fit.trials),
                    **_hyperparameters(fit.params), **config.costs.as_params()},
            metrics={**_prefixed("validation", fit.validation), **_prefixed("test", fit.test),
                     "decision_threshold": fit.threshold}) as run_id:
        if len(fit.trials) > 1:
            for number, (params, score) in enumerate(fit.trials, start=1):
                log_run(store, f"{fit.name} trial {number}", parent_run_id=run_id,
                        tags={"candidate": fit.name, "trial": str(number)},
                        params=_hyperparameters(params), metrics={"validation_roc_auc": score})
        if fit.importance is not None:
            store.client.log_table(run_id, fit.importance,
                                   "evaluation/permutation_importance.json")
        test_proba = fit.model.predict_proba(features(split.test))[:, 1]
        figures = evaluation_figures(label_vector(split.test), test_proba, fit.threshold,
                                     fit.importance, fit.name)
        for file_name, figure in figures.items():
            store.client.log_figure(run_id, figure, f"plots/{file_name}")
        model_uri = log_model(store, run_id, fit.model, features(split.validation).head(5))
    return run_id, model_uri


def log_training(store: TrackingStore, training: TrainingResult, lineage: dict[str, str],
                 validation_report: dict[str, Any] | None = None,
                 holdout_given: bool = False) -> TrackedTraining:
    """Record a training: the parent run (split, policy, contract), then each candidate."""
    config, split = training.config, training.split
    with open_run(
            store, "training",
            tags={**lineage, "split": "given holdout" if holdout_given else "stratified"},
            params={"seed": config.seed, "candidates": ",".join(config.candidates),
                    "trials": config.trials, "split.validation": config.fractions.validation,
                    "split.test": "given" if holdout_given else config.fractions.test,
                    **config.costs.as_params(), **store.settings.policy.as_params()},
    ) as parent_run_id:
        with tempfile.TemporaryDirectory() as scratch:  # which rows went where; the test rows
            split.manifest().to_parquet(Path(scratch) / "manifest.parquet", index=False)
            split.test.to_parquet(Path(scratch) / "test.parquet", index=False)
            store.client.log_artifacts(parent_run_id, scratch, artifact_path="split")
        if validation_report is not None:
            store.client.log_dict(parent_run_id, validation_report,
                                  "data_contract/validation.json")
        run_ids, model_uris = {}, {}
        for fit in training.candidates.values():
            run_ids[fit.name], model_uris[fit.name] = _log_candidate(
                store, parent_run_id, fit, training, lineage)
    return TrackedTraining(training, parent_run_id, store.experiment_id, lineage["data_hash"],
                           run_ids, model_uris)


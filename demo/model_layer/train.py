"""Train, tune, evaluate and track every candidate on one split of the gold table.

One call of ``train_candidates`` is one parent MLflow run ("training"); each candidate is a
child run holding its parameters, metrics, plots and model; each tuning trial is a nested
run under its candidate. The split's customer ids and the test rows are logged on the
parent, so any later challenger can be judged on exactly the same rows.
"""

from __future__ import annotations

import json
import time
import warnings
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any

import numpy as np
import pandas as pd

from demo.errors import ModelError
from demo.model_layer.candidates import CANDIDATES, Params, build_pipeline, sample_params
from demo.model_layer.evaluate import (
    BusinessCosts,
    choose_threshold,
    classification_metrics,
    evaluation_figures,
    permutation_importance_table,
)
from demo.model_layer.lineage import dataset_hash, lineage_tags
from demo.model_layer.split import (
    DataSplit,
    SplitFractions,
    check_trainable,
    features,
    label_vector,
    split_gold,
)
from demo.model_layer.tracking import log_figures, log_frame, use_workspace_tracking
from demo.settings import Settings

DEFAULT_TRIALS = 6
SELECTION_METRIC = "roc_auc"  # candidates are ranked on validation ROC AUC

# The two types HistGradientBoosting needs beyond skops' default allow-list (see log_model).
SKOPS_TRUSTED_TYPES = [
    "numpy.dtype",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
]


def pip_requirements() -> list[str]:
    """The packages a logged model needs, pinned to this environment's versions.

    Passing them explicitly skips MLflow's requirement inference, which imports the model
    in a subprocess and costs seconds per model.
    """
    return [f"{name}=={version(name)}" for name in ("scikit-learn", "skops", "numpy", "pandas",
                                                    "scipy")]


@dataclass(frozen=True)
class TrainingConfig:
    """What to train and how; every field is logged as a parameter."""

    candidates: tuple[str, ...] = tuple(CANDIDATES)
    params: dict[str, Params] = field(default_factory=dict)  # fixed params: no search
    trials: int = DEFAULT_TRIALS
    costs: BusinessCosts = field(default_factory=BusinessCosts)
    fractions: SplitFractions = field(default_factory=SplitFractions)
    seed: int = 42
    generator_seed: int | None = None


@dataclass
class CandidateResult:
    """One trained candidate: its run, model, threshold and metrics."""

    name: str
    run_id: str
    model_uri: str
    params: Params
    threshold: float
    validation: dict[str, float]
    test: dict[str, float]
    model: Any
    fit_seconds: float
    log_seconds: float
    log_model_seconds: float


@dataclass
class TrainingResult:
    """Everything one training call produced, with the split used."""

    parent_run_id: str
    experiment_id: str
    data_hash: str
    lineage: dict[str, str]
    split: DataSplit
    candidates: dict[str, CandidateResult]

    @property
    def best(self) -> CandidateResult:
        """The candidate with the highest validation ROC AUC (the test set stays untouched)."""
        return max(self.candidates.values(), key=lambda c: c.validation[SELECTION_METRIC])

    def metrics_table(self) -> list[dict[str, object]]:
        return [
            {"candidate": c.name, "run_id": c.run_id, "threshold": c.threshold,
             **{f"validation_{k}": v for k, v in c.validation.items()},
             **{f"test_{k}": v for k, v in c.test.items()}}
            for c in self.candidates.values()
        ]


def fit_trial(name: str, params: Params, split: DataSplit, seed: int) -> tuple[Any, float]:
    """Fit on train; the validation ROC AUC that ranks tuning trials."""
    from sklearn.metrics import roc_auc_score

    model = build_pipeline(name, params, seed)
    model.fit(features(split.train), label_vector(split.train))
    probabilities = model.predict_proba(features(split.validation))[:, 1]
    return model, float(roc_auc_score(label_vector(split.validation), probabilities))


def score_model(
    model: Any, split: DataSplit, costs: BusinessCosts
) -> tuple[float, dict[str, float], dict[str, float]]:
    """Threshold from validation costs; every metric on validation and on test."""
    validation_labels = label_vector(split.validation)
    validation_proba = model.predict_proba(features(split.validation))[:, 1]
    threshold, _ = choose_threshold(validation_labels, validation_proba, costs)
    validation = classification_metrics(validation_labels, validation_proba, threshold, costs)
    test_proba = model.predict_proba(features(split.test))[:, 1]
    test = classification_metrics(label_vector(split.test), test_proba, threshold, costs)
    return threshold, validation, test


def _prefixed(prefix: str, values: dict[str, float]) -> dict[str, float]:
    return {f"{prefix}_{key}": value for key, value in values.items() if np.isfinite(value)}


def _hyperparameters(params: Params) -> dict[str, str]:
    """Hyperparameters as MLflow params, JSON-encoded so they read back with their types."""
    return {f"hp.{key}": json.dumps(value) for key, value in params.items()}


def _signature(example: pd.DataFrame, probabilities: np.ndarray) -> Any:
    """The model's input and output schema (MLflow's hint about integer columns is noise here:
    the gold table has no missing values)."""
    from mlflow.models import infer_signature

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Hint: Inferred schema contains integer")
        return infer_signature(example, probabilities)


def log_model(model: Any, example: pd.DataFrame) -> Any:
    """Log the fitted pipeline to the active run as ``model``, with its schema and example.

    Serialization is a security decision. ``pickle`` (and ``cloudpickle``) files can run any
    code when loaded, so loading a pickled model from an untrusted source is running their
    program. skops, MLflow's default for scikit-learn, stores the model as data and rebuilds
    only types on an allow-list: the standard scikit-learn and numpy types, plus any named
    in ``skops_trusted_types``. HistGradientBoosting needs two more (``SKOPS_TRUSTED_TYPES``),
    listed in this code where a reviewer sees them, not taken from the file being loaded.
    The cost: skops saves and re-loads the model to check it (a few hundred milliseconds)
    and cannot store custom classes defined outside a module. MLflow 3.17 additionally
    refuses to load any scikit-learn model, skops included, unless
    MLFLOW_ALLOW_PICKLE_DESERIALIZATION is true; ``registry.load_model`` sets it only while
    loading from the workspace's own store.

    ``pip_requirements`` is explicit: MLflow's inference of requirements costs seconds.
    """
    import mlflow

    return mlflow.sklearn.log_model(
        model,
        name="model",
        signature=_signature(example, model.predict_proba(example)[:, 1]),
        input_example=example,
        pip_requirements=pip_requirements(),
        serialization_format="skops",
        skops_trusted_types=SKOPS_TRUSTED_TYPES,
    )


def _train_one(
    name: str, split: DataSplit, config: TrainingConfig, tags: dict[str, str]
) -> CandidateResult:
    """Tune (nested runs), then log the chosen model with plots, inside the active child run."""
    with native_threads(len(split.train)):
        return _tune_and_log(name, split, config, tags)


def native_threads(train_rows: int) -> Any:
    """One native (OpenMP/BLAS) thread for small tables, the library default for large ones.

    On small tables HistGradientBoosting's OpenMP threads cost more in start-up and, on a
    busy laptop, in contention than they save (measured: a 7k-row fit took 10x longer with
    two threads than with one while other work ran).
    """
    import sklearn.ensemble  # noqa: F401  loads the OpenMP runtime, so the limit reaches it
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1 if train_rows < 100_000 else None)


def _tune_and_log(
    name: str, split: DataSplit, config: TrainingConfig, tags: dict[str, str]
) -> CandidateResult:
    import mlflow

    start = time.perf_counter()
    fixed = config.params.get(name)
    trial_params = [fixed] if fixed is not None else sample_params(name, config.trials,
                                                                   config.seed)
    best_model, best_score, best_params = None, -np.inf, {}
    for number, params in enumerate(trial_params, start=1):
        model, score = fit_trial(name, params, split, config.seed)
        if len(trial_params) > 1:
            with mlflow.start_run(run_name=f"{name} trial {number}", nested=True,
                                  tags={"candidate": name, "trial": str(number)}):
                mlflow.log_params(_hyperparameters(params))
                mlflow.log_metric(f"validation_{SELECTION_METRIC}", score)
        if best_model is None or score > best_score:
            best_model, best_score, best_params = model, score, dict(params)
    if best_model is None:
        raise ModelError(f"no trial was run for model '{name}'")
    model = best_model
    threshold, validation, test = score_model(model, split, config.costs)
    fit_seconds = time.perf_counter() - start

    start = time.perf_counter()
    mlflow.set_tags({**tags, "candidate": name, "decision_threshold": str(threshold)})
    mlflow.log_params({"candidate": name, "seed": config.seed, "trials": len(trial_params),
                       **_hyperparameters(best_params), **config.costs.as_params()})
    mlflow.log_metrics({**_prefixed("validation", validation), **_prefixed("test", test),
                        "decision_threshold": threshold})
    inputs = features(split.validation)
    importance = None
    if name != "baseline":
        importance = permutation_importance_table(
            model, inputs, label_vector(split.validation), config.seed
        )
        mlflow.log_table(importance, "evaluation/permutation_importance.json")
    test_proba = model.predict_proba(features(split.test))[:, 1]
    log_figures(
        evaluation_figures(label_vector(split.test), test_proba, threshold, importance, name),
        "plots",
    )
    model_start = time.perf_counter()
    logged = log_model(model, inputs.head(5))
    log_model_seconds = time.perf_counter() - model_start
    return CandidateResult(
        name=name, run_id=mlflow.active_run().info.run_id, model_uri=logged.model_uri,
        params=best_params, threshold=threshold, validation=validation, test=test, model=model,
        fit_seconds=fit_seconds, log_seconds=time.perf_counter() - start,
        log_model_seconds=log_model_seconds,
    )


def train_candidates(
    settings: Settings,
    gold_df: pd.DataFrame,
    config: TrainingConfig | None = None,
    validation_report: dict[str, Any] | None = None,
    holdout: pd.DataFrame | None = None,
) -> TrainingResult:
    """Split ``gold_df``, train every configured candidate and track it all in MLflow.

    With ``holdout`` the test split is that frame (see ``split_with_holdout``). The data
    contract's ``validation_report``, when given, is logged with the run.
    """
    import mlflow

    from demo.model_layer.split import split_with_holdout

    config = config or TrainingConfig()
    for name in config.candidates:
        build_pipeline(name, config.params.get(name), config.seed)  # fail fast on bad input
    if config.trials < 1:
        raise ModelError(f"trials must be at least 1, got {config.trials}")
    check_trainable(gold_df)
    if holdout is None:
        split = split_gold(gold_df, config.seed, config.fractions)
    else:
        split = split_with_holdout(gold_df, holdout, config.seed, config.fractions)
    lineage = lineage_tags(gold_df, split.sizes(), config.generator_seed)
    if holdout is not None:
        lineage["holdout_hash"] = dataset_hash(holdout)

    experiment_id = use_workspace_tracking(settings)
    results: dict[str, CandidateResult] = {}
    with mlflow.start_run(run_name="training") as parent:
        mlflow.set_tags({**lineage, "split": "given holdout" if holdout is not None else
                         "stratified"})
        mlflow.log_params({"seed": config.seed, "candidates": ",".join(config.candidates),
                           "trials": config.trials,
                           "split.validation": config.fractions.validation,
                           "split.test": config.fractions.test if holdout is None else "given",
                           **config.costs.as_params()})
        log_frame(split.manifest(), "split/manifest.parquet")
        log_frame(split.test, "split/test.parquet")
        if validation_report is not None:
            mlflow.log_dict(validation_report, "data_contract/validation.json")
        for name in config.candidates:
            with mlflow.start_run(run_name=name, nested=True):
                results[name] = _train_one(name, split, config, lineage)
        mlflow.log_metrics({f"{c.name}_test_roc_auc": c.test[SELECTION_METRIC]
                            for c in results.values()})
    return TrainingResult(
        parent_run_id=parent.info.run_id,
        experiment_id=experiment_id,
        data_hash=lineage["data_hash"],
        lineage=lineage,
        split=split,
        candidates=results,
    )


def recorded_recipe(settings: Settings, run_id: str) -> tuple[str, Params, TrainingConfig, str]:
    """From a candidate run: its model name, hyperparameters, config and data hash."""
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    use_workspace_tracking(settings, create=False)
    try:
        run = MlflowClient().get_run(run_id)
    except MlflowException:
        raise ModelError(f"no run {run_id} in {settings.mlflow_db}") from None
    recorded = run.data.params
    if "candidate" not in recorded:
        raise ModelError(f"run {run_id} is not a candidate run (it has no 'candidate' param)")
    name = recorded["candidate"]
    params = {k.removeprefix("hp."): json.loads(v) for k, v in recorded.items()
              if k.startswith("hp.")}
    costs = BusinessCosts(**{k.removeprefix("cost."): float(v) for k, v in recorded.items()
                             if k.startswith("cost.")})
    parent = MlflowClient().get_run(run.data.tags["mlflow.parentRunId"]).data.params
    if parent.get("split.test") == "given":
        raise ModelError(f"run {run_id} was tested on a given holdout; pass it to reproduce it")
    fractions = SplitFractions(float(parent["split.validation"]), float(parent["split.test"]))
    config = TrainingConfig(candidates=(name,), params={name: params}, trials=1, costs=costs,
                            fractions=fractions, seed=int(recorded["seed"]))
    return name, params, config, run.data.tags["data_hash"]


def reproduce_run(settings: Settings, run_id: str, gold_df: pd.DataFrame) -> dict[str, float]:
    """Re-train a candidate run from its recorded params on the same data; its test metrics.

    Refuses when ``gold_df`` is not the data the run was trained on (its hash differs).
    """
    name, params, config, recorded_hash = recorded_recipe(settings, run_id)
    actual_hash = dataset_hash(gold_df)
    if actual_hash != recorded_hash:
        raise ModelError(
            f"the data differs from run {run_id}'s: hash {actual_hash[:12]}… "
            f"instead of {recorded_hash[:12]}…"
        )
    split = split_gold(gold_df, config.seed, config.fractions)
    with native_threads(len(split.train)):
        model, _ = fit_trial(name, params, split, config.seed)
        threshold, _, test = score_model(model, split, config.costs)
    return {**test, "decision_threshold": threshold}

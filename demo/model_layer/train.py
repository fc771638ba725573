"""Fit, tune and evaluate every candidate on one split: plain scikit-learn, no tracking.

``fit_candidates(split, config)`` is a step like any other: data in, a result out. It
writes nothing; ``tracking.log_training`` records its result in MLflow afterwards, so the
same training can run in a test, a notebook or a sandbox with no tracking store at all.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from demo.errors import ModelError
from demo.model_layer.candidates import CANDIDATES, Params, build_pipeline, sample_params
from demo.model_layer.evaluate import (
    BusinessCosts,
    choose_threshold,
    classification_metrics,
    permutation_importance_table,
    roc_auc_on,
)
from demo.model_layer.split import DataSplit, SplitFractions, features, label_vector
from demo.settings import Settings, default_policy


@dataclass(frozen=True)
class TrainingConfig:
    """What to train and how; the defaults are the policy's (``demo/params.toml``)."""

    candidates: tuple[str, ...] = tuple(CANDIDATES)
    params: dict[str, Params] = field(default_factory=dict)  # fixed params: no search
    trials: int = field(default_factory=lambda: default_policy().training_trials)
    costs: BusinessCosts = field(default_factory=BusinessCosts)
    fractions: SplitFractions = field(default_factory=SplitFractions)
    seed: int = 42
    generator_seed: int | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **choices: Any) -> TrainingConfig:
        """The settings' seed and policy (trials, costs, split shares), then the ``choices``
        that are not None."""
        policy = settings.policy
        defaults: dict[str, Any] = {
            "trials": policy.training_trials, "costs": BusinessCosts.from_policy(policy),
            "fractions": SplitFractions(policy.split_validation_share, policy.split_test_share),
            "seed": settings.seed}
        return cls(**defaults | {key: value for key, value in choices.items() if value is not None})


@dataclass
class CandidateFit:
    """One fitted candidate: the chosen model, its threshold and metrics, its tuning trials."""

    name: str
    model: Any  # the fitted scikit-learn Pipeline
    params: Params
    trials: list[tuple[Params, float]]  # (hyperparameters, validation ROC AUC) per trial
    threshold: float
    validation: dict[str, float]
    test: dict[str, float]
    importance: pd.DataFrame | None  # permutation importance on validation (not the baseline)
    fit_seconds: float


@dataclass
class TrainingResult:
    """Everything one training produced, with the split it used."""

    config: TrainingConfig
    split: DataSplit
    candidates: dict[str, CandidateFit]

    @property
    def best(self) -> CandidateFit:
        """The candidate with the highest validation ROC AUC (the test set stays untouched)."""
        return max(self.candidates.values(), key=lambda c: c.validation["roc_auc"])


def fit_trial(name: str, params: Params, split: DataSplit, seed: int) -> tuple[Any, float]:
    """Fit on train; the validation ROC AUC that ranks tuning trials."""
    model = build_pipeline(name, params, seed)
    model.fit(features(split.train), label_vector(split.train))
    return model, roc_auc_on(model, split.validation)


def score_model(model: Any, split: DataSplit,
                costs: BusinessCosts) -> tuple[float, dict[str, float], dict[str, float]]:
    """Threshold from validation costs; every metric on validation and on test."""
    validation_labels = label_vector(split.validation)
    validation_proba = model.predict_proba(features(split.validation))[:, 1]
    threshold, _ = choose_threshold(validation_labels, validation_proba, costs)
    validation = classification_metrics(validation_labels, validation_proba, threshold, costs)
    test_proba = model.predict_proba(features(split.test))[:, 1]
    test = classification_metrics(label_vector(split.test), test_proba, threshold, costs)
    return threshold, validation, test


def native_threads(train_rows: int) -> Any:
    """One native (OpenMP/BLAS) thread for small tables, the library default for large ones.

    On small tables HistGradientBoosting's OpenMP threads cost more in start-up and, on a
    busy laptop, in contention than they save (measured: a 7k-row fit took 10x longer with
    two threads than with one while other work ran).
    """
    import sklearn.ensemble  # noqa: F401  loads the OpenMP runtime, so the limit reaches it
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1 if train_rows < 100_000 else None)


def fit_candidate(name: str, split: DataSplit, config: TrainingConfig) -> CandidateFit:
    """Tune ``name`` (its fixed params, or a randomised search), then evaluate the winner."""
    start = time.perf_counter()
    fixed = config.params.get(name)
    trial_params = [fixed] if fixed is not None else sample_params(name, config.trials,
                                                                   config.seed)
    fitted = [(dict(params), *fit_trial(name, params, split, config.seed))
              for params in trial_params]
    best_params, best_model, _ = max(fitted, key=lambda trial: trial[2])  # the first of ties
    threshold, validation, test = score_model(best_model, split, config.costs)
    importance = None if name == "baseline" else permutation_importance_table(
        best_model, features(split.validation), label_vector(split.validation), config.seed)
    return CandidateFit(name=name, model=best_model, params=best_params,
                        trials=[(params, score) for params, _, score in fitted],
                        threshold=threshold, validation=validation, test=test,
                        importance=importance, fit_seconds=time.perf_counter() - start)


def fit_candidates(split: DataSplit, config: TrainingConfig) -> TrainingResult:
    """Fit every configured candidate on ``split``; nothing is written anywhere."""
    if config.trials < 1:
        raise ModelError(f"trials must be at least 1, got {config.trials}")
    for name in config.candidates:  # an unknown model or hyperparameter fails before any fit
        build_pipeline(name, config.params.get(name), config.seed)
    with native_threads(len(split.train)):
        fits = {name: fit_candidate(name, split, config) for name in config.candidates}
    return TrainingResult(config=config, split=split, candidates=fits)

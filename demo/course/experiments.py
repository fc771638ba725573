"""The experiments behind lesson 06's takeaways, as functions the notebooks call.

They reuse the pipeline's own pieces (the candidates, the evaluation, the data layer's
cleaning); what they add is the experimental set-up: which rows train, which rows judge, and
what is timed. Results come back as DataFrames for the notebook to show and plot.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from demo.errors import ModelError
from demo.feature_spec import CATEGORICAL_INPUTS, LABEL_COLUMN, NUMERIC_INPUTS, POSITIVE_LABEL
from demo.model_layer.candidates import Params, build_pipeline, sample_params
from demo.model_layer.evaluate import BusinessCosts, choose_threshold, classification_metrics
from demo.model_layer.split import DataSplit, features, label_vector

REPORTED_METRICS = ("roc_auc", "pr_auc", "f1", "expected_cost_per_customer")


@dataclass(frozen=True)
class Plan:
    """One model to try: a candidate name, and how many hyperparameter sets to search."""

    label: str
    candidate: str
    trials: int = 1


def fit_timed(candidate: str, params: Params, train: pd.DataFrame, seed: int) -> tuple[Any, float]:
    """A fitted candidate pipeline and the seconds the fit took.

    One native thread, as the model layer does for tables this small: on a busy laptop,
    OpenMP threads cost more in contention than they save.
    """
    from threadpoolctl import threadpool_limits

    model = build_pipeline(candidate, params, seed)
    start = time.perf_counter()
    with threadpool_limits(limits=1):
        model.fit(features(train), label_vector(train))
    return model, time.perf_counter() - start


def evaluate_on(model: Any, threshold: float, frame: pd.DataFrame,
                costs: BusinessCosts) -> dict[str, float]:
    """The model layer's metrics of ``model`` on ``frame`` at ``threshold``."""
    probabilities = model.predict_proba(features(frame))[:, 1]
    return classification_metrics(label_vector(frame), probabilities, threshold, costs)


def run_plan(plan: Plan, split: DataSplit, costs: BusinessCosts, seed: int) -> dict[str, Any]:
    """Search ``plan.trials`` hyperparameter sets on validation, report the best on test.

    The time is the whole search: every fit and every validation scoring.
    """
    start = time.perf_counter()
    best: tuple[float, Any, Params] | None = None
    validation_labels = label_vector(split.validation)
    for params in sample_params(plan.candidate, plan.trials, seed):
        model, _ = fit_timed(plan.candidate, params, split.train, seed)
        probabilities = model.predict_proba(features(split.validation))[:, 1]
        score = classification_metrics(validation_labels, probabilities, 0.5, costs)["roc_auc"]
        if best is None or score > best[0]:
            best = (score, model, params)
    if best is None:
        raise ModelError(f"no hyperparameters to try for '{plan.candidate}'")
    _, model, params = best
    validation_probabilities = model.predict_proba(features(split.validation))[:, 1]
    threshold, _ = choose_threshold(validation_labels, validation_probabilities, costs)
    seconds = time.perf_counter() - start
    test = evaluate_on(model, threshold, split.test, costs)
    return {"model": plan.label, "trials": plan.trials, "seconds": seconds,
            **{name: test[name] for name in REPORTED_METRICS}, "params": params}


def compare_plans(plans: Sequence[Plan], split: DataSplit, costs: BusinessCosts,
                  seed: int) -> pd.DataFrame:
    """One row per plan: test metrics and the time its search took."""
    rows = [run_plan(plan, split, costs, seed) for plan in plans]
    return pd.DataFrame(rows).set_index("model")


def threshold_table(labels: np.ndarray, probabilities: np.ndarray,
                    costs: BusinessCosts) -> pd.DataFrame:
    """For every threshold on the grid: the share flagged, F1, accuracy and dollars per customer."""
    from demo.model_layer.evaluate import THRESHOLD_GRID

    rows = [{"threshold": float(t), **classification_metrics(labels, probabilities, t, costs)}
            for t in THRESHOLD_GRID]
    return pd.DataFrame(rows)[["threshold", "flagged_share", "precision", "recall", "f1",
                               "accuracy", "expected_cost_per_customer"]]


def naive_preparation(bronze: pd.DataFrame) -> pd.DataFrame:
    """What a hurried analysis does with the raw export: just enough to make ``fit`` run.

    Numbers that do not parse become 0, categories are used as they are spelled, every row is
    kept (duplicates, impossible values), and churn is 1 only where the text is exactly "Yes".
    """
    prepared = pd.DataFrame(index=bronze.index)
    for name in NUMERIC_INPUTS:
        prepared[name] = pd.to_numeric(bronze[name], errors="coerce").fillna(0.0)
    for name in CATEGORICAL_INPUTS:
        prepared[name] = bronze[name].fillna("").astype(str)
    prepared[LABEL_COLUMN] = (bronze[LABEL_COLUMN] == POSITIVE_LABEL).astype(int)
    return prepared


def clean_vs_dirty(training_sets: Mapping[str, pd.DataFrame], test: pd.DataFrame,
                   plans: Sequence[Plan], costs: BusinessCosts, seed: int) -> pd.DataFrame:
    """Each plan trained on each training set; all judged on the same clean ``test`` rows.

    A fifth of each training set is held out for the search and the threshold, so every
    model is chosen the same way; the test rows are never seen by any of them.
    """
    from sklearn.model_selection import train_test_split

    rows = []
    for data_name, frame in training_sets.items():
        train, validation = train_test_split(frame, test_size=0.2, random_state=seed,
                                             stratify=label_vector(frame))
        split = DataSplit(train=train, validation=validation, test=test, seed=seed)
        for plan in plans:
            result = run_plan(plan, split, costs, seed)
            rows.append({"training data": data_name, "training rows": len(frame), **result})
    return pd.DataFrame(rows).drop(columns="params")


def move_champion(source: Any, target: Any) -> str:
    """Copy the source workspace's champion into the target's registry; the new version.

    The model travels in MLflow's open format (logged again under the target's tracking
    store) with its threshold, and becomes the target's champion through the same
    promotion rule, judged on the source run's recorded test rows.
    """
    from demo.model_layer.loading import recorded_test_split
    from demo.model_layer.registry import ModelToRegister, load_model, register_and_promote
    from demo.model_layer.store import open_store
    from demo.model_layer.tracking import log_model, open_run

    champion = load_model(source, "champion")
    holdout = recorded_test_split(open_store(source, create=False), champion.run_id)
    target_store = open_store(target)
    with open_run(target_store, "moved champion",
                  tags={"moved_from_run": champion.run_id, **champion.lineage}) as run_id:
        model_uri = log_model(target_store, run_id, champion.model, features(holdout).head(5))
    moved = ModelToRegister(str(champion.lineage.get("candidate", "moved")), model_uri, run_id,
                            champion.threshold, champion.lineage.get("data_hash", ""))
    return register_and_promote(target, moved, holdout).challenger_version

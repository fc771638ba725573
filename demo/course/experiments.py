"""The experiments behind lesson 06's takeaways, as functions the notebooks call.

They reuse the pipeline's own pieces (the candidates, the evaluation, the data layer's
cleaning); what they add is the experimental set-up: which rows train, which rows judge, and
what is timed. Results come back as DataFrames for the notebook to show and plot.

Evidence comes with its uncertainty: ``learning_curve`` and ``cleaning_experiment`` repeat
an experiment on customers drawn afresh each time (the generator can; real data would need
repeated splits), and ``gap_intervals`` turns the paired differences into a mean with a
95 % confidence interval and a verdict that says "no clear winner" when the interval
straddles zero.
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
CONFIDENCE = 0.95  # the level of every interval the lessons show


@dataclass(frozen=True)
class Plan:
    """One model to try: a candidate name, and how many hyperparameter sets to search."""

    label: str
    candidate: str
    trials: int = 1


def one_thread() -> Any:
    """Run native code on one thread, as the model layer does for tables this small.

    On a busy laptop OpenMP threads cost more in contention than they save: scoring 3,000
    rows with gradient boosting took 0.59 s with them and 0.05 s without, on a loaded
    2-core machine.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def fit_timed(candidate: str, params: Params, train: pd.DataFrame, seed: int) -> tuple[Any, float]:
    """A fitted candidate pipeline and the seconds the fit took (on one thread)."""
    model = build_pipeline(candidate, params, seed)
    start = time.perf_counter()
    with one_thread():
        model.fit(features(train), label_vector(train))
    return model, time.perf_counter() - start


def probabilities_of(model: Any, frame: pd.DataFrame) -> np.ndarray:
    """The model's churn probability for each row of ``frame`` (on one thread)."""
    with one_thread():
        return np.asarray(model.predict_proba(features(frame))[:, 1])


def evaluate_on(model: Any, threshold: float, frame: pd.DataFrame,
                costs: BusinessCosts) -> dict[str, float]:
    """The model layer's metrics of ``model`` on ``frame`` at ``threshold``."""
    return classification_metrics(label_vector(frame), probabilities_of(model, frame),
                                  threshold, costs)


def run_plan(plan: Plan, split: DataSplit, costs: BusinessCosts, seed: int) -> dict[str, Any]:
    """Search ``plan.trials`` hyperparameter sets on validation, report the best on test.

    The time is the whole search: every fit and every validation scoring.
    """
    start = time.perf_counter()
    best: tuple[float, Any, Params] | None = None
    validation_labels = label_vector(split.validation)
    for params in sample_params(plan.candidate, plan.trials, seed):
        model, _ = fit_timed(plan.candidate, params, split.train, seed)
        probabilities = probabilities_of(model, split.validation)
        score = classification_metrics(validation_labels, probabilities, 0.5, costs)["roc_auc"]
        if best is None or score > best[0]:
            best = (score, model, params)
    if best is None:
        raise ModelError(f"no hyperparameters to try for '{plan.candidate}'")
    _, model, params = best
    validation_probabilities = probabilities_of(model, split.validation)
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
        split = DataSplit(train=train, validation=validation, test=test)
        for plan in plans:
            result = run_plan(plan, split, costs, seed)
            rows.append({"training data": data_name, "training rows": len(frame), **result})
    return pd.DataFrame(rows).drop(columns="params")


def scaled_rates(factor: float, cap: float = 0.3) -> Any:
    """The sample's defect rates times ``factor`` (each capped at ``cap``)."""
    from dataclasses import fields, replace

    from demo.synthetic.defects import DefectRates

    sample = DefectRates()
    return replace(sample, **{f.name: min(getattr(sample, f.name) * factor, cap)
                              for f in fields(sample) if isinstance(getattr(sample, f.name), float)})


def draw_clean(rows: int, seed: int, churn_mode: str) -> pd.DataFrame:
    """Clean customers drawn by the generator in ``churn_mode`` ("linear" or "non_linear")."""
    from demo.synthetic.customers import draw_customers, population

    return draw_customers(rows, seed, population(churn_mode))


def held_out_auc(candidate: str, train: pd.DataFrame, test: pd.DataFrame, seed: int) -> float:
    """Test ROC AUC of ``candidate`` with its default settings, fitted on ``train``."""
    from sklearn.metrics import roc_auc_score

    model, _ = fit_timed(candidate, {}, train, seed)
    return float(roc_auc_score(label_vector(test), probabilities_of(model, test)))


def learning_curve(churn_mode: str, sizes: Sequence[int], models: Mapping[str, str],
                   repeats: int, test_rows: int, seed: int) -> pd.DataFrame:
    """Test ROC AUC of each model trained on ``n`` customers, for each ``n`` in ``sizes``.

    Each repeat draws new customers: a training pool of ``max(sizes)`` and ``test_rows`` to
    judge. Within a repeat the training sets are nested (the first ``n`` of the pool) and
    every model sees the same rows, so the difference between two models is paired; across
    repeats nothing is shared, so the repeats are independent. One row per fit.
    """
    rows = []
    for repeat in range(repeats):
        drawn = draw_clean(max(sizes) + test_rows, seed + repeat, churn_mode)
        pool, test = drawn.iloc[:max(sizes)], drawn.iloc[max(sizes):]
        for n in sizes:
            for label, candidate in models.items():
                rows.append({"churn mode": churn_mode, "training rows": n, "repeat": repeat,
                             "model": label, "roc_auc": held_out_auc(candidate, pool.iloc[:n],
                                                                 test, seed)})
    return pd.DataFrame(rows)


def cleaning_experiment(dirt_levels: Mapping[str, Any], models: Mapping[str, str],
                        repeats: int, train_rows: int, test_rows: int, churn_mode: str,
                        seed: int) -> pd.DataFrame:
    """Each model trained on raw-but-parsed data and on cleaned data; judged on clean rows.

    ``dirt_levels`` maps a name to the ``DefectRates`` that make the training customers
    dirty. "parsed" is ``naive_preparation`` (what makes ``fit`` run, nothing more);
    "cleaned" is the data layer (repair rules and quarantine). The test customers are never
    made dirty. Each repeat draws new customers and new defects. One row per fit.
    """
    from demo.data_layer.clean import clean
    from demo.data_layer.features import build_gold
    from demo.data_layer.ingest import to_bronze
    from demo.synthetic.defects import make_raw

    rows = []
    for repeat in range(repeats):
        drawn = draw_clean(train_rows + test_rows, seed + repeat, churn_mode)
        train, test = drawn.iloc[:train_rows], drawn.iloc[train_rows:]
        for dirt, rates in dirt_levels.items():
            raw, _ = make_raw(train, seed + repeat, rates)
            bronze = to_bronze(raw, f"{dirt}.csv")
            prepared = {"parsed": naive_preparation(bronze.frame),
                        "cleaned": build_gold(clean(bronze).silver)}
            for preparation, frame in prepared.items():
                for label, candidate in models.items():
                    rows.append({"churn mode": churn_mode, "dirt": dirt,
                                 "preparation": preparation, "model": label,
                                 "repeat": repeat, "training rows": len(frame),
                                 "roc_auc": held_out_auc(candidate, frame, test, seed)})
    return pd.DataFrame(rows)


def mean_interval(values: Sequence[float],
                  confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """The mean of independent repeats and its Student-t confidence interval (low, high)."""
    from scipy import stats

    repeats = np.asarray(values, dtype=float)
    mean = float(repeats.mean())
    half = (stats.t.ppf((1 + confidence) / 2, len(repeats) - 1)
            * repeats.std(ddof=1) / np.sqrt(len(repeats)))
    return mean, mean - half, mean + half


def gap_intervals(gaps: pd.Series, by: str | list[str], first: str,
                  second: str) -> pd.DataFrame:
    """Per group of ``by``: the mean gap (first minus second), its interval, a verdict.

    ``gaps`` holds one paired difference per repeat (its index has the ``by`` levels). The
    verdict names a winner only when the whole interval lies on one side of zero.
    """
    rows = []
    for key, values in gaps.groupby(level=by, sort=False):
        mean, low, high = mean_interval(values.to_numpy())
        verdict = (f"{first} wins" if low > 0 else f"{second} wins" if high < 0
                   else "no clear winner")
        rows.append({**dict(zip([by] if isinstance(by, str) else by,
                                key if isinstance(key, tuple) else (key,))),
                     "gap": mean, "low": low, "high": high, "repeats": len(values),
                     "verdict": verdict})
    return pd.DataFrame(rows)


def move_champion(source: Any, target: Any) -> str:
    """Copy the source workspace's champion into the target's registry; the new version.

    The model travels in MLflow's open format (logged again under the target's tracking
    store) with its threshold, and becomes the target's champion through the same
    promotion rule, judged on the source run's recorded test rows.
    """
    from demo.model_layer.loading import load_model, recorded_test_split
    from demo.model_layer.registry import ModelToRegister, register_and_promote
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

"""The talk's best practices, measured on the walkthrough's own data and models.

The experiments are the course's (``demo.course.experiments``); this module only feeds them
the workspace's tables: the gold table, the bronze table as received, the champion.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from demo.catalog import Catalog
from demo.feature_spec import ID_COLUMN
from demo.settings import Settings
from demo.walkthrough.display import step_summary

TUNING_TRIALS = 8


def _plans(tuned: bool = True) -> list[Any]:
    from demo.course.experiments import Plan

    plans = [Plan("baseline", "baseline"), Plan("logistic regression", "logistic_regression"),
             Plan("gradient boosting", "hist_gradient_boosting")]
    if tuned:
        plans.append(Plan(f"gradient boosting, tuned ({TUNING_TRIALS} trials)",
                          "hist_gradient_boosting", TUNING_TRIALS))
    return plans


def simple_versus_complex(settings: Settings) -> pd.DataFrame:
    """Don't overengineer: what each step up in model complexity buys, and what it costs."""
    from demo.course.experiments import compare_plans
    from demo.model_layer.evaluate import BusinessCosts
    from demo.model_layer.split import split_gold

    split = split_gold(Catalog(settings).load("gold"), settings.seed)
    costs = BusinessCosts.from_policy(settings.policy)
    return compare_plans(_plans(), split, costs, settings.seed).drop(columns="params")


def clean_versus_dirty(settings: Settings) -> pd.DataFrame:
    """Clean data beats fancy models: the same plans trained on cleaned and on raw data.

    Both are judged on the same clean test rows, whose customers neither training set holds.
    """
    from demo.course.experiments import Plan, clean_vs_dirty, naive_preparation
    from demo.model_layer.evaluate import BusinessCosts
    from demo.model_layer.split import split_gold

    gold = Catalog(settings).load("gold")
    split = split_gold(gold, settings.seed)
    test_ids = set(split.test[ID_COLUMN].astype(str))
    bronze = Catalog(settings).load("bronze")
    raw_rows = bronze[~bronze[ID_COLUMN].astype(str).str.strip().isin(test_ids)]
    training_sets = {
        "cleaned (gold)": pd.concat([split.train, split.validation], ignore_index=True),
        "raw, naively prepared": naive_preparation(raw_rows.reset_index(drop=True)),
    }
    plans = [Plan("logistic regression", "logistic_regression"),
             Plan(f"gradient boosting, tuned ({TUNING_TRIALS} trials)",
                  "hist_gradient_boosting", TUNING_TRIALS)]
    costs = BusinessCosts.from_policy(settings.policy)
    return clean_vs_dirty(training_sets, split.test, plans, costs, settings.seed)


def decision_thresholds(settings: Settings) -> pd.DataFrame:
    """Understand your problem: what each decision threshold costs the business."""
    from demo.course.experiments import threshold_table
    from demo.model_layer.evaluate import BusinessCosts
    from demo.model_layer.loading import artifact_dir, load_model
    from demo.model_layer.split import features, label_vector
    from demo.model_layer.store import open_store

    champion = load_model(settings)
    training = step_summary(settings, "train")
    test = pd.read_parquet(artifact_dir(open_store(settings, create=False),
                                        training["parent_run_id"]) / "split" / "test.parquet")
    probabilities = champion.model.predict_proba(features(test))[:, 1]
    table = threshold_table(label_vector(test), probabilities,
                            BusinessCosts.from_policy(settings.policy))
    table.attrs["chosen_threshold"] = champion.threshold
    return table


def tracked_runs(settings: Settings) -> dict[str, int]:
    """If it's not tracked, it doesn't exist: what the walkthrough has in MLflow."""
    from demo.model_layer.loading import all_runs
    from demo.model_layer.store import open_store

    store = open_store(settings, create=False)
    runs = all_runs(store)
    versions = store.client.search_model_versions(f"name = '{settings.model_name}'")
    return {"runs": len(runs), "registered versions": len(versions),
            "parameters logged": sum(len(run.data.params) for run in runs),
            "metrics logged": sum(len(run.data.metrics) for run in runs)}

"""The generator's two churn modes: the default stays exactly as it was, and the non-linear
mode really holds structure a sum of per-feature effects cannot express."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from demo.synthetic.customers import (
    CHURN_MODES,
    ChurnModel,
    NonLinearEffects,
    PopulationParams,
    churn_probability,
    draw_customers,
    population,
)

# sha256 of draw_customers(500, seed=3) written as CSV, recorded before the non-linear mode
# existed: the default (linear) mode, and so datasets/ and every lesson, must not move.
LINEAR_DRAW_SHA256 = "38fe6ce66ed74058f0dae86848731b80b2176770ede4a90e317d1cbb70ef816f"


def csv_hash(frame: pd.DataFrame) -> str:
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()


def test_the_default_mode_is_unchanged() -> None:
    assert csv_hash(draw_customers(500, 3)) == LINEAR_DRAW_SHA256
    assert csv_hash(draw_customers(500, 3, population("linear"))) == LINEAR_DRAW_SHA256
    assert population("linear") == PopulationParams()
    assert CHURN_MODES["linear"] == ChurnModel()


def test_the_modes_draw_the_same_customers_with_different_churn() -> None:
    linear = draw_customers(2000, 5, population("linear"))
    non_linear = draw_customers(2000, 5, population("non_linear"))
    inputs = [c for c in linear.columns if c != "churn"]
    pd.testing.assert_frame_equal(linear[inputs], non_linear[inputs])
    assert not linear["churn"].equals(non_linear["churn"])


def test_an_unknown_mode_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="linear, non_linear"):
        population("wiggly")


def test_each_rule_switches_on_for_its_group_only() -> None:
    rules = NonLinearEffects()
    frame = pd.DataFrame({
        # new on a monthly contract | price step | senior fibre, no support | loyal | none
        "contract": ["Month-to-month", "One year", "Month-to-month", "Two year", "Month-to-month"],
        "tenure": [2, 20, 20, 60, 60],
        "monthly_charges": [50.0, 99.0, 80.0, 50.0, 50.0],
        "senior_citizen": [0, 0, 1, 1, 1],
        "internet_service": ["DSL", "DSL", "Fiber optic", "Fiber optic", "DSL"],
        "tech_support": ["No", "No", "No", "Yes", "No"],
    })
    expected = [rules.new_on_monthly_contract, rules.price_step, rules.senior_fibre_no_support,
                rules.loyal_on_term_contract, 0.0]
    np.testing.assert_allclose(rules.log_odds(frame), expected)


def churn_rate_step(frame: pd.DataFrame, below: pd.Series, above: pd.Series) -> float:
    churned = frame["churn"] == "Yes"
    return churned[above].mean() - churned[below].mean()


def test_the_price_step_shows_in_the_drawn_churn() -> None:
    """Bills just above $95 churn far more than bills just below, only in the non-linear mode."""
    steps = {}
    for mode in CHURN_MODES:
        frame = draw_customers(200_000, 17, population(mode))
        charges = frame["monthly_charges"]
        below, above = charges.between(90, 95), charges.between(95.01, 100)
        steps[mode] = churn_rate_step(frame, below, above)
    assert steps["non_linear"] > 0.15, steps
    assert abs(steps["linear"]) < 0.05, steps


@pytest.mark.slow
def test_a_tree_model_finds_what_a_linear_model_cannot_only_in_the_non_linear_mode() -> None:
    from sklearn.metrics import roc_auc_score
    from threadpoolctl import threadpool_limits

    from demo.model_layer.candidates import build_pipeline
    from demo.model_layer.split import features, label_vector

    train_rows, test_rows = 40_000, 20_000
    gaps, bayes = {}, {}
    for mode, churn in CHURN_MODES.items():
        drawn = draw_customers(train_rows + test_rows, 23, population(mode))
        train, test = drawn.iloc[:train_rows], drawn.iloc[train_rows:]
        labels = label_vector(test)
        scores = {}
        for name in ("logistic_regression", "hist_gradient_boosting"):
            model = build_pipeline(name, seed=0)
            with threadpool_limits(1):
                model.fit(features(train), label_vector(train))
            scores[name] = roc_auc_score(labels, model.predict_proba(features(test))[:, 1])
        gaps[mode] = scores["hist_gradient_boosting"] - scores["logistic_regression"]
        bayes[mode] = roc_auc_score(labels, churn_probability(test, churn)) - scores[
            "logistic_regression"]
    assert gaps["non_linear"] > 0.015, gaps  # the tree finds the rules
    assert gaps["linear"] < 0.002, gaps  # on a sum of effects, the linear model is right
    assert bayes["non_linear"] > 0.015, bayes  # and the linear model leaves a lot unexplained
    assert bayes["linear"] < 0.005, bayes

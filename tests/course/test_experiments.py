"""The experiment helpers behind lesson 06: intervals, verdicts and the repeated set-ups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from demo.course.experiments import (
    cleaning_experiment,
    gap_intervals,
    learning_curve,
    mean_interval,
    scaled_rates,
)
from demo.synthetic.defects import DefectRates

MODELS = {"simple": "logistic_regression", "complex": "hist_gradient_boosting"}


def test_mean_interval_is_the_student_t_interval() -> None:
    mean, low, high = mean_interval([1.0, 2.0, 3.0])
    half = stats.t.ppf(0.975, 2) * 1.0 / np.sqrt(3)
    assert (mean, low, high) == pytest.approx((2.0, 2.0 - half, 2.0 + half))


def test_a_winner_is_named_only_when_the_interval_excludes_zero() -> None:
    index = pd.MultiIndex.from_product([["above", "below", "straddles"], range(4)],
                                       names=["case", "repeat"])
    gaps = pd.Series([0.02, 0.03, 0.025, 0.021, -0.02, -0.03, -0.025, -0.021,
                      0.02, -0.03, 0.01, -0.01], index=index)
    table = gap_intervals(gaps, by="case", first="complex", second="simple").set_index("case")
    assert table["verdict"].to_dict() == {
        "above": "complex wins", "below": "simple wins", "straddles": "no clear winner"}
    assert (table["low"] <= table["gap"]).all() and (table["gap"] <= table["high"]).all()
    assert (table["repeats"] == 4).all()


def test_scaled_rates_multiply_every_rate_and_cap_them() -> None:
    sample, triple = DefectRates(), scaled_rates(3)
    assert triple.category_variant == pytest.approx(3 * sample.category_variant)
    assert triple.missing == pytest.approx(0.3)  # 3 x 0.10, at the cap
    assert scaled_rates(5).missing == pytest.approx(0.3)
    assert triple.missing_columns == sample.missing_columns


def test_learning_curve_is_one_row_per_fit_and_reproducible() -> None:
    def run() -> pd.DataFrame:
        return learning_curve("non_linear", (150, 300), MODELS, repeats=2, test_rows=300,
                              seed=3)

    curve = run()
    assert len(curve) == 2 * 2 * 2  # sizes x models x repeats
    assert set(curve["churn mode"]) == {"non_linear"}
    assert curve["roc_auc"].between(0.5, 1.0).all()
    pd.testing.assert_frame_equal(curve, run())


def test_cleaning_experiment_trains_on_fewer_cleaned_rows_and_judges_on_clean_ones() -> None:
    results = cleaning_experiment({"sample dirt": DefectRates()}, MODELS, repeats=1,
                                  train_rows=600, test_rows=300, churn_mode="linear", seed=5)
    assert len(results) == 2 * 2  # preparations x models
    rows = results.groupby("preparation")["training rows"].first()
    assert rows["parsed"] == 600 and rows["cleaned"] < 600
    assert results["roc_auc"].between(0.5, 1.0).all()

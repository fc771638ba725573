"""Exercise 01 (history): rules vs learning.

Each test grades one question of ``exercises/01_history/exercise.ipynb`` through the ``nb``
fixture (the notebook's namespace). Messages say what was expected and what came back,
never the answer's code.
"""

from __future__ import annotations

import pandas as pd
import pytest

from demo.synthetic.customers import draw_customers
from grading.quiz import quiz_test


@pytest.fixture(scope="module")
def fresh_customers(variant_seed) -> pd.DataFrame:
    """Customers the notebook never saw, without the label (a rule must not peek at it).
    Under the class grader they are drawn from the instructor's secret seed."""
    return draw_customers(3_000, seed=variant_seed(2024)).drop(columns=["churn"])


@pytest.fixture(scope="module")
def fresh_truth(variant_seed) -> pd.Series:
    return draw_customers(3_000, seed=variant_seed(2024))["churn"] == "Yes"


# -- q1: a rule-based churn predictor ---------------------------------------------------------


@pytest.mark.question("q1")
@pytest.mark.points(1)
def test_rule_returns_one_flag_per_customer(nb, fresh_customers):
    """predict_churn_by_rule returns one True/False per customer, on the same index"""
    flags = nb.predict_churn_by_rule(fresh_customers)
    assert isinstance(flags, pd.Series), f"expected a pandas Series, got {type(flags).__name__}"
    assert len(flags) == len(fresh_customers), (
        f"expected {len(fresh_customers)} flags (one per customer), got {len(flags)}")
    assert flags.index.equals(fresh_customers.index), "expected the same index as the input"
    assert flags.dtype == bool, f"expected dtype bool, got {flags.dtype}"


@pytest.mark.question("q1")
@pytest.mark.points(1)
def test_rule_leaves_its_input_alone(nb, fresh_customers):
    """predict_churn_by_rule does not change the frame it is given"""
    nb.predict_churn_by_rule(fresh_customers)
    assert 0 not in nb.changed_arguments, (
        "expected the input frame unchanged; your function modified it (work on a copy)")


@pytest.mark.question("q1")
@pytest.mark.points(2)
def test_rule_finds_churners_better_than_chance(nb, fresh_customers, fresh_truth):
    """the rules catch at least half the churners, with precision well above the base rate"""
    flags = nb.predict_churn_by_rule(fresh_customers).astype(bool)
    base_rate = fresh_truth.mean()
    recall = (flags & fresh_truth).sum() / fresh_truth.sum()
    precision = (flags & fresh_truth).sum() / max(flags.sum(), 1)
    assert recall >= 0.5, f"expected recall of at least 0.50 on new customers, got {recall:.2f}"
    assert precision >= base_rate + 0.1, (
        f"expected precision of at least {base_rate + 0.1:.2f} (base rate {base_rate:.2f} + 0.10)"
        f" on new customers, got {precision:.2f}")


# -- quiz: the lesson's knowledge check (its key and explanations: solutions/…/quiz.toml) ----

test_quiz = quiz_test("01_history")

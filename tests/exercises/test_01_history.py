"""Exercise 01 (history): rules vs learning, measured; the timeline; CAPTCHA.

Each test grades one question of ``exercises/01_history/exercise.ipynb`` through the ``nb``
fixture (the notebook's namespace). Messages say what was expected and what came back,
never the answer's code.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, precision_score, recall_score

from demo.paths import DATASETS_DIR
from demo.synthetic.customers import draw_customers
from grading.quiz import quiz_test

AI_HISTORY_CSV = DATASETS_DIR / "ai_history.csv"


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


# -- q2: the rule's metrics -------------------------------------------------------------------

ACTUAL = pd.Series([True, True, False, False, True, False, False, True])
PREDICTED = pd.Series([True, False, False, True, True, False, False, False])


@pytest.mark.question("q2")
@pytest.mark.points(2)
def test_metrics_on_a_small_example(nb):
    """rule_metrics gives precision, recall and accuracy on an 8-customer example"""
    metrics = nb.rule_metrics(ACTUAL, PREDICTED)
    assert isinstance(metrics, dict), f"expected a dict, got {type(metrics).__name__}"
    keys = {"precision", "recall", "accuracy"}
    assert set(metrics) == keys, f"expected the keys {sorted(keys)}, got {sorted(metrics)}"
    expected = {"precision": 2 / 3, "recall": 2 / 4, "accuracy": 5 / 8}
    for name, value in expected.items():
        assert metrics[name] == pytest.approx(value), (
            f"expected {name} = {value:.3f} (2 true positives, 1 false positive, 2 missed),"
            f" got {metrics[name]}")


@pytest.mark.question("q2")
@pytest.mark.points(1)
def test_metrics_when_nothing_is_flagged(nb):
    """rule_metrics gives precision 0.0 (not an error) when no customer is flagged"""
    nothing = pd.Series([False] * len(ACTUAL))
    metrics = nb.rule_metrics(ACTUAL, nothing)
    assert metrics["precision"] == 0.0, (
        f"expected precision 0.0 when nothing is flagged, got {metrics['precision']}")
    assert metrics["recall"] == 0.0, f"expected recall 0.0, got {metrics['recall']}"


@pytest.mark.question("q2")
@pytest.mark.points(1)
def test_metrics_agree_with_scikit_learn(nb, fresh_truth):
    """rule_metrics agrees with scikit-learn on 3,000 customers"""
    predicted = pd.Series(range(len(fresh_truth))) % 3 == 0
    metrics = nb.rule_metrics(fresh_truth, predicted)
    reference = {
        "precision": precision_score(fresh_truth, predicted, zero_division=0),
        "recall": recall_score(fresh_truth, predicted),
        "accuracy": accuracy_score(fresh_truth, predicted),
    }
    for name, value in reference.items():
        assert metrics[name] == pytest.approx(value), (
            f"expected {name} = {value:.4f} (as scikit-learn computes it), got {metrics[name]}")


FLOORS = {"precision": 0.45, "recall": 0.50}


@pytest.mark.question("q2")
@pytest.mark.points(1)
def test_rule_beats_the_reference(nb, fresh_customers, fresh_truth):
    """rule_metrics scores the rule above the reference on new customers"""
    metrics = nb.rule_metrics(fresh_truth, nb.predict_churn_by_rule(fresh_customers))
    for name, floor in FLOORS.items():
        got = metrics[name]
        assert type(got) is float or isinstance(got, np.floating), (
            f"expected {name} as a number, got {type(got).__name__}")
        assert got >= floor, f"expected {name} of at least {floor:.2f}, got {got:.2f}"


# -- q3: the timeline -------------------------------------------------------------------------

TOY_HISTORY = pd.DataFrame(
    {
        "year": [1990, 1950, 2000, 1975],
        "event": ["Gamma arrives", "Alpha paper", "Delta model", "Beta system"],
        "category": ["theory", "theory", "models", "systems"],
    }
)


@pytest.mark.question("q3")
@pytest.mark.points(1)
def test_years_between_on_a_toy_timeline(nb):
    """years_between counts the years from one milestone to another"""
    got = nb.years_between(TOY_HISTORY, "alpha", "Delta")
    assert got == 50, f"expected 50 years from 'Alpha' (1950) to 'Delta' (2000), got {got!r}"
    back = nb.years_between(TOY_HISTORY, "Delta", "Alpha")
    assert back == -50, f"expected -50 years when the second milestone came first, got {back!r}"


@pytest.mark.question("q3")
@pytest.mark.points(1)
def test_milestones_by_category_in_year_order(nb):
    """milestones_by_category lists one category's milestones, oldest first"""
    got = nb.milestones_by_category(TOY_HISTORY, "theory")
    expected = ["Alpha paper", "Gamma arrives"]
    assert list(got) == expected, f"expected {expected}, got {list(got)!r}"
    none = nb.milestones_by_category(TOY_HISTORY, "robots")
    assert list(none) == [], f"expected an empty list for an unknown category, got {list(none)!r}"


@pytest.mark.question("q3")
@pytest.mark.points(2)
def test_turing_to_transformer_on_the_course_timeline(nb):
    """turing_to_transformer is the gap on the course's own timeline"""
    history = pd.read_csv(AI_HISTORY_CSV)
    turing = history[history["event"].str.contains("Turing", case=False)]["year"].min()
    transformer = history[history["event"].str.contains("Transformer", case=False)]["year"].min()
    expected = int(transformer - turing)
    got = nb.turing_to_transformer
    assert got == expected, f"expected {expected} years (from datasets/ai_history.csv), got {got!r}"


# -- q4: CAPTCHA ------------------------------------------------------------------------------

# The expansion is checked by its fingerprint, so this file does not give the answer away.
CAPTCHA_FINGERPRINT = "9e2c1cbab80c28e5c1a22424ee8a46cd"


def _normalise(text: str) -> str:
    return " ".join(text.lower().split())


@pytest.mark.question("q4")
@pytest.mark.points(1)
def test_captcha_initials(nb):
    """expand_captcha's capitalised words spell CAPTCHA"""
    text = nb.expand_captcha()
    assert isinstance(text, str), f"expected a str, got {type(text).__name__}"
    initials = "".join(word[0] for word in text.split() if word[0].isupper())
    assert initials == "CAPTCHA", (
        f"expected the words that start with a capital letter to spell CAPTCHA, got {initials!r}")


@pytest.mark.question("q4")
@pytest.mark.points(1)
def test_captcha_expansion(nb):
    """expand_captcha gives the full expansion, word for word"""
    text = _normalise(nb.expand_captcha())
    words = len(text.split())
    assert words == 11, f"expected 11 words in the expansion, got {words}"
    assert "turing" in text, "expected the expansion to name the test it is based on"
    fingerprint = hashlib.sha256(text.encode()).hexdigest()[:32]
    assert fingerprint == CAPTCHA_FINGERPRINT, (
        "expected the official expansion; yours has the right shape but other words")


# -- quiz: the lesson's knowledge check (its key and explanations: solutions/…/quiz.toml) ----

test_quiz = quiz_test("01_history")

"""The data card states what the code does: its tables are regenerated and compared."""

from __future__ import annotations

import re

import pytest

from demo.paths import DATASETS_DIR
from demo.synthetic.card import (
    defect_rates_markdown,
    reference_auc,
    scenario_effects,
    schema_markdown,
)
from demo.synthetic.customers import draw_customers
from demo.synthetic.defects import make_raw

CARD = DATASETS_DIR / "README.md"


def test_schema_table_matches_the_feature_spec() -> None:
    assert schema_markdown() in CARD.read_text()


def test_defect_table_matches_the_generator() -> None:
    assert defect_rates_markdown() in CARD.read_text()


@pytest.mark.slow
@pytest.mark.parametrize("column, churn_mode", [(1, "linear"), (2, "non_linear")])
def test_stated_aucs_are_the_measured_ones(column: int, churn_mode: str) -> None:
    text = CARD.read_text()
    measured = reference_auc(churn_mode=churn_mode)
    stated = {
        "logistic_regression": r"\| logistic regression [^|]*\| (0\.\d{3}) \| (0\.\d{3}) \|",
        "hist_gradient_boosting": r"\| HistGradientBoosting [^|]*\| (0\.\d{3}) \| (0\.\d{3}) \|",
        "bayes_true_probability": r"\| Bayes optimum[^|]*\| (0\.\d{3}) \| (0\.\d{3}) \|",
    }
    for key, pattern in stated.items():
        match = re.search(pattern, text)
        assert match, f"no figure for {key} in the data card"
        assert float(match.group(column)) == pytest.approx(measured[key], abs=0.0005), key


def test_stated_sample_defect_counts_are_the_logged_ones() -> None:
    _, log = make_raw(draw_customers(7043, 42), 42)
    text = " ".join(CARD.read_text().split())
    stated = {
        "exact_duplicate": "exact duplicates",
        "conflicting_id": "conflicting ids",
        "blank_total_new_customer": "blank totals of new customers",
        "blank_total": "other blank totals",
        "negative_total": "negative totals",
        "tenure_out_of_range": "tenures out of range",
        "invalid_label": "invalid labels",
    }
    for kind, words in stated.items():
        assert f"{len(log.rows(kind))} {words}" in text, kind


def test_stated_scenario_effects_are_the_measured_ones() -> None:
    text = CARD.read_text()
    for line in scenario_effects().itertuples():
        row = next(r for r in text.splitlines() if r.startswith(f"| `{line.scenario}` |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        monthly, fibre, churn, auc_new, auc_old = cells[-5:]
        assert float(monthly) == pytest.approx(line.mean_monthly_charges, abs=0.005)
        assert float(fibre.rstrip(" %")) == pytest.approx(100 * line.fibre_share, abs=0.05)
        assert float(churn.rstrip(" %")) == pytest.approx(100 * line.churn_rate, abs=0.05)
        assert float(auc_new) == pytest.approx(line.auc_true_model, abs=0.0005)
        assert float(auc_old) == pytest.approx(line.auc_baseline_truth, abs=0.0005)

"""The data card states what the code does: its tables are regenerated and compared."""

from __future__ import annotations

import re

import pytest

from demo.paths import DATASETS_DIR
from demo.synthetic.card import defect_rates_markdown, reference_auc, schema_markdown

CARD = DATASETS_DIR / "README.md"


def test_schema_table_matches_the_feature_spec() -> None:
    assert schema_markdown() in CARD.read_text()


def test_defect_table_matches_the_generator() -> None:
    assert defect_rates_markdown() in CARD.read_text()


@pytest.mark.slow
def test_stated_aucs_are_the_measured_ones() -> None:
    text = CARD.read_text()
    measured = reference_auc()
    stated = {
        "logistic_regression": r"\| logistic regression [^|]*\| (0\.\d{3}) \|",
        "hist_gradient_boosting": r"\| HistGradientBoosting [^|]*\| (0\.\d{3}) \|",
        "bayes_true_probability": r"\| Bayes optimum[^|]*\| (0\.\d{3}) \|",
    }
    for key, pattern in stated.items():
        match = re.search(pattern, text)
        assert match, f"no figure for {key} in the data card"
        assert float(match.group(1)) == pytest.approx(measured[key], abs=0.0005), key

"""Gold: exactly the spec's model inputs, the id, the label as 0/1, and lineage."""

from __future__ import annotations

import numpy as np

from demo.data_layer.features import build_gold
from demo.feature_spec import (
    CATEGORICAL_INPUTS,
    ID_COLUMN,
    INPUT_COLUMNS,
    LINEAGE_COLUMNS,
    NUMERIC_INPUTS,
)
from tests.data_layer.conftest import clean_frame, customers_as_text


def test_gold_has_the_spec_columns_with_model_ready_types() -> None:
    raw = customers_as_text(30)
    gold = build_gold(clean_frame(raw).silver)
    assert list(gold.columns) == [ID_COLUMN, *INPUT_COLUMNS, "churn", *LINEAGE_COLUMNS]
    assert all(gold[c].dtype == "str" for c in CATEGORICAL_INPUTS)
    assert all(np.issubdtype(gold[c].dtype, np.number) for c in NUMERIC_INPUTS)
    assert gold["churn"].tolist() == (raw["churn"] == "Yes").astype(int).tolist()


def test_unlabelled_gold_has_no_label() -> None:
    silver = clean_frame(customers_as_text(5).drop(columns="churn"), require_label=False).silver
    gold = build_gold(silver)
    assert list(gold.columns) == [ID_COLUMN, *INPUT_COLUMNS, *LINEAGE_COLUMNS]


def test_build_gold_does_not_modify_silver() -> None:
    silver = clean_frame(customers_as_text(5)).silver
    before = silver.copy()
    build_gold(silver)
    assert silver.equals(before)

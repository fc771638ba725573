"""The clean draw is the ground truth: it must satisfy the feature specification exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd

from demo.feature_spec import FEATURES, RAW_COLUMNS
from demo.synthetic.customers import churn_probability, customer_ids, draw_customers


def test_clean_draw_has_the_raw_columns_in_order(clean: pd.DataFrame) -> None:
    assert list(clean.columns) == list(RAW_COLUMNS)


def test_clean_draw_satisfies_the_feature_spec(clean: pd.DataFrame) -> None:
    for feature in FEATURES:
        column = clean[feature.name]
        assert column.notna().all(), feature.name
        if feature.allowed:
            unexpected = set(column.unique()) - set(feature.known_values)
            assert not unexpected, f"{feature.name}: {unexpected}"
        if feature.minimum is not None:
            assert column.min() >= feature.minimum, feature.name
            assert column.max() <= feature.maximum, feature.name
        if feature.kind in ("integer", "binary"):
            assert pd.api.types.is_integer_dtype(column), feature.name


def test_ids_are_unique_and_shaped_like_the_public_data(clean: pd.DataFrame) -> None:
    ids = clean["customer_id"]
    assert ids.is_unique
    assert ids.str.fullmatch(r"\d{4}-[A-Z]{5}").all()


def test_id_ranges_never_collide() -> None:
    sample = set(customer_ids(0, 7043))
    batch = set(customer_ids(1_000_000, 50_000))
    assert not sample & batch


def test_services_are_consistent(clean: pd.DataFrame) -> None:
    no_internet = clean["internet_service"] == "No"
    assert (clean.loc[no_internet, "online_security"] == "No internet service").all()
    assert (clean.loc[~no_internet, "online_security"] != "No internet service").all()
    no_phone = clean["phone_service"] == "No"
    assert (clean.loc[no_phone, "multiple_lines"] == "No phone service").all()
    assert (clean.loc[clean["tenure"] == 0, "total_charges"] == 0).all()


def test_churn_follows_the_stated_model(clean: pd.DataFrame) -> None:
    """Observed churn tracks the true probability: the signal is real."""
    probability = churn_probability(clean)
    churned = (clean["churn"] == "Yes").to_numpy()
    assert abs(churned.mean() - probability.mean()) < 0.01
    high = probability > np.quantile(probability, 0.8)
    low = probability < np.quantile(probability, 0.2)
    assert churned[high].mean() > 3 * churned[low].mean()


def test_same_seed_same_draw_and_different_seed_differs() -> None:
    pd.testing.assert_frame_equal(draw_customers(500, 3), draw_customers(500, 3))
    assert not draw_customers(500, 3).equals(draw_customers(500, 4))

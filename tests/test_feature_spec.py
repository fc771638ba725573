"""The feature specification maps every header style onto one canonical name."""

import pytest

from demo.feature_spec import (
    CATEGORICAL_INPUTS,
    FEATURES,
    NUMERIC_INPUTS,
    RAW_COLUMNS,
    canonical_name,
    example_customer,
)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("customerID", "customer_id"),
        ("customer_id", "customer_id"),
        ("SeniorCitizen", "senior_citizen"),
        ("seniorCitizen", "senior_citizen"),
        ("Phone_Service", "phone_service"),
        ("paperlessbilling", "paperless_billing"),
        ("PaperlessBilling", "paperless_billing"),
        (" MonthlyCharges ", "monthly_charges"),
        ("Churn", "churn"),
    ],
)
def test_header_styles_fold_onto_canonical_names(raw: str, canonical: str) -> None:
    assert canonical_name(raw) == canonical


def test_unknown_header_has_no_canonical_name() -> None:
    assert canonical_name("favourite_colour") is None


def test_schema_has_the_21_public_columns() -> None:
    assert len(RAW_COLUMNS) == 21
    assert len(set(RAW_COLUMNS)) == 21


def test_model_inputs_are_numeric_or_categorical_and_exclude_id_and_label() -> None:
    inputs = set(NUMERIC_INPUTS) | set(CATEGORICAL_INPUTS)
    assert "customer_id" not in inputs and "churn" not in inputs
    assert inputs == set(example_customer())


def test_every_categorical_feature_lists_its_allowed_values_and_example() -> None:
    for feature in FEATURES:
        if feature.is_categorical:
            assert feature.allowed, feature.name
            assert feature.example in feature.allowed, feature.name
        if feature.is_numeric:
            assert feature.minimum <= feature.example <= feature.maximum, feature.name

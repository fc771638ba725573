"""Cleaning: sound repairs, explicit Unknowns, reasons for everything quarantined."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from demo.data_layer.clean import QUARANTINE_REASON, AccountingError, check_accounting, clean
from demo.data_layer.ingest import to_bronze
from demo.errors import DataError
from demo.feature_spec import FEATURES, FEATURES_BY_NAME, RAW_COLUMNS, UNKNOWN
from tests.data_layer.conftest import clean_frame, customers_as_text

ADDONS = ["online_security", "online_backup", "device_protection", "tech_support",
          "streaming_tv", "streaming_movies"]


def reason_of(result, customer_id: str) -> str:
    rows = result.quarantine.loc[result.quarantine["customer_id"] == customer_id]
    assert len(rows) == 1, f"{customer_id} not quarantined exactly once"
    return rows[QUARANTINE_REASON].item()


def silver_row(result, customer_id: str) -> pd.Series:
    rows = result.silver.loc[result.silver["customer_id"] == customer_id]
    assert len(rows) == 1, f"{customer_id} not in silver exactly once"
    return rows.iloc[0]


def test_clean_input_passes_untouched_with_typed_columns(clean_text) -> None:
    result = clean_frame(clean_text)
    assert (result.rows_read, result.rows_silver, result.rows_quarantined) == (12, 12, 0)
    silver = result.silver
    assert silver["tenure"].dtype == np.int64 and silver["senior_citizen"].dtype == np.int64
    assert silver["monthly_charges"].dtype == np.float64
    assert list(silver["contract"].cat.categories) == list(FEATURES_BY_NAME["contract"].allowed)
    assert list(silver["churn"].cat.categories) == ["Yes", "No"]
    assert silver["customer_id"].dtype == "str"
    expected = clean_text["tenure"].astype(int).tolist()
    assert silver["tenure"].tolist() == expected


def test_case_whitespace_and_punctuation_variants_are_normalised(clean_text) -> None:
    raw = clean_text.copy()
    raw.loc[0, ["partner", "churn", "contract"]] = ["YES", " no ", "month to month"]
    raw.loc[1, ["payment_method", "gender"]] = ["Bank transfer - automatic", " FEMALE"]
    result = clean_frame(raw)
    first, second = silver_row(result, raw.customer_id[0]), silver_row(result, raw.customer_id[1])
    assert (first.partner, first.churn, first.contract) == ("Yes", "No", "Month-to-month")
    assert (second.payment_method, second.gender) == ("Bank transfer (automatic)", "Female")
    assert result.repairs["partner spelling normalised"] == 1


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("tenure", "-5", "tenure -5 outside 0..72"),
        ("tenure", "99", "tenure 99 outside 0..72"),
        ("tenure", "3.5", "tenure 3.5 is not a whole number"),
        ("tenure", "abc", "tenure 'abc' is not a number"),
        ("tenure", "", "tenure is missing"),
        ("monthly_charges", "inf", "monthly_charges inf outside 0..200"),
        ("monthly_charges", "1e308", "monthly_charges 1e308 outside 0..200"),
        ("monthly_charges", "nan", "monthly_charges is missing"),
        ("total_charges", "-12.5", "total_charges -12.5 is negative"),
        ("senior_citizen", "2", "senior_citizen 2 is not 0 or 1"),
        ("churn", "Maybe", "churn 'Maybe' is not Yes or No"),
        ("churn", "", "churn label is missing"),
        ("contract", "Weekly", ("contract 'Weekly' is not one of Month-to-month, One year, "
                               "Two year")),
        ("customer_id", "  ", "customer_id is missing"),
    ],
)
def test_impossible_values_are_quarantined_with_a_reason(clean_text, column: str, value: str,
                                                         reason: str) -> None:
    raw = clean_text.copy()
    raw.loc[0, "tenure"] = "5"  # a customer whose total cannot be blank by rule
    raw.loc[0, column] = value
    result = clean_frame(raw)
    assert result.rows_quarantined == 1 and result.rows_silver == len(raw) - 1
    assert result.quarantine[QUARANTINE_REASON].item() == reason
    assert result.quarantine[column].item() == value  # the original value is kept


def test_a_row_with_several_problems_lists_them_all(clean_text) -> None:
    raw = clean_text.copy()
    raw.loc[2, ["tenure", "churn"]] = ["-1", "TBD"]
    assert reason_of(clean_frame(raw), raw.customer_id[2]) == (
        "tenure -1 outside 0..72; churn 'TBD' is not Yes or No")


def test_blank_total_is_zero_for_a_new_customer_and_quarantined_otherwise(clean_text) -> None:
    raw = clean_text.copy()
    raw.loc[0, ["tenure", "total_charges"]] = ["0", " "]
    raw.loc[1, ["tenure", "total_charges"]] = ["14", " "]
    result = clean_frame(raw)
    assert silver_row(result, raw.customer_id[0]).total_charges == 0.0
    assert reason_of(result, raw.customer_id[1]) == "total_charges is missing for tenure 14"
    assert result.repairs["total_charges blank for a tenure-0 customer -> 0.0"] == 1


def test_blank_categories_are_derived_where_implied_else_unknown(clean_text) -> None:
    raw = clean_text.copy()
    raw.loc[0, ["phone_service", "multiple_lines"]] = ["", "No phone service"]
    raw.loc[1, ["phone_service", "multiple_lines"]] = ["No", ""]
    raw.loc[2, "internet_service"] = ""
    raw.loc[2, ADDONS] = "No internet service"
    raw.loc[3, ["internet_service", *ADDONS]] = ["", "Yes", "No", "No", "No", "Yes", "No"]
    raw.loc[4, ["internet_service", "online_security"]] = ["No", ""]
    raw.loc[4, ADDONS[1:]] = "No internet service"
    raw.loc[5, ["gender", "contract"]] = ["", "N/A"]
    result = clean_frame(raw)
    assert result.rows_silver == len(raw)
    rows = [silver_row(result, raw.customer_id[i]) for i in range(6)]
    assert rows[0].phone_service == "No"
    assert rows[1].multiple_lines == "No phone service"
    assert rows[2].internet_service == "No"
    assert rows[3].internet_service == UNKNOWN  # has internet, but DSL or fibre is not known
    assert rows[4].online_security == "No internet service"
    assert (rows[5].gender, rows[5].contract) == (UNKNOWN, UNKNOWN)


def test_contradicting_columns_are_quarantined(clean_text) -> None:
    raw = clean_text.copy()
    raw.loc[0, ["phone_service", "multiple_lines"]] = ["No", "Yes"]
    raw.loc[1, ["internet_service", "online_backup"]] = ["DSL", "No internet service"]
    result = clean_frame(raw)
    assert "disagree about a phone line" in reason_of(result, raw.customer_id[0])
    assert "disagree about an internet line" in reason_of(result, raw.customer_id[1])


def test_exact_duplicates_are_dropped_and_counted(clean_text) -> None:
    raw = pd.concat([clean_text, clean_text.iloc[[3, 3, 5]]], ignore_index=True)
    result = clean_frame(raw)
    assert result.duplicates_dropped == 3 and result.rows_silver == len(clean_text)
    assert result.silver["customer_id"].is_unique


def test_duplicate_after_normalisation_is_dropped_not_a_conflict(clean_text) -> None:
    copy = clean_text.iloc[[4]].assign(churn=lambda f: " " + f.churn.str.upper())
    result = clean_frame(pd.concat([clean_text, copy], ignore_index=True))
    assert result.duplicates_dropped == 1 and result.rows_quarantined == 0


def test_conflicting_duplicate_ids_are_all_quarantined_with_their_lines(clean_text) -> None:
    twin = clean_text.iloc[[2]].assign(tenure="70")
    raw = pd.concat([clean_text, twin], ignore_index=True)
    result = clean_frame(raw)
    assert result.rows_quarantined == 2 and result.duplicates_dropped == 0
    reasons = set(result.quarantine[QUARANTINE_REASON])
    assert reasons == {(f"customer_id {raw.customer_id[2]} appears on lines 4, 14 with "
                       "different values")}


def test_unlabelled_batch_needs_no_label_and_keeps_none() -> None:
    raw = customers_as_text().drop(columns="churn")
    result = clean_frame(raw, require_label=False)
    assert result.rows_silver == len(raw) and "churn" not in result.silver.columns


def test_missing_label_column_is_a_data_error_naming_the_file() -> None:
    bronze = to_bronze(customers_as_text().drop(columns="churn"), "batch.csv")
    with pytest.raises(DataError, match=r"batch.csv: missing required column\(s\): churn"):
        clean(bronze)


def test_silver_holds_only_allowed_values_and_no_nulls() -> None:
    raw = customers_as_text(300, seed=9)
    rng = np.random.default_rng(0)
    for column in ("gender", "partner", "payment_method", "multiple_lines"):
        raw.loc[rng.random(len(raw)) < 0.2, column] = ""
    silver = clean_frame(raw).silver
    assert not silver[list(RAW_COLUMNS)].isna().any().any()
    for feature in FEATURES:
        if feature.allowed:
            assert set(silver[feature.name]) <= set(feature.allowed), feature.name
        if feature.minimum is not None:
            assert silver[feature.name].between(feature.minimum, feature.maximum).all()


def test_blank_line_and_broken_line_each_get_one_reason(write_file, clean_text) -> None:
    lines = clean_text.to_csv(index=False, lineterminator="\n").splitlines()
    lines.insert(3, "")
    lines[5] = lines[5] + ",extra"
    from tests.data_layer.conftest import clean_file

    result = clean_file(write_file("\n".join(lines) + "\n"))
    reasons = dict(zip(result.quarantine["_source_row"], result.quarantine[QUARANTINE_REASON],
                       strict=True))
    assert reasons == {4: "line is blank", 6: "line has 22 fields, the header has 21"}
    assert result.rows_read == len(clean_text) + 1


def test_input_is_not_modified(clean_text) -> None:
    bronze = to_bronze(clean_text, "raw.csv")
    before = bronze.frame.copy()
    clean(bronze)
    pd.testing.assert_frame_equal(bronze.frame, before)


def test_accounting_check_raises_when_rows_go_missing(clean_text) -> None:
    result = clean_frame(clean_text)
    result.duplicates_dropped += 1
    with pytest.raises(AccountingError, match="rows read 12"):
        check_accounting(result)

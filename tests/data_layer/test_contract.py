"""The data contract: generated from the spec, passes on clean truth, fails on raw data."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from demo.data_layer.contract import ValidationReport, contract_expectations, validate_silver
from demo.data_layer.ingest import read_raw_csv, to_bronze
from demo.feature_spec import FEATURES
from demo.paths import SAMPLE_RAW_CSV
from demo.synthetic.customers import draw_customers


@pytest.fixture(scope="session")
def truth_report() -> ValidationReport:
    return validate_silver(draw_customers(3000, 11))


@pytest.fixture(scope="session")
def raw_report() -> ValidationReport:
    """The contract run on the raw sample as it arrives (bronze, not cleaned), with one
    column cut off as a careless export would."""
    bronze = to_bronze(read_raw_csv(SAMPLE_RAW_CSV), "sample").frame
    return validate_silver(bronze.drop(columns="tech_support"))


def test_every_feature_gets_presence_null_and_type_expectations() -> None:
    specs = contract_expectations()
    for feature in FEATURES:
        kinds = {s.kind for s in specs if s.kwargs.get("column") == feature.name}
        assert {"ExpectColumnValuesToNotBeNull", "ExpectColumnValuesToBeOfType"} <= kinds
        if feature.allowed:
            assert "ExpectColumnValuesToBeInSet" in kinds
        if feature.minimum is not None:
            assert "ExpectColumnValuesToBeBetween" in kinds
    assert any(s.kind == "ExpectColumnValuesToBeUnique" for s in specs)
    columns = next(s for s in specs if s.kind == "ExpectTableColumnsToMatchSet")
    assert columns.kwargs["column_set"] == [f.name for f in FEATURES]
    assert {s.severity for s in specs} == {"critical", "warning"}


def test_contract_passes_on_the_generated_ground_truth(truth_report) -> None:
    assert truth_report.success, truth_report.critical_failures
    assert truth_report.warnings == []
    assert isinstance(truth_report.results, pd.DataFrame)
    assert truth_report.results["success"].all()


def test_contract_fails_on_the_raw_sample_with_the_expected_expectations(raw_report) -> None:
    assert not raw_report.success
    failed = raw_report.results[~raw_report.results["success"]]
    failed_pairs = set(zip(failed["expectation"], failed["column"], strict=True))
    for column in ("senior_citizen", "tenure", "monthly_charges", "total_charges"):
        assert ("expect_column_values_to_be_of_type", column) in failed_pairs
    for column in ("gender", "contract", "payment_method", "churn"):
        assert ("expect_column_values_to_be_in_set", column) in failed_pairs  # variants
    assert ("expect_column_values_to_be_unique", "customer_id") in failed_pairs
    assert any("customer_id" in f and "unique" in f for f in raw_report.critical_failures)
    assert any("missing: tech_support" in f for f in raw_report.critical_failures)


def test_pipeline_on_the_sample_passes_the_contract_and_saves_reports(sample_pipeline) -> None:
    summary, settings = sample_pipeline
    assert summary["validation"]["success"] is True
    assert summary["rows_read"] == (summary["rows_silver"] + summary["rows_quarantined"]
                                    + summary["duplicates_dropped"])
    saved = json.loads((settings.reports_dir / "validation.json").read_text())
    assert saved["summary"]["success"] is True and saved["great_expectations"]["results"]
    page = (settings.reports_dir / "validation.html").read_text()
    assert "Data contract: PASSED" in page and "http" not in page  # needs no network
    assert (settings.reports_dir / "data_docs" / "index.html").exists()


def test_critical_failure_stops_the_run_naming_the_expectation(settings, monkeypatch,
                                                               write_file) -> None:
    from demo.data_layer import rules
    from demo.errors import ContractError
    from demo.pipeline import run_pipeline
    from tests.data_layer.conftest import csv_text, customers_as_text

    real_rules = rules.number_rules

    def broken_rules(frame, found):  # a cleaning bug that lets a negative tenure through
        numbers = real_rules(frame, found)
        return numbers.assign(tenure=numbers["tenure"] - 100)

    monkeypatch.setattr("demo.data_layer.rules.number_rules", broken_rules)
    path = write_file(csv_text(customers_as_text(20)))
    with pytest.raises(ContractError, match=r"expect_column_values_to_be_between\(tenure\)"):
        run_pipeline(settings, path, until="features")
    summary = json.loads((settings.reports_dir / "run_summary.json").read_text())
    assert summary["validation"]["success"] is False
    assert any("tenure" in f for f in summary["validation"]["failed_expectations"])

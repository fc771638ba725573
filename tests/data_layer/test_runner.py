"""The data steps end to end on small files: tables and summary written, errors named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from demo.catalog import Catalog
from demo.errors import DataError
from demo.pipeline import run_pipeline
from tests.data_layer.conftest import csv_text, customers_as_text

NO_CONTRACT = {"contract": {"skip": True}}
SUMMARY_KEYS = {"rows_read", "rows_silver", "rows_quarantined", "duplicates_dropped",
                "quarantine_reasons", "validation", "unknown_columns", "repairs"}


def test_run_writes_one_parquet_per_table_and_the_summary(settings, write_file) -> None:
    raw = customers_as_text(40).assign(notes="x")
    raw.loc[0, "tenure"] = "-5"
    returned = run_pipeline(settings, write_file(csv_text(raw)), options=NO_CONTRACT,
                            until="features")
    catalog = Catalog(settings)
    for table in ("bronze", "silver", "quarantine", "gold"):
        assert catalog.path(table).parent.name == table
        assert returned["files"][table] == str(catalog.path(table))
    summary = json.loads((settings.reports_dir / "run_summary.json").read_text())
    assert summary == json.loads(json.dumps(returned, default=str))
    assert summary["validation"]["skipped"] is True
    assert SUMMARY_KEYS <= set(summary)
    assert (summary["rows_read"], summary["rows_silver"], summary["rows_quarantined"]) == (
        40, 39, 1)
    assert summary["quarantine_reasons"] == {"tenure outside 0..72": 1}
    assert summary["unknown_columns"] == ["notes"]
    quarantine = catalog.load("quarantine")
    assert quarantine["quarantine_reason"].tolist() == ["tenure -5 outside 0..72"]
    assert "notes" in catalog.load("bronze").columns
    assert "notes" not in catalog.load("gold").columns


def test_the_catalog_without_a_run_says_what_to_do(settings) -> None:
    with pytest.raises(DataError, match="no gold table in .*python -m demo ingest"):
        Catalog(settings).path("gold")


def test_a_file_where_nothing_survives_is_a_data_error(settings, write_file) -> None:
    raw = customers_as_text(5).assign(churn="Maybe")
    with pytest.raises(DataError, match="no row survived cleaning.*churn label"):
        run_pipeline(settings, write_file(csv_text(raw)), options=NO_CONTRACT, until="features")


def test_the_data_steps_give_the_run_summary_its_data_section(sample_pipeline) -> None:
    summary, settings = sample_pipeline
    written = json.loads((settings.reports_dir / "run_summary.json").read_text())
    assert SUMMARY_KEYS <= set(written)
    assert "train" not in written  # only the steps that ran have a section
    gold = Catalog(settings).load("gold")
    assert len(gold) == summary["rows_gold"] == summary["rows_silver"]
    assert Path(summary["files"]["gold"]) == Catalog(settings).path("gold")

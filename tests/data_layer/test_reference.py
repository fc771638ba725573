"""The outside reference file: every row accounted for, by the stated rules.

The file lives beside the repository (never inside it); without it these tests skip.
"""

from __future__ import annotations

import json

import pytest

from demo.data_layer.clean import clean
from demo.data_layer.ingest import read_raw_csv, to_bronze
from demo.feature_spec import UNKNOWN
from demo.paths import REFERENCE_RAW_CSV
from tests.data_layer.test_cli import demo_cli

pytestmark = [
    pytest.mark.reference_data,
    pytest.mark.skipif(not REFERENCE_RAW_CSV.exists(),
                       reason=f"outside reference file not present at {REFERENCE_RAW_CSV}"),
]


def test_reference_file_is_fully_accounted_for_by_stated_rules() -> None:
    bronze = to_bronze(read_raw_csv(REFERENCE_RAW_CSV), str(REFERENCE_RAW_CSV))
    cleaned = clean(bronze)
    assert cleaned.rows_read == 7043
    assert cleaned.rows_read == (cleaned.rows_silver + cleaned.rows_quarantined
                                 + cleaned.duplicates_dropped)
    assert "phone_service" in bronze.renamed.values()  # mixed header styles mapped
    assert bronze.renamed["seniorCitizen"] == "senior_citizen"
    # The empty internet_service column: 'No' where every add-on says so, else Unknown.
    silver = cleaned.silver
    assert set(silver["internet_service"].unique()) == {"No", UNKNOWN}
    no_net = silver["internet_service"] == "No"
    assert (silver.loc[no_net, "online_backup"] == "No internet service").all()
    # Negative totals are impossible: every one is quarantined with its value.
    assert cleaned.quarantine_reasons["total_charges is negative"] == 473
    assert (silver["total_charges"] >= 0).all()
    reasons = cleaned.quarantine["quarantine_reason"]
    assert reasons.str.len().gt(0).all()


@pytest.mark.slow
def test_cli_ingests_the_reference_file_with_the_contract(tmp_path) -> None:
    done = demo_cli("ingest", str(REFERENCE_RAW_CSV), workspace=tmp_path / "ws")
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "ws" / "reports" / "run_summary.json").read_text())
    assert summary["validation"]["success"] is True
    assert any("internet_service" in w for w in summary["validation"]["warnings"])

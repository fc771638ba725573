"""The platform profile's data layer on Spark gives, row for row, what the pandas one gives:
the same silver, the same quarantine with the same reasons, the same gold and accounting.

One SparkSession on ``local[2]`` serves the whole module (a JVM start costs seconds).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from demo.paths import PROJECT_ROOT, REFERENCE_RAW_CSV, SAMPLE_RAW_CSV
from demo.platform.spark_data_layer import run_spark_data_layer, spark_session
from demo.settings import Settings
from tests.data_layer.test_accounting import random_mix
from tests.platform_profile.spark_compare import assert_equivalent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    session = spark_session("local[2]", shuffle_partitions=2, driver_memory="1g")
    yield session
    session.stop()


def run_both(spark: SparkSession, workspace: Path, raw: Path) -> dict:
    summary = run_spark_data_layer(Settings(workspace=workspace / "spark"), raw, spark=spark)
    assert summary["rows_read"] == (summary["rows_silver"] + summary["rows_quarantined"]
                                    + summary["duplicates_dropped"])
    assert summary["validation"]["failed_expectations"] == []
    assert_equivalent(workspace, raw, summary)
    return summary


def test_the_committed_sample(spark: SparkSession, tmp_path: Path) -> None:
    summary = run_both(spark, tmp_path, SAMPLE_RAW_CSV)
    assert summary["rows_quarantined"] > 0 and summary["duplicates_dropped"] > 0


def test_a_generated_100k_file(spark: SparkSession, tmp_path: Path) -> None:
    raw = tmp_path / "raw_100k.csv"
    subprocess.run([sys.executable, "-m", "demo", "generate", "--rows", "100000", "--out",
                    str(raw), "--workspace", str(tmp_path / "generator")],
                   cwd=PROJECT_ROOT, check=True, capture_output=True)
    summary = run_both(spark, tmp_path, raw)
    assert "customer_id appears with different values" in summary["quarantine_reasons"]


@pytest.mark.reference_data
@pytest.mark.skipif(not REFERENCE_RAW_CSV.exists(),
                    reason=f"outside reference file not present at {REFERENCE_RAW_CSV}")
def test_the_outside_reference_file(spark: SparkSession, tmp_path: Path) -> None:
    run_both(spark, tmp_path, REFERENCE_RAW_CSV)


@pytest.mark.parametrize("seed", [1, 7])
def test_random_mixes_of_nasty_cells(spark: SparkSession, tmp_path: Path, seed: int) -> None:
    """Cells such as ``inf``, ``1e308``, ``N/A``, ``Maybe`` or ``été`` anywhere in the file
    (the rules the generated files never hit, such as a senior_citizen of ``YES``)."""
    raw = tmp_path / "mix.csv"
    random_mix(seed).to_csv(raw, index=False)
    run_both(spark, tmp_path, raw)

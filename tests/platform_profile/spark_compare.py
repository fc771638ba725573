"""Helpers of the Spark tests: run both engines on one file and compare their tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from demo.pipeline import run_pipeline
from demo.settings import Settings

# The ingestion time differs between two runs by design; every other column must match.
NOT_COMPARED = ("_ingested_at",)
SUMMARY_KEYS = ("rows_read", "rows_silver", "rows_quarantined", "duplicates_dropped",
                "quarantine_reasons", "repairs")


def as_values(frame: pd.DataFrame) -> dict[str, list[Any]]:
    """Each column as a plain list (None for a missing value), whatever its dtype."""
    return {name: frame[name].astype(object).where(frame[name].notna(), None).tolist()
            for name in frame.columns if name not in NOT_COMPARED}


def assert_same_table(pandas_file: Path, spark_folder: Path, table: str) -> None:
    expected = as_values(pd.read_parquet(pandas_file))
    got = as_values(pd.read_parquet(spark_folder))
    assert list(got) == list(expected), f"{table}: columns differ"
    for name, values in expected.items():
        if got[name] != values:
            first = next(i for i, (a, b) in enumerate(zip(values, got[name], strict=False))
                         if a != b)
            raise AssertionError(f"{table}.{name} differs first at row {first}: pandas "
                                 f"{values[first]!r}, Spark {got[name][first]!r} "
                                 f"({len(values)} vs {len(got[name])} rows)")


def assert_equivalent(workspace: Path, raw: Path, spark_summary: dict[str, Any]) -> None:
    """The pandas data layer on ``raw`` gives the same tables and accounting as Spark did."""
    pandas_summary = run_pipeline(Settings(workspace=workspace / "pandas"), raw,
                                  options={"contract": {"skip": True}}, until="features")
    for key in SUMMARY_KEYS:
        assert spark_summary[key] == pandas_summary[key], key
    for table in ("silver", "quarantine", "gold"):
        assert_same_table(Path(pandas_summary["files"][table]),
                          Path(spark_summary["files"][table]), table)

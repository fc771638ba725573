"""Prove that a change to the data layer leaves its tables unchanged.

``save`` runs ingest, cleaning and features on raw files and writes every table (bronze,
silver, quarantine, gold, and the unlabelled silver and gold) plus the counts to Parquet
and JSON; ``compare`` runs the current code on the same files and checks each table is
identical, value for value and dtype for dtype, to the saved one:

    python -m tests.data_layer.equivalence save DIR RAW.csv [RAW.csv ...]
    python -m tests.data_layer.equivalence compare DIR RAW.csv [RAW.csv ...]

The ingestion time is fixed, so two runs can be compared.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from demo.data_layer.clean import clean
from demo.data_layer.features import build_gold
from demo.data_layer.ingest import read_raw_csv, to_bronze

FIXED_TIME = datetime(2026, 1, 1, tzinfo=UTC)


def data_layer_tables(raw_path: Path) -> tuple[dict[str, pd.DataFrame], dict[str, object]]:
    """Every table the data layer makes from one file, and its accounting."""
    bronze = to_bronze(read_raw_csv(raw_path), str(raw_path), ingested_at=FIXED_TIME)
    labelled = clean(bronze, require_label=True)
    unlabelled = clean(bronze, require_label=False)
    tables = {
        "bronze": bronze.frame,
        "silver": labelled.silver,
        "quarantine": labelled.quarantine,
        "gold": build_gold(labelled.silver),
        "silver_unlabelled": unlabelled.silver,
        "quarantine_unlabelled": unlabelled.quarantine,
        "gold_unlabelled": build_gold(unlabelled.silver),
    }
    counts = {
        "renamed": bronze.renamed, "unknown_columns": bronze.unknown_columns,
        "missing_columns": bronze.missing_columns,
        **{f"{name}_{key}": value for name, result in
           (("labelled", labelled), ("unlabelled", unlabelled))
           for key, value in (("rows_read", result.rows_read),
                              ("duplicates_dropped", result.duplicates_dropped),
                              ("repairs", result.repairs),
                              ("quarantine_reasons", result.quarantine_reasons))},
    }
    return tables, counts


def save(folder: Path, raw_paths: list[Path]) -> None:
    for raw_path in raw_paths:
        tables, counts = data_layer_tables(raw_path)
        target = folder / raw_path.stem
        target.mkdir(parents=True, exist_ok=True)
        for name, table in tables.items():
            table.to_parquet(target / f"{name}.parquet")
        (target / "counts.json").write_text(json.dumps(counts, indent=1))
        print(f"saved {raw_path}: " + ", ".join(f"{n} {len(t):,}" for n, t in tables.items()))


def compare(folder: Path, raw_paths: list[Path]) -> bool:
    identical = True
    for raw_path in raw_paths:
        tables, counts = data_layer_tables(raw_path)
        saved = folder / raw_path.stem
        expected_counts = json.loads((saved / "counts.json").read_text())
        actual_counts = json.loads(json.dumps(counts))
        for key in sorted(set(expected_counts) | set(actual_counts)):
            expected, actual = expected_counts.get(key), actual_counts.get(key)
            if json.dumps(expected) != json.dumps(actual):  # dictionaries in the same order
                identical = False
                print(f"{raw_path.name}: {key} differs:\n  saved {expected}\n  now   {actual}")
        for name, table in tables.items():
            try:
                pd.testing.assert_frame_equal(table, pd.read_parquet(saved / f"{name}.parquet"))
            except AssertionError as difference:
                identical = False
                print(f"{raw_path.name}: {name} differs: {difference}")
            else:
                print(f"{raw_path.name}: {name} identical ({len(table):,} rows)")
    return identical


if __name__ == "__main__":
    command, folder, *raw_files = sys.argv[1:]
    paths = [Path(p) for p in raw_files]
    if command == "save":
        save(Path(folder), paths)
    else:
        sys.exit(0 if compare(Path(folder), paths) else 1)

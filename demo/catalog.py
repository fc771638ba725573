"""The catalog: every artifact of the pipeline by name, and where it lives in the workspace.

A step asks for ``catalog.load("silver")`` and hands its result to ``catalog.save("gold",
frame, run_id)``; it never builds a path itself. Tables are Parquet, one file per run, named
by the run id (a UTC timestamp, so the newest sorts last and wins). The Spark engine writes
``<run id>.spark`` folders, which pandas reads the same way. Models are not files: they are
``models:/<registered name>@<alias>`` URIs in the MLflow registry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from demo.errors import DataError
from demo.settings import Settings

# A raw export outside the workspace is read where it is (raw data is never modified): this
# file then holds its path, and the catalog's "raw" is that file.
RAW_POINTER = "raw/source.txt"
# Tables of the lake: one file (or Spark folder) per run, under lake/<name>/.
LAKE_TABLES = ("bronze", "silver", "quarantine", "gold")
# Single files, relative to the workspace; a new run replaces them.
FILES = {
    "raw": "raw/customers_raw.csv",  # the export the pipeline starts from
    "validation": "reports/validation.json",  # the data contract's result
    "traffic": "batches/traffic.csv",  # production customers sent to the API
    "production_batch": "batches/production.csv",  # labelled traffic for the monitor
    "production_features": "batches/production.parquet",  # its rows after the data layer
    "scores": "serving/scores.csv",  # the champion's batch scores of that traffic
    "drift_report": "reports/drift_latest.json",  # the monitor's verdict on it
    "prediction_log": "serving/predictions.jsonl",  # every answer the API gave
}
RAW_EXPORTS = ("raw", "traffic", "production_batch")  # read as text, as the data layer does
# Registered models, by alias.
MODELS = ("champion", "challenger")
# The candidates of the latest training live in the MLflow experiment, not in a file.
TRACKED = ("candidates",)
NAMES = (*FILES, *LAKE_TABLES, *MODELS, *TRACKED)  # every name the catalog knows


def new_run_id() -> str:
    """A run id: a UTC timestamp, so that sorting by name sorts by time."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


@dataclass(frozen=True)
class Catalog:
    """Names to locations, for one workspace (one ``Settings``)."""

    settings: Settings

    def path(self, name: str) -> Path:
        """Where ``name`` is now: the newest run of a lake table, or the dataset's file.

        ``DataError`` (naming what to run) when it has not been written yet."""
        if name in LAKE_TABLES:  # one file (pandas) or folder (Spark) per run, oldest first
            folder = self.settings.lake_dir / name  # a folder not made yet holds no run
            runs = sorted([*folder.glob("*.parquet"), *folder.glob("*.spark")],
                          key=lambda p: p.stem)
            if not runs:
                raise DataError(f"no {name} table in {self.settings.workspace}: run `python -m "
                                "demo ingest` (or the pipeline) first")
            return runs[-1]
        path = self.location(name)
        if name == "raw" and self.raw_pointer.exists():
            path = Path(self.raw_pointer.read_text(encoding="utf-8").strip())
        if not path.exists():
            raise DataError(f"no {name} in {self.settings.workspace}: run the step that "
                            "makes it first (`python -m demo run`, or the app)")
        return path

    def location(self, name: str, run_id: str | None = None) -> Path:
        """Where ``name`` is (or will be) written; a lake table needs the ``run_id``."""
        if name in LAKE_TABLES:
            if run_id is None:
                raise ValueError(f"a new {name} table needs a run id")
            return self.settings.lake_dir / name / f"{run_id}.parquet"
        if name not in FILES:
            raise KeyError(f"the catalog has no dataset called {name!r}: one of "
                           f"{', '.join(NAMES)}")
        return self.settings.workspace / FILES[name]

    @property
    def raw_pointer(self) -> Path:
        return self.settings.workspace / RAW_POINTER

    def point_raw_at(self, source: str | Path | None) -> None:
        """Make ``source`` (a file anywhere) the raw export; ``None``: the workspace's own."""
        self.raw_pointer.unlink(missing_ok=True)
        if source is not None and Path(source).resolve() != self.location("raw").resolve():
            self.raw_pointer.parent.mkdir(parents=True, exist_ok=True)
            self.raw_pointer.write_text(str(Path(source).resolve()), encoding="utf-8")
            self.location("raw").unlink(missing_ok=True)  # not left to be mistaken for it

    def run_id(self, table: str) -> str:
        """The run id of the newest ``table``: later tables of the same data keep it."""
        return self.path(table).stem

    def exists(self, name: str) -> bool:
        try:
            self.path(name)
        except DataError:
            return False
        return True

    def load(self, name: str) -> Any:
        """The dataset's content: a DataFrame for tables and CSV files, a dict for JSON."""
        path = self.path(name)
        try:
            if path.suffix == ".json":
                return json.loads(path.read_text())
            if name in RAW_EXPORTS:  # as the data layer reads an export: every column as text
                from demo.data_layer.ingest import read_raw_csv

                return read_raw_csv(path)
            if path.suffix == ".csv":
                return pd.read_csv(path)
            return pd.read_parquet(path)
        except (OSError, ValueError) as exc:
            raise DataError(f"cannot read the {name} table {path}: {exc}") from exc

    def save(self, name: str, frame: pd.DataFrame, run_id: str | None = None) -> Path:
        """Write ``frame`` as ``name`` (Parquet in the lake, else the file's own format)."""
        path = self.location(name, run_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)
        return path

    def model_uri(self, alias: str) -> str:
        """``models:/<registered name>@<alias>``: how serving and scoring name a model."""
        if alias not in MODELS:
            raise KeyError(f"the catalog has no model called {alias!r}: one of "
                           f"{', '.join(MODELS)}")
        return f"models:/{self.settings.model_name}@{alias}"

"""The data layer end to end: raw file -> bronze -> silver + quarantine -> contract -> gold.

This is the edge where files are read and written; the steps it calls are pure functions.
Every run writes one Parquet file per table under the workspace's lake, named by the run id
(a UTC timestamp, so the newest sorts last), plus reports under ``reports/``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from demo.catalog import Catalog, new_run_id
from demo.data_layer.clean import CleanResult, clean
from demo.data_layer.features import build_gold
from demo.data_layer.ingest import BronzeResult, read_raw_csv, to_bronze
from demo.errors import ContractError, DataError
from demo.settings import Settings

if TYPE_CHECKING:
    from demo.data_layer.contract import ValidationReport

STEPS = ("ingest", "clean", "validate", "features", "write")
SUMMARY_FILE = "run_summary.json"
DATA_SUMMARY_FILE = "data_layer_summary.json"

Progress = Callable[[str], None]


@dataclass
class DataLayerResult:
    """What one run of the data layer produced, and where it wrote it."""

    run_id: str
    source: str
    bronze: BronzeResult
    cleaned: CleanResult
    gold: pd.DataFrame | None
    validation: ValidationReport | None
    paths: dict[str, Path] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The machine-readable accounting (the data section of run_summary.json)."""
        cleaned = self.cleaned
        validation = (self.validation.to_dict() if self.validation is not None
                      else {"success": None, "failed_expectations": [], "skipped": True})
        return {
            "run_id": self.run_id,
            "source_file": self.source,
            "rows_read": cleaned.rows_read,
            "rows_silver": cleaned.rows_silver,
            "rows_quarantined": cleaned.rows_quarantined,
            "duplicates_dropped": cleaned.duplicates_dropped,
            "rows_gold": 0 if self.gold is None else len(self.gold),
            "quarantine_reasons": cleaned.quarantine_reasons,
            "repairs": cleaned.repairs,
            "unknown_columns": self.bronze.unknown_columns,
            "renamed_columns": self.bronze.renamed,
            "validation": validation,
            "files": {name: str(path) for name, path in self.paths.items()},
            "seconds": {name: round(value, 3) for name, value in self.seconds.items()},
        }


def run_data_layer(
    settings: Settings,
    raw_path: str | Path,
    require_label: bool = True,
    validate: bool = True,
    on_step: Progress | None = None,
) -> DataLayerResult:
    """Run every data-layer step on ``raw_path`` and write the tables and reports.

    Raises ``DataError`` for a file that cannot be used and ``ContractError`` (after writing
    the tables and the validation report, so they can be inspected) when a critical
    expectation fails.
    """
    step = on_step or (lambda name: None)
    seconds: dict[str, float] = {}
    run_id = new_run_id()
    settings.ensure_dirs()

    step("ingest")
    with _timed(seconds, "ingest"):
        bronze = to_bronze(read_raw_csv(raw_path), str(raw_path))
    step("clean")
    with _timed(seconds, "clean"):
        cleaned = clean(bronze, require_label=require_label)
    if cleaned.rows_silver == 0:
        raise DataError(f"{raw_path}: no row survived cleaning ({cleaned.rows_quarantined} "
                        f"quarantined, {cleaned.duplicates_dropped} duplicates); "
                        f"top reasons: {_top_reasons(cleaned)}")
    result = DataLayerResult(run_id, str(raw_path), bronze, cleaned, None, None,
                             seconds=seconds)
    catalog = Catalog(settings)
    with _timed(seconds, "write"):
        for name, table in (("bronze", bronze.frame), ("silver", cleaned.silver),
                            ("quarantine", cleaned.quarantine)):
            result.paths[name] = catalog.save(name, table, run_id)
    if validate:
        step("validate")
        from demo.data_layer.contract import save_report, validate_silver  # seconds to import

        with _timed(seconds, "validate"):
            result.validation = validate_silver(cleaned.silver,
                                                docs_dir=settings.reports_dir / "data_docs")
            result.paths.update(save_report(result.validation, settings.reports_dir, run_id))
        if not result.validation.success:
            write_summary(settings, result.summary())
            raise ContractError(
                f"{raw_path}: the data contract failed on critical expectation(s): "
                f"{'; '.join(result.validation.critical_failures)} "
                f"(details: {result.paths['validation_html']})")

    step("features")
    with _timed(seconds, "features"):
        result.gold = build_gold(cleaned.silver)
    step("write")
    with _timed(seconds, "write"):
        result.paths["gold"] = catalog.save("gold", result.gold, run_id)
    write_summary(settings, result.summary())
    return result


def write_summary(settings: Settings, data_section: dict[str, Any]) -> Path:
    """Write the data layer's summary, and run_summary.json with it as the latest run."""
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data_section, indent=2, default=str)
    (settings.reports_dir / DATA_SUMMARY_FILE).write_text(text)
    path = settings.reports_dir / SUMMARY_FILE
    path.write_text(text)
    return path


def _top_reasons(cleaned: CleanResult, count: int = 3) -> str:
    reasons = list(cleaned.quarantine_reasons.items())[:count]
    return ", ".join(f"{reason} ({rows})" for reason, rows in reasons) or "none"


@contextmanager
def _timed(seconds: dict[str, float], name: str) -> Iterator[None]:
    """Add the block's wall time to ``seconds[name]``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - start

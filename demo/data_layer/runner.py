"""The data layer end to end: raw file -> bronze -> silver + quarantine -> contract -> gold.

This is the edge where files are read and written; the steps it calls are pure functions.
Every run writes one Parquet file per table under the workspace's lake, named by the run id
(a UTC timestamp, so the newest sorts last), plus reports under ``reports/``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import pandas as pd

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
T = TypeVar("T")


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


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


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

    if validate:
        from demo.data_layer.contract import import_in_background

        import_in_background()
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
    # Parquet writing releases the GIL and the contract is mostly Python: on two cores the
    # tables are written while the contract runs.
    with ThreadPoolExecutor(max_workers=1) as pool:
        tables = pool.submit(_timed_call, seconds, "write", _write_tables, settings, run_id,
                             bronze, cleaned)
        report = None
        if validate:
            step("validate")
            from demo.data_layer.contract import save_report, validate_silver

            with _timed(seconds, "validate"):
                report = validate_silver(cleaned.silver,
                                         docs_dir=settings.reports_dir / "data_docs")
                result.validation = report
                result.paths.update(save_report(report, settings.reports_dir, run_id))
        result.paths.update(tables.result())
    if report is not None and not report.success:
        write_summary(settings, result.summary())
        raise ContractError(
            f"{raw_path}: the data contract failed on critical expectation(s): "
            f"{'; '.join(report.critical_failures)} (details: {result.paths['validation_html']})")

    step("features")
    with _timed(seconds, "features"):
        result.gold = build_gold(cleaned.silver)
    step("write")
    result.paths["gold"] = _timed_call(seconds, "write", _write_parquet, result.gold,
                                       settings.gold_dir, run_id)
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


def latest_path(folder: Path, table: str, settings: Settings) -> Path:
    files = sorted(folder.glob("*.parquet")) if folder.exists() else []
    if not files:
        raise DataError(f"no {table} table in {settings.workspace}: "
                        "run `python -m demo ingest` first")
    return files[-1]


def latest_gold_path(settings: Settings) -> Path:
    """The newest gold table in the workspace."""
    return latest_path(settings.gold_dir, "gold", settings)


def latest_silver_path(settings: Settings) -> Path:
    return latest_path(settings.silver_dir, "silver", settings)


class ScoringInput(NamedTuple):
    """A batch made ready for the model: the features, and the rows that could not be."""

    features: pd.DataFrame
    quarantine: pd.DataFrame


def prepare_for_scoring(raw: str | Path | pd.DataFrame, settings: Settings | None = None,
                        ) -> ScoringInput:
    """Clean an unlabelled batch with the same rules as training data (nothing written).

    ``raw`` is a raw CSV path or a DataFrame with the raw columns (any header style). A label
    column, if present, is ignored. ``settings`` is accepted for symmetry and unused.
    """
    if isinstance(raw, pd.DataFrame):
        bronze = to_bronze(raw.reset_index(drop=True), "the input table")
    else:
        bronze = to_bronze(read_raw_csv(raw), str(raw))
    cleaned = clean(bronze, require_label=False)
    return ScoringInput(build_gold(cleaned.silver), cleaned.quarantine)


def _write_tables(settings: Settings, run_id: str, bronze: BronzeResult,
                  cleaned: CleanResult) -> dict[str, Path]:
    return {
        "bronze": _write_parquet(bronze.frame, settings.bronze_dir, run_id),
        "silver": _write_parquet(cleaned.silver, settings.silver_dir, run_id),
        "quarantine": _write_parquet(cleaned.quarantine, settings.quarantine_dir, run_id),
    }


def _write_parquet(frame: pd.DataFrame, folder: Path, run_id: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{run_id}.parquet"
    frame.to_parquet(path, index=False)
    return path


def _top_reasons(cleaned: CleanResult, count: int = 3) -> str:
    reasons = list(cleaned.quarantine_reasons.items())[:count]
    return ", ".join(f"{reason} ({rows})" for reason, rows in reasons) or "none"


@contextmanager
def _timed(seconds: dict[str, float], name: str) -> Iterator[None]:
    """Add the block's wall time to ``seconds[name]`` and the CPU time of the thread that
    ran it to ``seconds["cpu_" + name]`` (CPU time stays honest on a busy machine)."""
    start, start_cpu = time.perf_counter(), time.thread_time()
    try:
        yield
    finally:
        seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - start
        cpu = f"cpu_{name}"
        seconds[cpu] = seconds.get(cpu, 0.0) + time.thread_time() - start_cpu


def _timed_call(seconds: dict[str, float], name: str, function: Callable[..., T],
                *args: Any) -> T:
    with _timed(seconds, name):
        return function(*args)

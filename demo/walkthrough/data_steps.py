"""The data layer's steps as the workshop runs them: raw → bronze/silver/quarantine → gold.

Each function calls the data layer's public functions and writes the result to the
workspace (the edges do the I/O); none of them re-implements a rule.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from demo.errors import DataError, DemoError
from demo.paths import SAMPLE_RAW_CSV
from demo.settings import Settings
from demo.walkthrough.catalogue import Presets, raw_dir, raw_path
from demo.walkthrough.record import require, save_step, step_result

MAX_ROWS = 200_000


def run_raw(
    settings: Settings, presets: Presets, rows: int | None = None, seed: int | None = None,
    use_sample: bool = False,
) -> dict:
    """Start from a raw file: the committed sample, or ``rows`` generated customers.

    With ``presets.dirty`` the generator injects the defects of a real export (the defect log
    says which rows got which); otherwise the file is the clean ground truth.
    """
    from demo.synthetic.customers import draw_customers
    from demo.synthetic.defects import make_raw
    from demo.synthetic.export import write_csv

    rows = presets.rows if rows is None else rows
    if not 1 <= rows <= MAX_ROWS:
        raise DemoError(f"rows must be between 1 and {MAX_ROWS:,}, got {rows:,}")
    seed = settings.seed if seed is None else seed
    target = raw_path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    if use_sample:
        if not SAMPLE_RAW_CSV.exists():
            raise DataError(f"the committed sample {SAMPLE_RAW_CSV} is missing")
        shutil.copyfile(SAMPLE_RAW_CSV, target)
        summary = {"source": f"committed sample {SAMPLE_RAW_CSV.name}", "dirty": True}
    else:
        clean = draw_customers(rows, seed)
        defects: list[dict] = []
        if presets.dirty:
            raw, log = make_raw(clean, seed)
            defects = log.counts().to_dict("records")
        else:
            raw = clean
        write_csv(raw, target)
        summary = {"source": f"generated, seed {seed}", "dirty": presets.dirty,
                   "defects": defects}
    frame = read_raw(target)
    summary |= {"rows": len(frame), "columns": _headers(frame)}
    return save_step(settings, "raw", [target], summary)


def save_uploaded_raw(settings: Settings, filename: str, content: bytes) -> dict:
    """Use an uploaded CSV as the raw file, once the data layer can read it."""
    staging = raw_dir(settings) / f"upload-{Path(filename).name}"
    staging.parent.mkdir(parents=True, exist_ok=True)
    staging.write_bytes(content)
    try:
        frame = read_raw(staging)
        _refuse_missing_columns(frame, Path(filename).name)
    except DemoError:
        staging.unlink(missing_ok=True)
        raise
    target = raw_path(settings)
    staging.replace(target)
    summary = {"source": f"uploaded {Path(filename).name}", "dirty": None, "defects": [],
               "rows": len(frame), "columns": _headers(frame)}
    return save_step(settings, "raw", [target], summary)


def _refuse_missing_columns(frame: pd.DataFrame, name: str) -> None:
    from demo.data_layer.ingest import to_bronze

    missing = to_bronze(frame, name).missing_columns
    if missing:
        raise DataError(f"{name}: is not a customer export: missing the column(s) "
                        f"{', '.join(missing)}; expected the columns of the raw sample")


def read_raw(path: Path) -> pd.DataFrame:
    """The raw file as the data layer reads it (every column as text)."""
    from demo.data_layer.ingest import read_raw_csv

    return read_raw_csv(path)


def _parquet(frame: pd.DataFrame, folder: Path, stem: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.parquet"
    frame.to_parquet(path, index=False)
    return path


def run_clean(settings: Settings, presets: Presets | None = None) -> dict:
    """Ingest the raw file to bronze, then clean it into silver and quarantine."""
    from demo.data_layer.clean import clean
    from demo.data_layer.ingest import to_bronze

    require(settings, "clean")
    source = raw_path(settings)
    bronze = to_bronze(read_raw(source), source.name, datetime.now(UTC))
    result = clean(bronze)
    artifacts = [
        _parquet(bronze.frame, settings.bronze_dir, "bronze"),
        _parquet(result.silver, settings.silver_dir, "silver"),
        _parquet(result.quarantine, settings.quarantine_dir, "quarantine"),
    ]
    summary = {
        "rows_read": int(result.rows_read),
        "rows_silver": len(result.silver),
        "rows_quarantined": len(result.quarantine),
        "duplicates_dropped": int(result.duplicates_dropped),
        "repairs": {k: int(v) for k, v in dict(result.repairs).items()},
        "quarantine_reasons": {str(k): int(v) for k, v in result.quarantine_reasons.items()},
        "renamed": bronze.renamed,
        "unknown_columns": bronze.unknown_columns,
    }
    return save_step(settings, "clean", artifacts, summary)


def load_table(settings: Settings, key: str, position: int = 0) -> pd.DataFrame:
    """A Parquet table a step wrote (``position`` picks among its artifacts)."""
    return pd.read_parquet(step_result(settings, key)["artifacts"][position])


def run_contract(settings: Settings, presets: Presets | None = None) -> dict:
    """Run the data contract on silver and save its report (JSON, HTML, results table)."""
    from demo.data_layer.contract import save_report, validate_silver

    require(settings, "contract")
    report = validate_silver(load_table(settings, "clean", 1))
    paths = save_report(report, settings.reports_dir, "walkthrough")
    results = settings.reports_dir / "validation_results.parquet"
    report.results.astype(str).to_parquet(results, index=False)
    summary = report.to_dict()
    return save_step(settings, "contract", [paths["validation_json"], results,
                                            paths["validation_html"]], summary)


def run_features(settings: Settings, presets: Presets | None = None) -> dict:
    """Build the gold feature table from silver, once the contract has passed."""
    from demo.data_layer.features import build_gold

    require(settings, "features")
    contract = step_result(settings, "contract")["summary"]
    if not contract["success"]:
        raise DemoError("the data contract failed on silver ("
                        + "; ".join(contract["critical_failures"])
                        + "): fix the data or start from clean data, then run the contract")
    gold = build_gold(load_table(settings, "clean", 1))
    path = _parquet(gold, settings.gold_dir, "gold")
    summary = {"rows": len(gold), "columns": list(gold.columns),
               "churn_rate": float(gold["churn"].mean()) if "churn" in gold else None}
    return save_step(settings, "features", [path], summary)


def _headers(frame: pd.DataFrame) -> list[str]:
    """The file's own headers (without the reader's bookkeeping columns)."""
    return [str(c) for c in frame.columns if not str(c).startswith("_")]

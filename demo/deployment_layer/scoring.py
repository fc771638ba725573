"""Batch scoring: a raw CSV through the data layer's cleaning rules, then the registered model.

Rows the cleaning rules cannot trust are quarantined with their reason (written beside the
output), the rest are scored by the same registered pipeline the API serves, in chunks with
progress. Every input row is accounted for: scored + quarantined + duplicates dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from demo.errors import DataError
from demo.feature_spec import ID_COLUMN, INPUT_COLUMNS, LABEL_COLUMN

CHUNK_ROWS = 50_000


@dataclass
class PreparedBatch:
    """A raw batch after the data layer: model-ready rows and what was set aside."""

    source: Path
    features: pd.DataFrame  # customer_id, the model inputs, churn when labelled
    quarantine: pd.DataFrame
    rows_read: int
    duplicates_dropped: int
    quarantine_reasons: dict[str, int]


def prepare_frame(raw: pd.DataFrame, source: str | Path,
                  require_label: bool = False) -> PreparedBatch:
    """Clean a raw frame with the data layer's rules (its label is used when present)."""
    from demo.data_layer.clean import clean
    from demo.data_layer.features import build_gold
    from demo.data_layer.ingest import to_bronze

    bronze = to_bronze(raw, str(source))
    has_label = LABEL_COLUMN in bronze.frame.columns
    if require_label and not has_label:
        raise DataError(f"{source}: has no '{LABEL_COLUMN}' column, and this step needs labels")
    cleaned = clean(bronze, require_label=has_label)
    return PreparedBatch(
        source=Path(source),
        features=build_gold(cleaned.silver),
        quarantine=cleaned.quarantine,
        rows_read=cleaned.rows_read,
        duplicates_dropped=cleaned.duplicates_dropped,
        quarantine_reasons=dict(cleaned.quarantine_reasons),
    )


def prepare_batch(path: Path, require_label: bool = False) -> PreparedBatch:
    """Read a raw CSV and clean it with the data layer's rules."""
    from demo.data_layer.ingest import read_raw_csv

    return prepare_frame(read_raw_csv(path), Path(path).name, require_label)


def score_batch(model: Any, threshold: float, features: pd.DataFrame,
                on_chunk: Any = None) -> pd.DataFrame:
    """Scores for a model-ready frame: id, probability, decision (a new frame)."""
    probabilities = np.empty(len(features))
    for start in range(0, len(features), CHUNK_ROWS):
        chunk = features.iloc[start:start + CHUNK_ROWS]
        probabilities[start:start + len(chunk)] = model.predict_proba(chunk[list(INPUT_COLUMNS)])[:, 1]
        if on_chunk is not None:
            on_chunk(len(chunk))
    return pd.DataFrame({ID_COLUMN: features[ID_COLUMN].to_numpy(),
                         "churn_probability": probabilities,
                         "churn_predicted": probabilities >= threshold})


def write_frame(frame: pd.DataFrame, path: Path) -> None:
    """CSV, or Parquet when the name ends in .parquet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)


def score_prepared(loaded: Any, batch: PreparedBatch, output: Path) -> dict[str, Any]:
    """Score a prepared batch with a loaded registered model, write the scores (and the
    quarantined rows beside them); what was done, for a summary table."""
    from demo.console import progress

    with progress() as bar:
        task = bar.add_task(f"scoring {batch.source.name}", total=len(batch.features))
        scored = score_batch(loaded.model, loaded.threshold, batch.features,
                             on_chunk=lambda rows: bar.advance(task, rows))
    scored["model_version"] = loaded.version
    write_frame(scored, output)
    quarantine_output = None
    if len(batch.quarantine):
        quarantine_output = output.with_name(f"{output.stem}.quarantine.csv")
        write_frame(batch.quarantine, quarantine_output)
    return {"rows read": batch.rows_read, "scored": len(scored),
            "quarantined": len(batch.quarantine),
            "duplicates dropped": batch.duplicates_dropped, "model version": loaded.version,
            "quarantine file": str(quarantine_output or "-")}

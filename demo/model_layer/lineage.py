"""Lineage: what a model was made from, as tags every run and model version carries.

A model you cannot trace back to its data and code cannot be debugged, audited or
reproduced. The dataset hash is computed from the rows themselves (not a file name), so the
same table read from CSV or Parquet hashes the same.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pandas as pd

from demo.feature_spec import ID_COLUMN, INPUT_COLUMNS, LABEL_COLUMN, SPEC_VERSION
from demo.paths import PROJECT_ROOT, SAMPLE_RAW_CSV

HASHED_COLUMNS: tuple[str, ...] = (ID_COLUMN, *INPUT_COLUMNS, LABEL_COLUMN)
SAMPLE_GENERATOR_SEED = 42  # the committed sample's seed (datasets/README.md)


def generator_seed(gold: pd.DataFrame) -> int | None:
    """The generator seed behind ``gold`` when it is known: only the committed sample's."""
    sources = gold["_source_file"].unique() if "_source_file" in gold.columns else []
    if len(sources) == 1 and Path(str(sources[0])).resolve() == SAMPLE_RAW_CSV.resolve():
        return SAMPLE_GENERATOR_SEED
    return None


def dataset_hash(frame: pd.DataFrame) -> str:
    """A SHA-256 of the modelling columns' values, in row order (lineage columns ignored)."""
    columns = [c for c in HASHED_COLUMNS if c in frame.columns]
    digest = hashlib.sha256(",".join(columns).encode())
    for column in columns:
        values = frame[column]
        if not pd.api.types.is_numeric_dtype(values):
            values = values.astype(str)
        digest.update(pd.util.hash_pandas_object(values, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def git_commit() -> str:
    """The repository's current commit, or "unknown" outside a git checkout."""
    try:
        # a generous timeout: a busy machine must not turn lineage into "unknown"
        result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT,
                                capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and commit else "unknown"


def lineage_tags(frame: pd.DataFrame, rows_by_split: dict[str, int],
                 generator_seed: int | None) -> dict[str, str]:
    """The lineage tags of a training run (MLflow tags are text)."""
    return {"data_hash": dataset_hash(frame), "rows_total": str(len(frame)),
            "feature_spec_version": SPEC_VERSION, "git_commit": git_commit(),
            "generator_seed": "unknown" if generator_seed is None else str(generator_seed),
            **{f"rows_{name}": str(count) for name, count in rows_by_split.items()}}

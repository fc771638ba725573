"""Kept only until the lessons call ``demo.steps.run_step`` themselves; then deleted.

``run_data_layer`` runs the data steps (raw, clean, contract, features) through
``demo.pipeline.run_pipeline`` and hands back the attributes the old lessons read.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from demo.settings import Settings


def run_data_layer(settings: Settings, raw_path: str | Path, require_label: bool = True,
                   validate: bool = True) -> SimpleNamespace:
    """The data steps on ``raw_path``: ``paths``, ``summary()``, ``cleaned.silver``,
    ``gold`` and ``validation`` (``None`` when skipped)."""
    from demo.catalog import Catalog
    from demo.data_layer.contract import ValidationReport
    from demo.pipeline import run_pipeline

    options = {"clean": {"require_label": require_label}, "contract": {"skip": not validate}}
    summary = run_pipeline(settings, raw_path, options=options, until="features")
    catalog, paths = Catalog(settings), {k: Path(v) for k, v in summary["files"].items()}
    validation = None
    if validate:
        paths["data_docs"] = settings.reports_dir / "data_docs" / "index.html"
        results = pd.read_parquet(settings.reports_dir / "validation_results.parquet")
        validation = ValidationReport(results.assign(success=results["success"] == "True"),
                                      rows=summary["rows_silver"])
    return SimpleNamespace(paths=paths, summary=lambda: summary, validation=validation,
                           cleaned=SimpleNamespace(silver=catalog.load("silver")),
                           gold=catalog.load("gold"))

"""The monitor's edges: read the batch and the training data, write and log the drift report.

The report goes to ``reports/drift_<batch>.json`` and ``.html`` in the workspace (plus
``drift_latest.*``), and to MLflow as a ``drift-monitor`` run with one PSI metric per
feature, so drift over time is a chart in the MLflow UI.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from demo.deployment_layer.drift_html import render_html
from demo.deployment_layer.monitoring import (
    DriftReport,
    DriftThresholds,
    performance,
    psi,
    psi_by_feature,
)
from demo.feature_spec import INPUT_COLUMNS, LABEL_COLUMN
from demo.settings import Settings


def reference_table(settings: Settings) -> pd.DataFrame:
    """The training data the champion learnt from: the latest gold table."""
    from demo.catalog import Catalog

    return Catalog(settings).load("gold")


def monitor_frame(settings: Settings, reference: pd.DataFrame, current: pd.DataFrame,
                  batch_name: str, champion: Any = None) -> DriftReport:
    """Compare ``current`` with ``reference`` under the champion; write and log the report."""
    from demo.model_layer.loading import load_model
    from demo.model_layer.split import label_vector

    champion = champion or load_model(settings, "champion")
    reference_scores = champion.model.predict_proba(reference[list(INPUT_COLUMNS)])[:, 1]
    current_scores = champion.model.predict_proba(current[list(INPUT_COLUMNS)])[:, 1]
    thresholds = DriftThresholds.from_policy(settings.policy)
    report = DriftReport(
        rows_reference=len(reference),
        rows_current=len(current),
        features=psi_by_feature(reference, current, thresholds),
        prediction_psi=psi(reference_scores, current_scores),
        performance=(performance(label_vector(current), current_scores, champion.threshold)
                     if LABEL_COLUMN in current.columns else {}),
        reference_performance={k.removeprefix("test_"): v for k, v in champion.metrics.items()
                               if k.startswith("test_")},
        model={"name": settings.model_name, "version": champion.version, "alias": "champion"},
        batch=batch_name,
        thresholds=thresholds,
    )
    html = render_html(report, reference, current, reference_scores, current_scores)
    log_report(settings, report, write_report(settings, report, html))
    return report


def write_report(settings: Settings, report: DriftReport, html: str) -> list[Path]:
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    stem = "drift_" + re.sub(r"[^A-Za-z0-9_.-]", "_", Path(report.batch).stem or "batch")
    payload = json.dumps(report.to_dict(), indent=2, default=str)
    for name in (stem, "drift_latest"):
        (settings.reports_dir / f"{name}.json").write_text(payload)
        (settings.reports_dir / f"{name}.html").write_text(html, encoding="utf-8")
    return [settings.reports_dir / f"{stem}.json", settings.reports_dir / f"{stem}.html"]


def log_report(settings: Settings, report: DriftReport, paths: list[Path]) -> str:
    """One MLflow run per monitored batch: PSI metrics, verdict tags, the report files."""
    from demo.model_layer.store import open_store
    from demo.model_layer.tracking import log_run

    metrics = {f"psi.{r.feature}": r.psi for r in report.features.itertuples()}
    metrics["psi.prediction"] = report.prediction_psi
    metrics.update({f"batch.{k}": v for k, v in report.performance.items()})
    return log_run(
        open_store(settings), f"drift-monitor {report.batch}",
        tags={"step": "monitor", "batch": report.batch, "verdict": report.verdict,
              "model_version": report.model.get("version", ""),
              "retrain_recommended": str(report.retrain_recommended)},
        params=settings.policy.as_params(), metrics=metrics, files=paths, files_folder="drift")

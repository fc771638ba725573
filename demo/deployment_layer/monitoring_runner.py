"""The monitor's edges: score both tables, then write, render and log the drift report.

The report goes to ``reports/drift_<batch>.json`` and ``.html`` in the workspace (plus
``drift_latest.*``), and to MLflow as a ``drift-monitor`` run with one PSI metric per
feature, so drift over time is a chart in the MLflow UI. The HTML page is self-contained:
its plots are PNGs inlined as base64, and no script, stylesheet or font comes from a CDN,
so it reads the same offline.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from demo.deployment_layer.monitoring import (
    DriftThresholds,
    bin_shares,
    judge_drift,
    psi,
    psi_by_feature,
)
from demo.feature_spec import FEATURES_BY_NAME, INPUT_COLUMNS, LABEL_COLUMN
from demo.settings import Settings

_COLOURS = {"none": "#2e7d32", "moderate": "#ef6c00", "severe": "#c62828"}
_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1000px;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:4px 10px}
th{background:#f3f3f3}.badge{color:#fff;padding:2px 8px;border-radius:4px}
img{max-width:100%}
"""


def monitor_frame(settings: Settings, reference: pd.DataFrame, current: pd.DataFrame,
                  batch_name: str, champion: Any = None) -> dict[str, Any]:
    """Compare ``current`` with ``reference`` (the training data's gold table) under the
    champion; write and log the report."""
    from demo.model_layer.evaluate import BusinessCosts, classification_metrics
    from demo.model_layer.loading import load_model
    from demo.model_layer.split import label_vector

    champion = champion or load_model(settings, "champion")
    reference_scores = champion.model.predict_proba(reference[list(INPUT_COLUMNS)])[:, 1]
    current_scores = champion.model.predict_proba(current[list(INPUT_COLUMNS)])[:, 1]
    thresholds = DriftThresholds.from_policy(settings.policy)
    performance: dict[str, float] = {}
    if LABEL_COLUMN in current.columns:  # labels came back: measure it like the test set
        labels = label_vector(current)
        measured = classification_metrics(labels, current_scores, champion.threshold,
                                          BusinessCosts.from_policy(settings.policy))
        # No ROC AUC (NaN) when the batch holds one class only.
        performance = {k: v for k, v in measured.items() if not np.isnan(v)}
        performance["churn_rate"] = float(np.mean(labels))
    features = psi_by_feature(reference, current, thresholds)
    prediction_psi = psi(reference_scores, current_scores)
    reference_performance = {k.removeprefix("test_"): v for k, v in champion.metrics.items()
                             if k.startswith("test_")}
    report = {
        "rows_reference": len(reference), "rows_current": len(current),
        "prediction_psi": prediction_psi, "performance": performance,
        "reference_performance": reference_performance,
        "model": {"name": settings.model_name, "version": champion.version, "alias": "champion"},
        "batch": batch_name, "thresholds": asdict(thresholds),
        "features": features.to_dict(orient="records"),
        **judge_drift(features, prediction_psi, performance, reference_performance, thresholds),
    }
    page = render_html(report, reference, current, reference_scores, current_scores)
    log_report(settings, report, write_report(settings, report, page))
    return report


def report_paths(settings: Settings, batch_name: str) -> list[Path]:
    """Where a batch's drift report goes: ``reports/drift_<batch>.json`` and ``.html``."""
    stem = "drift_" + re.sub(r"[^A-Za-z0-9_.-]", "_", Path(batch_name).stem or "batch")
    return [settings.reports_dir / f"{stem}.json", settings.reports_dir / f"{stem}.html"]


def write_report(settings: Settings, report: dict[str, Any], page: str) -> list[Path]:
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(report, indent=2, default=str)
    paths = report_paths(settings, report["batch"])
    for json_path, html_path in (paths, report_paths(settings, "latest")):
        json_path.write_text(payload)
        html_path.write_text(page, encoding="utf-8")
    return paths


def log_report(settings: Settings, report: dict[str, Any], paths: list[Path]) -> str:
    """One MLflow run per monitored batch: PSI metrics, verdict tags, the report files."""
    from demo.model_layer.store import open_store
    from demo.model_layer.tracking import log_run

    metrics = {f"psi.{row['feature']}": row["psi"] for row in report["features"]}
    metrics["psi.prediction"] = report["prediction_psi"]
    metrics.update({f"batch.{k}": v for k, v in report["performance"].items()})
    return log_run(
        open_store(settings), f"drift-monitor {report['batch']}",
        tags={"step": "monitor", "batch": report["batch"], "verdict": report["verdict"],
              "model_version": report["model"]["version"],
              "retrain_recommended": str(report["retrain_recommended"])},
        params=settings.policy.as_params(), metrics=metrics, files=paths, files_folder="drift")


def _png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode()


def psi_figure(report: dict[str, Any]) -> Any:
    """PSI per feature as horizontal bars, with the moderate and severe thresholds."""
    from matplotlib.figure import Figure

    table = pd.DataFrame(report["features"]).iloc[::-1]
    figure = Figure(figsize=(7, 0.32 * len(table) + 1.2))
    axes = figure.add_subplot()
    axes.barh(table["feature"], table["psi"], color=[_COLOURS[lv] for lv in table["level"]])
    for line in (report["thresholds"]["moderate"], report["thresholds"]["severe"]):
        axes.axvline(line, color="grey", linestyle="--", linewidth=1)
    axes.set_xlabel("PSI against the training data")
    axes.set_title("Feature drift")
    return figure


def scores_figure(reference_scores: np.ndarray, current_scores: np.ndarray) -> Any:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 3))
    axes = figure.add_subplot()
    for scores, label in ((reference_scores, "training data"), (current_scores, "this batch")):
        axes.hist(scores, bins=20, range=(0, 1), alpha=0.6, density=True, label=label)
    axes.set_xlabel("predicted churn probability")
    axes.set_title("Prediction drift")
    axes.legend()
    return figure


def features_figure(reference: pd.DataFrame, current: pd.DataFrame, names: list[str]) -> Any:
    """Training data vs batch shares, in the bins PSI compares, for a few features."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 2.6 * len(names)))
    for row, name in enumerate(names, start=1):
        axes = figure.add_subplot(len(names), 1, row)
        labels, ref, cur = bin_shares(reference[name], current[name],
                                      FEATURES_BY_NAME[name].is_categorical)
        positions = np.arange(len(labels))
        axes.bar(positions - 0.2, ref, width=0.4, label="training data")
        axes.bar(positions + 0.2, cur, width=0.4, label="this batch")
        axes.set_xticks(positions, labels, rotation=20, fontsize=7)
        axes.set_title(name, fontsize=9)
        axes.legend(fontsize=7)
    figure.tight_layout()
    return figure


def _table(rows: list[dict[str, Any]]) -> str:
    if len(rows) == 0:
        return "<p>none</p>"
    return str(pd.DataFrame(rows).map(_cell).to_html(index=False, escape=False))


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    if value in _COLOURS:
        return f'<span class="badge" style="background:{_COLOURS[value]}">{value}</span>'
    return html.escape(str(value))


def render_html(report: dict[str, Any], reference: pd.DataFrame, current: pd.DataFrame,
                reference_scores: np.ndarray, current_scores: np.ndarray) -> str:
    """The whole report page."""
    drifted = report["drifted_features"][:4] or [f["feature"] for f in report["features"][:2]]
    images = [psi_figure(report), scores_figure(reference_scores, current_scores),
              features_figure(reference, current, drifted)]
    performance = [{"metric": k, "this batch": v,
                    "at training (test set)": report["reference_performance"].get(k, "")}
                   for k, v in report["performance"].items()]
    summary = [{"batch": report["batch"], "rows": report["rows_current"],
                "reference rows": report["rows_reference"], "verdict": report["verdict"],
                "prediction PSI": report["prediction_psi"],
                "retrain recommended": "yes" if report["retrain_recommended"] else "no"}]
    model = html.escape(", ".join(f"{k} {v}" for k, v in report["model"].items()))
    moderate, severe = report["thresholds"]["moderate"], report["thresholds"]["severe"]
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Drift report</title>"
        f"<style>{_STYLE}</style></head><body><h1>Drift report</h1>"
        f"<p>Model: {model}. PSI below {moderate} is no drift, {moderate} to {severe} "
        f"moderate, {severe} and above severe.</p>{_table(summary)}"
        f"<h2>Features</h2>{_table(report['features'])}"
        f"<h2>Performance (labels present)</h2>{_table(performance)}"
        + "".join(f"<img alt='drift plot' src='data:image/png;base64,{_png(f)}'>" for f in images)
        + "</body></html>"
    )

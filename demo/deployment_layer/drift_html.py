"""The drift report as one self-contained HTML page: tables plus PNG plots inlined as base64.

No script, no stylesheet and no font comes from a CDN, so the page reads the same offline.
"""

from __future__ import annotations

import base64
import html
import io
from typing import Any

import numpy as np
import pandas as pd

from demo.deployment_layer.monitoring import (
    DriftReport,
    categorical_shares,
    numeric_shares,
    quantile_edges,
)
from demo.feature_spec import FEATURES_BY_NAME

_COLOURS = {"none": "#2e7d32", "moderate": "#ef6c00", "severe": "#c62828"}
_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1000px;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:4px 10px}
th{background:#f3f3f3}.badge{color:#fff;padding:2px 8px;border-radius:4px}
img{max-width:100%}
"""


def _png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode()


def psi_figure(report: DriftReport) -> Any:
    """PSI per feature as horizontal bars, with the moderate and severe thresholds."""
    from matplotlib.figure import Figure

    table = report.features.iloc[::-1]
    figure = Figure(figsize=(7, 0.32 * len(table) + 1.2))
    axes = figure.add_subplot()
    axes.barh(table["feature"], table["psi"], color=[_COLOURS[lv] for lv in table["level"]])
    for line in (report.thresholds.moderate, report.thresholds.severe):
        axes.axvline(line, color="grey", linestyle="--", linewidth=1)
    axes.set_xlabel("PSI against the training data")
    axes.set_title("Feature drift")
    return figure


def scores_figure(reference_scores: np.ndarray, current_scores: np.ndarray) -> Any:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 3))
    axes = figure.add_subplot()
    bins = np.linspace(0, 1, 21).tolist()  # 20 equal bins of probability
    axes.hist(reference_scores, bins=bins, alpha=0.6, density=True, label="training data")
    axes.hist(current_scores, bins=bins, alpha=0.6, density=True, label="this batch")
    axes.set_xlabel("predicted churn probability")
    axes.set_title("Prediction drift")
    axes.legend()
    return figure


def features_figure(reference: pd.DataFrame, current: pd.DataFrame, names: list[str]) -> Any:
    """Reference vs batch shares for a few features (categories, or reference quantile bins)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 2.6 * len(names)))
    for row, name in enumerate(names, start=1):
        axes = figure.add_subplot(len(names), 1, row)
        if FEATURES_BY_NAME[name].is_categorical:
            labels = sorted(set(reference[name].astype(str)) | set(current[name].astype(str)))
            ref, cur = (categorical_shares(frame[name], labels) for frame in (reference, current))
        else:
            edges = quantile_edges(reference[name].to_numpy(dtype=float))
            labels = [f"≤{e:g}" for e in edges] + [f">{edges[-1]:g}" if len(edges) else "all"]
            ref, cur = (numeric_shares(frame[name].to_numpy(dtype=float), edges)
                        for frame in (reference, current))
        positions = np.arange(len(labels))
        axes.bar(positions - 0.2, ref, width=0.4, label="training data")
        axes.bar(positions + 0.2, cur, width=0.4, label="this batch")
        axes.set_xticks(positions, labels, rotation=20, fontsize=7)
        axes.set_title(name, fontsize=9)
        axes.legend(fontsize=7)
    figure.tight_layout()
    return figure


def _table(rows: pd.DataFrame | list[dict[str, Any]]) -> str:
    if len(rows) == 0:
        return "<p>none</p>"
    return str(pd.DataFrame(rows).map(_cell).to_html(index=False, escape=False))


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    if value in _COLOURS:
        return f'<span class="badge" style="background:{_COLOURS[value]}">{value}</span>'
    return html.escape(str(value))


def render_html(report: DriftReport, reference: pd.DataFrame, current: pd.DataFrame,
                reference_scores: np.ndarray, current_scores: np.ndarray) -> str:
    """The whole report page."""
    drifted = report.drifted_features()[:4] or report.features["feature"].head(2).tolist()
    images = [psi_figure(report), scores_figure(reference_scores, current_scores),
              features_figure(reference, current, drifted)]
    performance = [{"metric": k, "this batch": v,
                    "at training (test set)": report.reference_performance.get(k, "")}
                   for k, v in report.performance.items()]
    summary = [{"batch": report.batch, "rows": report.rows_current,
                "reference rows": report.rows_reference, "verdict": report.verdict,
                "prediction PSI": report.prediction_psi,
                "retrain recommended": "yes" if report.retrain_recommended else "no"}]
    model = html.escape(", ".join(f"{k} {v}" for k, v in report.model.items()))
    moderate, severe = report.thresholds.moderate, report.thresholds.severe
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Drift report</title>"
        f"<style>{_STYLE}</style></head><body><h1>Drift report</h1>"
        f"<p>Model: {model}. PSI below {moderate} is no drift, {moderate} to {severe} "
        f"moderate, {severe} and above severe.</p>{_table(summary)}"
        f"<h2>Features</h2>{_table(report.features)}"
        f"<h2>Performance (labels present)</h2>{_table(performance)}"
        + "".join(f"<img alt='drift plot' src='data:image/png;base64,{_png(f)}'>" for f in images)
        + "</body></html>"
    )

"""Figures the lessons draw: each function takes data and returns a matplotlib ``Figure``.

Figures are built with ``matplotlib.figure.Figure`` (not pyplot), so a notebook cell that
ends with one shows it exactly once and no global plotting state leaks between cells.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")


def timeline(
    events: pd.DataFrame,
    highlights: Mapping[str, str],
    span: tuple[int, int] | None = None,
    year: str = "year",
    label: str = "event",
    group: str = "category",
) -> Figure:
    """Events as dots on one lane per group; ``highlights`` maps a word of an event to a label.

    ``span`` shades a range of years (the part of the story a talk covers, for example).
    """
    events = events.sort_values(year).reset_index(drop=True)
    groups = list(dict.fromkeys(events[group]))
    lane = {name: i for i, name in enumerate(groups)}
    figure = Figure(figsize=(12, 1.4 + 0.55 * len(groups)), layout="constrained")
    axes = figure.add_subplot()
    if span:
        axes.axvspan(*span, color="#f2f2f2", zorder=0)
    for name in groups:
        rows = events[events[group] == name]
        axes.plot(rows[year], [lane[name]] * len(rows), "o", markersize=7,
                  color=PALETTE[lane[name] % len(PALETTE)], zorder=2)
    for n, (word, text) in enumerate(highlights.items()):
        matches = events[events[label].str.contains(word, case=False, regex=False)]
        if matches.empty:
            continue
        row = matches.iloc[0]
        y = lane[row[group]]
        axes.annotate(f"{text} ({row[year]})", (row[year], y), xytext=(0, 14 if n % 2 else -16),
                      textcoords="offset points", ha="center", va="center", fontsize=8,
                      arrowprops={"arrowstyle": "-", "color": "#888888", "linewidth": 0.6})
    axes.set_yticks(range(len(groups)), groups)
    axes.set_ylim(len(groups) - 0.4, -0.6)
    axes.set_xlabel(year)
    axes.grid(axis="x", color="#eeeeee")
    axes.set_title("Milestones of AI, by kind")
    return figure


def captcha_image(text: str, seed: int = 7) -> Figure:
    """A CAPTCHA-style picture of ``text``: jittered, rotated letters over noise lines."""
    rng = np.random.default_rng(seed)
    figure = Figure(figsize=(4.2, 1.3), layout="constrained")
    axes = figure.add_subplot()
    axes.set_xlim(0, len(text) + 1)
    axes.set_ylim(0, 1)
    axes.axis("off")
    for _ in range(6):
        xs = np.sort(rng.uniform(0, len(text) + 1, 2))
        axes.plot(xs, rng.uniform(0.1, 0.9, 2), color="grey", linewidth=1.2, alpha=0.7)
    for position, letter in enumerate(text, start=1):
        axes.text(
            position,
            0.5 + rng.uniform(-0.15, 0.15),
            letter,
            rotation=rng.uniform(-35, 35),
            fontsize=rng.uniform(20, 28),
            family="serif",
            ha="center",
            va="center",
            color=PALETTE[int(rng.integers(0, 4))],
        )
    return figure


def metric_bars(
    scores: pd.DataFrame, metrics: Sequence[str], title: str, label: str | None = None,
    bottom: float = 0.0,
) -> Figure:
    """Grouped bars: one group per metric, one bar per row of ``scores`` (index = name)."""
    figure = Figure(figsize=(8, 3.6), layout="constrained")
    axes = figure.add_subplot()
    width = 0.8 / max(len(scores), 1)
    positions = np.arange(len(metrics))
    for i, (name, row) in enumerate(scores.iterrows()):
        values = [float(row[m]) for m in metrics]
        bars = axes.bar(positions + i * width, values, width, label=str(name), color=PALETTE[i])
        axes.bar_label(bars, fmt="%.2f" if bottom == 0 else "%.3f", fontsize=8)
    axes.set_xticks(positions + width * (len(scores) - 1) / 2, metrics)
    axes.set_ylim(bottom, 1.05 if bottom == 0 else 1.0)
    axes.set_ylabel(label or "score (higher is better)")
    axes.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1, 1))
    axes.set_title(title)
    return figure


def presence_grid(
    table: pd.DataFrame, title: str, cell_text: Mapping[object, str] | None = None
) -> Figure:
    """A rows x columns grid; filled where the cell is truthy, with optional text per value.

    Used for skills per role and for the RACI matrix (cells 'R', 'A', 'C', 'I').
    """
    rows, columns = table.shape
    figure = Figure(figsize=(1.6 + 1.25 * columns, 0.9 + 0.42 * rows), layout="constrained")
    axes = figure.add_subplot()
    colour_of = {"R": PALETTE[0], "A": PALETTE[3], "C": PALETTE[1], "I": PALETTE[7]}
    for r, (_, row) in enumerate(table.iterrows()):
        for c, value in enumerate(row):
            if value in ("", None) or value is False or (isinstance(value, float) and np.isnan(value)):
                continue
            colour = colour_of.get(str(value), PALETTE[0])
            axes.add_patch(_cell(c, r, colour))
            text = cell_text.get(value, str(value)) if cell_text else str(value)
            if value is not True:
                axes.text(c + 0.5, r + 0.5, text, ha="center", va="center", color="white",
                          fontsize=9, fontweight="bold")
    axes.set_xlim(0, columns)
    axes.set_ylim(rows, 0)
    axes.set_xticks(np.arange(columns) + 0.5, [str(c) for c in table.columns], rotation=30,
                    ha="right")
    axes.set_yticks(np.arange(rows) + 0.5, [str(i) for i in table.index])
    axes.tick_params(length=0)
    axes.spines[:].set_visible(False)
    axes.set_xticks(np.arange(columns + 1), minor=True)
    axes.set_yticks(np.arange(rows + 1), minor=True)
    axes.grid(which="minor", color="#dddddd")
    axes.set_title(title)
    return figure


def _cell(column: int, row: int, colour: str) -> Rectangle:
    return Rectangle((column + 0.08, row + 0.1), 0.84, 0.8, color=colour, alpha=0.9)


def precision_recall_with_points(
    labels: np.ndarray, probabilities: np.ndarray, decisions: Mapping[str, np.ndarray]
) -> Figure:
    """The model's precision-recall curve, with fixed yes/no decisions drawn as points."""
    from sklearn.metrics import precision_recall_curve, precision_score, recall_score

    precision, recall, _ = precision_recall_curve(labels, probabilities)
    figure = Figure(figsize=(5.6, 4.2), layout="constrained")
    axes = figure.add_subplot()
    axes.plot(recall, precision, color=PALETTE[0], label="model, every threshold")
    axes.axhline(labels.mean(), color=PALETTE[7], linestyle=":", label="flag everyone")
    for i, (name, flags) in enumerate(decisions.items(), start=1):
        axes.plot(recall_score(labels, flags), precision_score(labels, flags, zero_division=0),
                  "o", markersize=9, color=PALETTE[i], label=name)
    axes.set_xlabel("recall (share of churners caught)")
    axes.set_ylabel("precision (share of flags that are right)")
    axes.set_xlim(0, 1.02)
    axes.set_ylim(0, 1.02)
    axes.legend(frameon=False, fontsize=8)
    axes.set_title("Every trade-off the model offers")
    return figure


def share_bars(values: pd.Series, title: str, highlight: str | None = None) -> Figure:
    """Horizontal bars of ``values`` (index = names) labelled with their share of the total."""
    values = values.sort_values()
    shares = values / values.sum()
    figure = Figure(figsize=(7.5, 4.4), layout="constrained")  # fixed: the area count varies
    axes = figure.add_subplot()
    colours = [PALETTE[3] if name == highlight else PALETTE[0] for name in values.index]
    bars = axes.barh([str(name) for name in values.index], values.to_numpy(), color=colours)
    axes.bar_label(bars, labels=[f"{share:.0%}" for share in shares], padding=3, fontsize=8)
    axes.set_xlabel(values.name or "")
    axes.set_title(title)
    return figure


def gain_vs_cost(results: pd.DataFrame, metric: str, time: str, title: str) -> Figure:
    """One point per model: its score against the seconds it took (log scale)."""
    figure = Figure(figsize=(6.4, 4.0), layout="constrained")
    axes = figure.add_subplot()
    for i, (name, row) in enumerate(results.iterrows()):
        axes.plot(row[time], row[metric], "o", markersize=10, color=PALETTE[i])
        axes.annotate(str(name), (row[time], row[metric]), xytext=(8, -3),
                      textcoords="offset points", fontsize=9)
    axes.set_xscale("log")
    axes.set_xlabel("time for the whole search (seconds, log scale)")
    axes.set_ylabel(metric.replace("_", " "))
    axes.margins(x=0.35, y=0.12)
    axes.set_title(title)
    return figure


def cost_curve(table: pd.DataFrame, marked: Mapping[str, float], title: str) -> Figure:
    """Expected cost per customer against the threshold, with chosen thresholds marked."""
    figure = Figure(figsize=(7.2, 4.0), layout="constrained")
    axes = figure.add_subplot()
    axes.plot(table["threshold"], table["expected_cost_per_customer"], color=PALETTE[0])
    for i, (name, threshold) in enumerate(marked.items(), start=1):
        row = table.iloc[(table["threshold"] - threshold).abs().argmin()]
        axes.axvline(threshold, color=PALETTE[i], linestyle="--", linewidth=1)
        axes.plot(threshold, row["expected_cost_per_customer"], "o", color=PALETTE[i],
                  label=f"{name} ({threshold:.2f}): ${row['expected_cost_per_customer']:.2f}")
    axes.set_xlabel("decision threshold (flag when probability ≥ threshold)")
    axes.set_ylabel("expected cost per customer ($)")
    axes.legend(frameon=False, fontsize=8)
    axes.set_title(title)
    return figure


def psi_bars(features: pd.DataFrame, prediction_psi: float, title: str,
             moderate: float = 0.1, severe: float = 0.2) -> Figure:
    """PSI per feature (and for the predictions) against the moderate and severe thresholds."""
    table = pd.concat([
        features[["feature", "psi"]],
        pd.DataFrame({"feature": ["(predictions)"], "psi": [prediction_psi]}),
    ]).sort_values("psi")
    figure = Figure(figsize=(7.5, 0.6 + 0.28 * len(table)), layout="constrained")
    axes = figure.add_subplot()
    colours = [PALETTE[3] if v >= severe else PALETTE[1] if v >= moderate else PALETTE[0]
               for v in table["psi"]]
    axes.barh(table["feature"], table["psi"], color=colours)
    axes.axvline(moderate, color=PALETTE[1], linestyle="--", linewidth=1,
                 label=f"moderate ({moderate})")
    axes.axvline(severe, color=PALETTE[3], linestyle="--", linewidth=1, label=f"severe ({severe})")
    axes.set_xlabel("population stability index (PSI)")
    axes.legend(frameon=False, fontsize=8, loc="lower right")
    axes.set_title(title)
    return figure


def accounting_bars(summary: Mapping[str, Any], title: str) -> Figure:
    """One stacked bar: rows read split into silver, quarantine and dropped duplicates."""
    parts = {"silver": int(summary["rows_silver"]),
             "quarantine": int(summary["rows_quarantined"]),
             "duplicates dropped": int(summary["duplicates_dropped"])}
    figure = Figure(figsize=(8, 1.8), layout="constrained")
    axes = figure.add_subplot()
    left = 0
    for i, (name, rows) in enumerate(parts.items()):
        axes.barh([f"{summary['rows_read']:,} rows read"], [rows], left=left,
                  color=(PALETTE[2], PALETTE[1], PALETTE[7])[i], label=f"{name}: {rows:,}")
        left += rows
    axes.legend(frameon=False, fontsize=8, ncols=3, loc="upper center",
                bbox_to_anchor=(0.5, -0.25))
    axes.set_title(title)
    return figure


def learning_curves(curves: pd.DataFrame, intervals: pd.DataFrame, gap_label: str,
                    metric: str = "roc_auc", panel: str = "churn mode",
                    size: str = "training rows") -> Figure:
    """Top: each model's mean score against the training size, one panel per ``panel`` value,
    with its 95 % band. Bottom: the paired gap between the models with its interval.

    ``curves`` holds one row per fit (``model``, ``repeat``, ``metric``); ``intervals`` is
    ``experiments.gap_intervals`` of the same fits (``gap``, ``low``, ``high``).
    """
    from demo.course.experiments import mean_interval

    panels = list(dict.fromkeys(curves[panel]))
    figure = Figure(figsize=(5 * len(panels), 6.2), layout="constrained")
    grid = figure.subplots(2, len(panels), sharex=True, sharey="row", squeeze=False,
                           height_ratios=(3, 2))
    for column, name in enumerate(panels):
        scores, gaps = grid[0, column], grid[1, column]
        fits = curves[curves[panel] == name]
        for i, (model, model_fits) in enumerate(fits.groupby("model", sort=False)):
            by_size = {n: mean_interval(scores_at_n.to_numpy())
                       for n, scores_at_n in model_fits.groupby(size)[metric]}
            mean, low, high = (np.array(bounds) for bounds in zip(*by_size.values()))
            scores.plot(list(by_size), mean, "o-", color=PALETTE[i], label=str(model))
            scores.fill_between(list(by_size), low, high, color=PALETTE[i], alpha=0.2)
        gaps.axhline(0, color="#888888", linewidth=1)
        panel_gaps = intervals[intervals[panel] == name]
        for x, gap, low, high in zip(panel_gaps[size], panel_gaps["gap"], panel_gaps["low"],
                                     panel_gaps["high"]):
            gaps.errorbar(x, gap, yerr=[[gap - low], [high - gap]], fmt="o",
                          color=_verdict_colour(low, high), capsize=4)
        scores.set_title(f"{panel}: {name}")
        scores.legend(frameon=False, fontsize=8, loc="lower right")
        gaps.set_xscale("log")
        sizes = sorted(set(curves[size]))
        gaps.set_xticks(sizes, [f"{n:,}" for n in sizes])
        gaps.minorticks_off()
        gaps.set_xlabel(f"{size} (log scale)")
    grid[0, 0].set_ylabel(f"test {metric.replace('_', ' ').replace('roc auc', 'ROC AUC')}")
    grid[1, 0].set_ylabel(f"gap: {gap_label}")
    return figure


def interval_bars(intervals: pd.DataFrame, label: str, title: str,
                  unit: str = "ROC AUC") -> Figure:
    """One horizontal interval per row: the mean gap and its 95 % confidence interval.

    Green when the interval lies above zero, red below, grey when it straddles zero (no
    clear winner).
    """
    figure = Figure(figsize=(7.5, 0.9 + 0.45 * len(intervals)), layout="constrained")
    axes = figure.add_subplot()
    bounds = zip(intervals["gap"], intervals["low"], intervals["high"])
    for position, (gap, low, high) in enumerate(bounds):
        axes.errorbar(gap, position, xerr=[[gap - low], [high - gap]], fmt="o",
                      color=_verdict_colour(low, high), capsize=4)
    axes.axvline(0, color="#888888", linewidth=1)
    axes.set_yticks(range(len(intervals)), [str(v) for v in intervals[label]])
    axes.set_ylim(len(intervals) - 0.4, -0.6)  # first row on top, as in the table
    axes.set_xlabel(f"gap in {unit} (mean and 95 % interval)")
    axes.set_title(title)
    return figure


def _verdict_colour(low: float, high: float) -> str:
    """Green: the interval lies above zero; red: below; grey: it straddles zero."""
    return PALETTE[2] if low > 0 else PALETTE[3] if high < 0 else PALETTE[7]

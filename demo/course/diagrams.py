"""Box-and-arrow diagrams drawn offline with matplotlib (no graphviz, nothing to download).

Each function takes plain data (stage names, a services table) and returns a ``Figure``.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from demo.course.plots import PALETTE


def _box(axes: Axes, x: float, y: float, width: float, height: float, text: str,
         colour: str | tuple[float, float, float], fontsize: float = 8.5,
         text_colour: str = "black") -> None:
    axes.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                  boxstyle="round,pad=0.01,rounding_size=0.02",
                                  facecolor=colour, edgecolor="#444444", linewidth=0.8))
    axes.text(x, y, text, ha="center", va="center", fontsize=fontsize, color=text_colour,
              wrap=True)


def _arrow(axes: Axes, start: tuple[float, float], end: tuple[float, float],
           curve: float = 0.0, colour: str = "#444444") -> None:
    axes.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12,
                                   color=colour, linewidth=1.1,
                                   connectionstyle=f"arc3,rad={curve}"))


def lifecycle(stages: Sequence[str], notes: Mapping[str, str] | None = None,
              title: str = "The project lifecycle") -> Figure:
    """Stages on a circle, each pointing to the next, the last one back to the first."""
    figure = Figure(figsize=(7.5, 6.2), layout="constrained")
    axes = figure.add_subplot()
    axes.set_xlim(-1.6, 1.6)
    axes.set_ylim(-1.4, 1.4)
    axes.set_aspect("equal")
    axes.axis("off")
    step = 2 * np.pi / len(stages)
    angles = np.pi / 2 - step * np.arange(len(stages))
    for i, (stage, angle) in enumerate(zip(stages, angles, strict=True)):
        label = textwrap.fill(stage, 18)
        if notes and stage in notes:
            label += "\n" + textwrap.fill(notes[stage], 24)
        _box(axes, 1.05 * np.cos(angle), 1.05 * np.sin(angle), 0.86, 0.4, label,
             _tint(PALETTE[i % len(PALETTE)]), fontsize=8.5)
        # The arrow to the next stage runs on an inner circle, clear of the boxes.
        start, end = angle - 0.22 * step, angle - 0.78 * step
        _arrow(axes, (0.62 * np.cos(start), 0.62 * np.sin(start)),
               (0.62 * np.cos(end), 0.62 * np.sin(end)), curve=0.35)
    axes.text(0, 0, "iterate", ha="center", va="center", fontsize=11, style="italic",
              color="#666666")
    axes.set_title(title)
    return figure


def _tint(colour: str, amount: float = 0.75) -> tuple[float, float, float]:
    """A lighter version of a hex colour, so black text stays readable on it."""
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    return tuple(rgb + (1 - rgb) * amount)


# The reference architecture's stages, left to right, and the row below them.
FLOW_STAGES = ("sources", "data management", "training management", "model serving", "consumers")
GEN_AI_STAGE = "gen ai"


PROVIDER_NAMES = {"databricks": "Databricks", "azure": "Azure", "gcp": "Google Cloud",
                  "aws": "AWS", "local": "this repository, on a laptop"}


def short_service(text: str, width: int = 28, lines: int = 3) -> str:
    """A service cell shortened for a box: the first alternative, no remarks in brackets."""
    first = str(text).split(";")[0]
    head, colon, _ = first.partition(":")
    if colon and len(head) <= 16:  # "CSV files: ...", "not used: ..." keep their head
        first = head
    first = re.sub(r"\s*\([^)]*\)", "", first).replace("`", "").strip()
    wrapped = textwrap.wrap(first, width)
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1] + "…"
    return "\n".join(wrapped)


def reference_architecture(services: pd.DataFrame, provider: str | None = None,
                           title: str | None = None) -> Figure:
    """The reference architecture drawn from the services table, for one provider or generic.

    ``services`` has ``component`` and ``stage`` columns and one column per provider
    (``datasets/cloud_services.csv``); with ``provider=None`` only the components are shown.
    """
    columns = {stage: services[services["stage"] == stage] for stage in FLOW_STAGES}
    gen_ai = services[services["stage"] == GEN_AI_STAGE]
    tallest = max(len(rows) for rows in columns.values())
    box_height = 0.62 if provider else 0.42
    figure = Figure(figsize=(15, 1.6 + (tallest + 1.6) * (box_height + 0.14)),
                    layout="constrained")
    axes = figure.add_subplot()
    axes.axis("off")
    panel_width, gap = 2.6, 0.55
    top = tallest * (box_height + 0.14) + 0.5
    for i, (stage, rows) in enumerate(columns.items()):
        x = i * (panel_width + gap)
        colour = _tint(PALETTE[i % len(PALETTE)], 0.85)
        axes.add_patch(FancyBboxPatch((x, 0), panel_width, top, boxstyle="round,pad=0.02",
                                      facecolor=colour, edgecolor="none"))
        axes.text(x + panel_width / 2, top - 0.22, stage, ha="center", va="center",
                  fontsize=10, fontweight="bold")
        for j, (_, row) in enumerate(rows.iterrows()):
            y = top - 0.55 - box_height / 2 - j * (box_height + 0.14)
            _box(axes, x + panel_width / 2, y, panel_width - 0.2, box_height,
                 _box_label(row, provider), "white", fontsize=7.2)
        if i:
            _arrow(axes, (x - gap + 0.05, top / 2), (x - 0.05, top / 2))
    if not gen_ai.empty:
        width = (len(FLOW_STAGES) * (panel_width + gap) - gap) / len(gen_ai)
        y = -0.35 - box_height / 2
        axes.text(-0.1, y, "Gen AI", ha="right", va="center", fontsize=10, fontweight="bold")
        for k, (_, row) in enumerate(gen_ai.iterrows()):
            _box(axes, k * width + width / 2, y, width - 0.2, box_height,
                 _box_label(row, provider), _tint(PALETTE[4], 0.85), fontsize=7.2)
    axes.set_xlim(-0.9, len(FLOW_STAGES) * (panel_width + gap))
    axes.set_ylim(-0.55 - box_height, top + 0.1)
    name = PROVIDER_NAMES.get(provider or "", provider or "the components")
    axes.set_title(title or f"Reference ML architecture — {name}")
    return figure


def _box_label(row: pd.Series, provider: str | None) -> str:
    if provider is None:
        return str(row["component"])
    return f"{row['component'].upper()}\n{short_service(row[provider])}"


def handoff_chain(roles: Sequence[str], artifacts: Sequence[str], title: str) -> Figure:
    """Roles as boxes in a row; the artifact each hands to the next is written on the arrow."""
    figure = Figure(figsize=(14, 2.6), layout="constrained")
    axes = figure.add_subplot()
    axes.axis("off")
    step = 3.0
    for i, role in enumerate(roles):
        _box(axes, i * step, 0, 1.7, 0.8, textwrap.fill(role, 12), _tint(PALETTE[i], 0.7),
             fontsize=9.5)
        if i < len(artifacts):
            _arrow(axes, (i * step + 0.88, 0), ((i + 1) * step - 0.88, 0))
            axes.text(i * step + step / 2, 0.12, textwrap.fill(artifacts[i], 20), ha="center",
                      va="bottom", fontsize=7.2, color="#333333")
    axes.set_xlim(-1.0, (len(roles) - 1) * step + 1.0)
    axes.set_ylim(-0.55, 1.25)
    axes.set_title(title)
    return figure

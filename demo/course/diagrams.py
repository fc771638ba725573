"""Box-and-arrow diagrams drawn offline with matplotlib (no graphviz, nothing to download).

Each function takes plain data (stage names, a services table) and returns a ``Figure``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
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

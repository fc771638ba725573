"""The deployment layer's README states no speed figure that the benchmark results lack."""

from __future__ import annotations

import re

from demo.paths import PROJECT_ROOT

README = PROJECT_ROOT / "demo" / "deployment_layer" / "README.md"
RESULTS = PROJECT_ROOT / "benchmarks" / "results.md"
FIGURE = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(ms|req/s|rows/s|x in-process|x)\b")


def stated_figures(text: str) -> list[str]:
    return [f"{number} {unit}" for number, unit in FIGURE.findall(text)]


def test_the_figure_pattern_finds_figures() -> None:
    assert stated_figures("p50 4.8 ms, 6,395 rows/s, 0.70 x in-process") == \
        ["4.8 ms", "6,395 rows/s", "0.70 x in-process"]


def test_every_speed_figure_in_the_readme_is_in_the_results() -> None:
    results = RESULTS.read_text()
    missing = [figure for figure in stated_figures(README.read_text())
               if figure.split()[0] not in results]
    assert missing == [], f"{README.name} states figures benchmarks/results.md does not have"

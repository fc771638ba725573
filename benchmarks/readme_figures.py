"""Figures in the READMEs come from ``benchmarks/results.md``, so the two can never disagree.

A README states a measured figure inside a span that names its row of the results table:

    <!-- figure: serving | this API: one row p50 | c=1, 1,000 req -->3.17 ms<!-- /figure -->

The key is the row's area, benchmark and size columns. The shown value may round the table's
figure (3.165 ms may be shown as 3.17 ms or 3.2 ms), in the same unit. Any other speed or size
figure in a README (ms, req/s, rows/s, MB, ×, "about 25 s" ...) must either be such a span or
sit on a line that quotes the run it comes from, "(measured YYYY-MM-DD on <machine>)".
A line whose sizes are settings rather than measurements (a 64 MB rotation, a 16 MB message
cap) or bounds a test asserts says so with an invisible ``<!-- limits -->`` comment.

    python -m benchmarks.readme_figures           # check: list every figure that disagrees
    python -m benchmarks.readme_figures --update  # rewrite the spans from results.md
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results.md"
SKIPPED_FOLDERS = {".venv", ".git", "node_modules", "workspace", "test-artifacts"}

SPAN = re.compile(r"<!-- figure: (?P<key>[^>]*?) -->(?P<shown>.*?)<!-- /figure -->")
# Figures that read as measurements: a number with a unit of time, rate, memory or ratio.
MEASURED = re.compile(
    r"\d(?:[\d,]*\d)?(?:\.\d+)?\s?(?:ms|µs|req/s|rows/s|MB|GB|MiB|GiB|×)(?![\w/])"
    r"|(?:about|took|takes|within|in)\s~?\d+(?:\.\d+)?\s?(?:s|min)\b"
    r"|\b\d+(?:\.\d+)?\s?x\b|\bratio\s+\d+(?:\.\d+)?"
)
QUOTED_RUN = re.compile(r"\(measured \d{4}-\d{2}-\d{2} on [^)]+\)|<!-- limits -->")
NUMBER = re.compile(r"^\s*(?P<number>-?[\d,]*\d(?:\.(?P<decimals>\d+))?)\s*(?P<unit>.*?)\s*$")


@dataclass(frozen=True)
class Problem:
    file: Path
    line: int
    text: str
    why: str

    def __str__(self) -> str:
        return f"{self.file.relative_to(ROOT)}:{self.line}: {self.text.strip()!r}: {self.why}"


def results_table(path: Path = RESULTS) -> dict[str, str]:
    """``"area | benchmark | size"`` -> the figure column, for every row of the table."""
    figures: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[0] not in ("area", "---"):
            figures[" | ".join(cells[:3])] = cells[3]
    return figures


def readmes(root: Path = ROOT) -> Iterator[Path]:
    for path in sorted(root.rglob("README.md")):
        if not SKIPPED_FOLDERS.intersection(path.relative_to(root).parts):
            yield path


def parse_figure(text: str) -> tuple[float, int, str] | None:
    """``"59,940.647 rows/s"`` -> (59940.647, 3, "rows/s"); None when it is no figure."""
    found = NUMBER.match(text)
    if found is None:
        return None
    number = float(found["number"].replace(",", ""))
    return number, len(found["decimals"] or ""), found["unit"]


def agrees(shown: str, measured: str) -> bool:
    """Is ``shown`` the table's figure, rounded to as many decimals as it shows?"""
    left, right = parse_figure(shown), parse_figure(measured)
    if left is None or right is None:
        return False
    value, decimals, unit = left
    exact, _, table_unit = right
    return unit == table_unit and abs(round(exact, decimals) - value) < 10 ** -(decimals + 3)


def render(measured: str, like: str) -> str:
    """The table's figure with as many decimals as the README showed before."""
    exact, _, unit = parse_figure(measured) or (0.0, 0, "")
    shown = parse_figure(like)
    decimals = shown[1] if shown else 3
    return f"{exact:,.{decimals}f} {unit}".strip()


def check_file(path: Path, table: dict[str, str]) -> list[Problem]:
    problems = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for span in SPAN.finditer(line):
            key, shown = span["key"].strip(), span["shown"]
            if key not in table:
                problems.append(Problem(path, number, span[0], "no such row in results.md"))
            elif not agrees(shown, table[key]):
                problems.append(Problem(path, number, shown,
                                        f"results.md says {table[key]} ({key})"))
        rest = SPAN.sub("", line)
        if QUOTED_RUN.search(rest):
            continue
        for figure in MEASURED.finditer(rest):
            problems.append(Problem(path, number, figure[0],
                                    "a measured figure that is neither a results.md span "
                                    "nor quoted with its run's date and machine"))
    return problems


def check(root: Path = ROOT, results: Path = RESULTS) -> list[Problem]:
    table = results_table(results)
    return [p for path in readmes(root) for p in check_file(path, table)]


def update(root: Path = ROOT, results: Path = RESULTS) -> list[Path]:
    """Rewrite every span from the table; returns the files changed."""
    table = results_table(results)
    changed = []
    for path in readmes(root):
        text = path.read_text(encoding="utf-8")

        def fresh(span: re.Match[str]) -> str:
            key = span["key"].strip()
            if key not in table:
                return span[0]
            return f"<!-- figure: {key} -->{render(table[key], span['shown'])}<!-- /figure -->"

        new = SPAN.sub(fresh, text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.readme_figures",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--update", action="store_true",
                        help="rewrite the figure spans from benchmarks/results.md")
    args = parser.parse_args(argv)
    if args.update:
        for path in update():
            print(f"updated {path.relative_to(ROOT)}")
    problems = check()
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

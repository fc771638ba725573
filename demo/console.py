"""Terminal output shared by the command line: summary tables and progress.

Progress goes to stderr so that stdout stays clean for piping; it is hidden when stderr is
not a terminal (CI, notebooks) unless DEMO_PROGRESS=1.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def progress_enabled() -> bool:
    forced = os.environ.get("DEMO_PROGRESS")
    if forced is not None:
        return forced not in ("0", "", "false")
    return sys.stderr.isatty()


@contextmanager
def progress() -> Iterator[Progress]:
    """A progress display for long steps: ``with progress() as p: task = p.add_task(...)``."""
    bar = Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err_console,
        disable=not progress_enabled(),
        transient=False,
    )
    with bar:
        yield bar


def print_table(
    title: str,
    rows: Iterable[Mapping[str, object]] | Iterable[Sequence[object]],
    columns: Sequence[str] | None = None,
) -> None:
    """Print rows (dicts, or sequences with ``columns``) as one table."""
    listed: list[Mapping[str, object] | Sequence[object]] = list(rows)
    if columns is None:
        first = listed[0] if listed else None
        columns = list(first.keys()) if isinstance(first, Mapping) else []
    table = Table(title=title, title_justify="left")
    for name in columns:
        table.add_column(str(name))
    for row in listed:
        values = [row.get(c, "") for c in columns] if isinstance(row, Mapping) else list(row)
        table.add_row(*(_fmt(v) for v in values))
    console.print(table)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.4f}" if abs(value) < 1000 else f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def fail(message: str) -> None:
    """Print the one-line error a user sees for their own mistake."""
    err_console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)

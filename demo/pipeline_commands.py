"""``python -m demo run``: the whole pipeline on the sample dataset (or any raw file)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from demo.cli import Command
from demo.model_layer.commands import add_policy_option, print_model_summary
from demo.paths import SAMPLE_RAW_CSV
from demo.settings import Settings

if TYPE_CHECKING:
    from demo.steps import Step


def configure_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--raw", type=Path, default=SAMPLE_RAW_CSV,
                        help="the raw CSV file the pipeline starts from")
    add_policy_option(parser)


def run_run(args: argparse.Namespace, settings: Settings) -> int:
    from demo.console import console, print_table
    from demo.data_layer.commands import show_summary
    from demo.pipeline import run_pipeline

    settings = settings.with_policy(args.policy)
    summary = run_pipeline(settings, args.raw, on_step=_show_progress(settings))
    show_summary(summary)
    for section, values in summary.items():
        if section == "model":
            print_model_summary(values)
        elif isinstance(values, dict) and section not in _DATA_SECTIONS:
            print_table(section.capitalize(), [(k, _short(v)) for k, v in values.items()],
                        columns=["", "value"])
    console.print(f"summary: {settings.reports_dir / 'run_summary.json'}")
    return 0


_DATA_SECTIONS = {"quarantine_reasons", "repairs", "renamed_columns", "validation", "files",
                  "seconds"}


def _show_progress(settings: Settings) -> Callable[[Step, int], None]:
    """One line on stderr as each step starts (a line, not a bar: scoring shows its own)."""
    from demo.console import err_console, progress_enabled
    from demo.steps import pipeline_for

    total = len(pipeline_for(settings))

    def on_step(step: Step, index: int) -> None:
        if progress_enabled():
            err_console.print(f"step {index + 1}/{total}: {step.key}")

    return on_step


def _short(value: object) -> object:
    text = str(value) if isinstance(value, dict | list) else value
    return text[:120] if isinstance(text, str) else text


COMMANDS = [
    Command("run", "run the pipeline end to end on the sample dataset", configure_run, run_run),
]

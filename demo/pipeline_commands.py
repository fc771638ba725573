"""``python -m demo run``: the whole pipeline on the sample dataset (or any raw file)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from demo.cli import Command
from demo.model_layer.commands import add_policy_option, print_model_summary
from demo.paths import SAMPLE_RAW_CSV
from demo.settings import Settings


def configure_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--raw", type=Path, default=SAMPLE_RAW_CSV,
                        help="the raw CSV file the pipeline starts from")
    add_policy_option(parser)


def run_run(args: argparse.Namespace, settings: Settings) -> int:
    from demo.console import console, print_table
    from demo.data_layer.commands import data_layer_progress, show_summary
    from demo.pipeline import run_pipeline

    settings = settings.with_policy(args.policy)
    with data_layer_progress() as on_step:
        summary = run_pipeline(settings, args.raw, on_step=_ignore_other_steps(on_step))
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


def _ignore_other_steps(on_step: Callable[[str], None]) -> Callable[[str], None]:
    """The data layer's progress bar shows only the data layer's steps."""
    from demo.data_layer.runner import STEPS

    return lambda name: on_step(name) if name in STEPS else None


def _short(value: object) -> object:
    text = str(value) if isinstance(value, dict | list) else value
    return text[:120] if isinstance(text, str) else text


COMMANDS = [
    Command("run", "run the pipeline end to end on the sample dataset", configure_run, run_run),
]

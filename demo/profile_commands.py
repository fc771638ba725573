"""``python -m demo profile show``: which profile is in force, and where things live with it."""

from __future__ import annotations

import argparse

from demo.cli import Command
from demo.settings import Settings


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("show",), help="print the profile in force")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from demo.profile import describe

    workspace_store = f"sqlite:///{settings.mlflow_db}"
    for key, value in describe(settings.profile, workspace_store).items():
        print(f"{key}: {value}")
    return 0


COMMANDS = [Command("profile", "show the profile in force (laptop or platform)", configure, run)]

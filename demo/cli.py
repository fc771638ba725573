"""The command line: ``python -m demo <command>``.

``demo/commands.py`` maps the pipeline's commands (run, ingest, validate, train, promote) to
the steps; the deployment layer (serve, score, monitor, retrain), the generator, the platform,
profiles and labs add theirs. Each module exposes ``COMMANDS``, a list of ``Command(name,
help, configure, run)``, and imports heavy libraries inside ``run`` so ``--help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from demo.errors import DemoError
from demo.settings import Settings, configure_offline

# The modules that contribute commands, in the order the help lists them.
COMMAND_MODULES = (
    "demo.commands",
    "demo.deployment_layer.commands",
    "demo.synthetic.commands",
    "demo.platform.commands",
    "demo.profile_commands",
    "demo.lab_commands",
)


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows an option's default only when there is one worth showing."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default is None or action.default is False or action.default == argparse.SUPPRESS:
            return action.help or ""
        return super()._get_help_string(action) or ""


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Settings], int]
    description: str | None = None


def build_parser(commands: Sequence[Command]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m demo",
        description="The course's reference ML pipeline: data layer, model layer, "
        "deployment layer, run locally and offline.",
        epilog="Run 'python -m demo COMMAND --help' for the options of one command.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in commands:
        sub = subparsers.add_parser(
            command.name,
            help=command.help,
            description=command.description or command.help,
            formatter_class=_HelpFormatter,
        )
        sub.add_argument("--workspace", metavar="DIR", help="where every artifact is written "
                         "(default: $DEMO_WORKSPACE or ./workspace)")
        sub.add_argument("--profile", metavar="NAME", help="laptop (everything in the workspace) "
                         "or platform (the room's tracking server, the data layer on Spark); "
                         "default: $DEMO_PROFILE, else laptop")
        command.configure(sub)
        sub.set_defaults(_run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    configure_offline()
    from demo.console import fail

    commands = [command for module in COMMAND_MODULES
                for command in importlib.import_module(module).COMMANDS]
    args = build_parser(commands).parse_args(argv)
    try:
        from demo.profile import load_profile

        # Both read files (demo/params.toml, the profile's TOML) and may refuse them.
        settings = Settings.from_env(args.workspace, profile=load_profile(args.profile))
        return int(args._run(args, settings) or 0)
    except DemoError as exc:
        fail(str(exc))
        return 2
    except KeyboardInterrupt:
        fail("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())

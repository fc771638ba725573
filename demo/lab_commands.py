"""``python -m demo lab``: break your own workspace in a named, seeded way, then diagnose it.

``lab list`` names the labs; ``lab break NAME --seed N`` breaks the workspace and says where
to look, never what broke.
"""

from __future__ import annotations

import argparse

from demo.cli import Command
from demo.settings import Settings

WHERE_TO_LOOK = {
    "contract": "a new upstream delivery is in incoming/customers.csv and the data layer ran on "
                "it: read what it wrote (lake/, reports/)",
    "champion": "the model registry changed: look at the versions, their tags and aliases "
                "(make mlflow)",
    "leak": "the CRM's columns joined the gold table (lake/gold/) and a run was tracked with "
            "them: compare the runs (make mlflow) and the table's columns",
    "skew": "served features are in serving/served_features.parquet and the drift monitor's "
            "report in reports/serving_drift.json",
    "drift": "a production batch is in incoming/production.csv, the data layer's tables in "
             "lake/, and the drift monitor's report in reports/production_drift.json",
}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("list", "break"),
                        help="list the labs, or break the workspace with one")
    parser.add_argument("name", nargs="?", metavar="NAME",
                        help="the lab to run: contract, champion, leak, skew or drift")
    parser.add_argument("--seed", type=int, default=0, metavar="N",
                        help="picks what breaks: another seed, another culprit")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from demo.errors import DemoError
    from demo.labs import LABS, break_workspace

    if args.action == "list":
        for name, (about, _) in LABS.items():
            print(f"{name:<9} {about}")
        return 0
    if args.name is None:
        raise DemoError(f"lab break needs a lab name: {', '.join(LABS)}")
    break_workspace(args.name, settings, args.seed)  # what broke is not shown: find it
    print(f"broke {settings.workspace} with the lab '{args.name}' (seed {args.seed}).")
    print(f"Where to start: {WHERE_TO_LOOK[args.name]}.")
    return 0


COMMANDS = [Command(
    "lab", "failure-injection labs: break the workspace, then diagnose it from its artifacts",
    configure, run,
    description="Failure-injection labs. 'lab list' names them; 'lab break NAME --seed N "
    "--workspace DIR' breaks DIR in a seeded way (another seed, another culprit). Diagnose "
    "from the artifacts alone: which layer, which role owns it, which artifact shows it, "
    "what fix. Use a scratch workspace: a broken one stays broken until you repair it.")]

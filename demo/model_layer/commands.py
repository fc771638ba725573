"""``python -m demo train`` and ``python -m demo promote``.

Policy numbers (margin, costs, trials, split shares) are not repeated here as option
defaults: they come from ``demo/params.toml``, and ``--set SECTION.NAME=VALUE`` overrides
one for a run.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from demo.cli import Command
from demo.errors import ModelError
from demo.settings import Settings

CANDIDATE_NAMES = ("baseline", "logistic_regression", "hist_gradient_boosting")


def add_policy_option(parser: argparse.ArgumentParser) -> None:
    """``--set SECTION.NAME=VALUE``: override one number of ``demo/params.toml``."""
    parser.add_argument("--set", action="append", default=[], dest="policy",
                        metavar="SECTION.NAME=VALUE",
                        help="override a policy number of demo/params.toml for this run, "
                        "e.g. promotion.margin=0.01 or training.trials=2; repeatable")


def parse_param(text: str) -> tuple[str, str, Any]:
    """'logistic_regression.C=0.5' -> ('logistic_regression', 'C', 0.5)."""
    key, equals, raw = text.partition("=")
    candidate, dot, name = key.partition(".")
    if not equals or not dot or not candidate or not name:
        raise ModelError(f"--param {text!r}: expected MODEL.NAME=VALUE, e.g. logistic_regression.C=0.5")
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw  # a bare word is a string: class_weight=balanced
    return candidate, name, value


def add_training_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--candidates", nargs="+", metavar="MODEL",
                        help=f"models to train (default: all of {', '.join(CANDIDATE_NAMES)})")
    parser.add_argument("--param", action="append", default=[], metavar="MODEL.NAME=VALUE",
                        help="fix a hyperparameter (that model is then not tuned); repeatable")
    parser.add_argument("--force", action="store_true",
                        help="train even if the data contract failed (for teaching only)")
    add_policy_option(parser)


def training_config(args: argparse.Namespace, settings: Settings) -> Any:
    """A ``TrainingConfig`` from the parsed options and the settings' policy."""
    from demo.model_layer.candidates import get_candidate
    from demo.model_layer.train import TrainingConfig

    candidates = tuple(args.candidates or CANDIDATE_NAMES)
    for name in candidates:
        get_candidate(name)
    params: dict[str, dict[str, Any]] = {}
    for text in args.param:
        candidate, name, value = parse_param(text)
        get_candidate(candidate)
        params.setdefault(candidate, {})[name] = value
    return TrainingConfig.from_settings(settings, candidates=candidates, params=params)


def print_model_summary(summary: dict[str, Any]) -> None:
    """One table of every candidate's metrics, then the registry's decision."""
    from demo.console import console, print_table

    rows = [
        {
            "model": name,
            "val AUC": result["validation"]["roc_auc"],
            "AUC": result["test"]["roc_auc"],
            "PR AUC": result["test"]["pr_auc"],
            "F1": result["test"]["f1"],
            "thr": result["decision_threshold"],
            "$/cust": result["test"]["expected_cost_per_customer"],
        }
        for name, result in summary["candidates"].items()
    ]
    print_table("Model layer: candidates (test split; thr = cost-based threshold)", rows)
    promotion = summary["promotion"]
    console.print(
        f"registered {summary['registered_model']} version {summary['registered_version']} "
        f"({summary['best_candidate']}) as {summary['alias']}; "
        f"{promotion['decision']['reason']}",
        markup=False,
    )


def run_train(args: argparse.Namespace, settings: Settings) -> int:
    from demo.model_layer.runner import run_model_layer

    settings = settings.with_policy(args.policy)
    summary = run_model_layer(settings, gold_path=Path(args.gold) if args.gold else None,
                              config=training_config(args, settings), force=args.force)
    print_model_summary(summary)
    return 0


def configure_train(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gold", metavar="PARQUET",
                        help="train on this gold table (default: the workspace's latest)")
    add_training_options(parser)


def run_promote(args: argparse.Namespace, settings: Settings) -> int:
    from demo.console import console
    from demo.model_layer.runner import promote_challenger

    outcome = promote_challenger(settings.with_policy(args.policy))
    console.print(f"{outcome.decision.reason}; champion is version {outcome.serving_version}",
                  markup=False)
    return 0


COMMANDS = [
    Command(
        "train", "train, track and register the candidate models on the gold table",
        configure_train, run_train,
        description="Train the baseline, logistic regression and gradient boosting on the "
        "latest gold table, track every run in MLflow, register the best model and apply "
        "the promotion policy.",
    ),
    Command(
        "promote", "apply the promotion policy to the current challenger",
        add_policy_option, run_promote,
        description="Compare the 'challenger' with the 'champion' on the challenger's test "
        "rows; promote it if it wins by the margin (promotion.margin in demo/params.toml).",
    ),
]

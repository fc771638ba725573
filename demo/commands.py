"""The pipeline's commands: each runs steps of ``demo.steps``.

``run`` runs every step, ``ingest`` the data steps (raw to features), ``train`` the model
steps (train, registry), ``validate`` the contract and features steps on the latest silver (on Spark, where
``ingest`` checks the contract, it shows that check); ``promote`` re-applies the promotion policy to the challenger. Policy numbers (margin, costs,
trials, split shares) are not repeated as option defaults: they come from
``demo/params.toml``, and ``--set SECTION.NAME=VALUE`` overrides one for a run.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from demo.cli import Command
from demo.errors import ModelError
from demo.paths import SAMPLE_RAW_CSV
from demo.settings import Settings

if TYPE_CHECKING:
    from demo.steps import OnStep, Step


def add_policy_option(parser: argparse.ArgumentParser) -> None:
    """``--set SECTION.NAME=VALUE``: override one number of ``demo/params.toml``."""
    parser.add_argument("--set", action="append", default=[], dest="policy",
                        metavar="SECTION.NAME=VALUE",
                        help="override a policy number of demo/params.toml for this run, "
                        "e.g. promotion.margin=0.01 or training.trials=2; repeatable")


def show_progress(settings: Settings) -> OnStep:
    """One line on stderr as each step starts (a line, not a bar: scoring shows its own)."""
    from demo.console import err_console, progress_enabled
    from demo.steps import pipeline_for

    total = len(pipeline_for(settings))

    def on_step(step: Step, index: int) -> None:
        if progress_enabled():
            err_console.print(f"step {index + 1}/{total}: {step.key}")

    return on_step


def configure_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--raw", type=Path, default=SAMPLE_RAW_CSV,
                        help="the raw CSV file the pipeline starts from")
    add_policy_option(parser)


def run_run(args: argparse.Namespace, settings: Settings) -> int:
    from demo.console import console, print_table
    from demo.pipeline import run_pipeline

    settings = settings.with_policy(args.policy)
    summary = run_pipeline(settings, args.raw, on_step=show_progress(settings))
    show_summary(summary)
    print_model_summary(summary)
    for key in ("serve", "monitor", "retrain"):  # their plain values; the file has the rest
        print_table(f"Deployment layer: {key}", [
            (name, value) for name, value in summary[key].items()
            if not isinstance(value, dict | list)], columns=["", "value"])
    console.print(f"summary: {settings.reports_dir / 'run_summary.json'}")
    return 0


def configure_ingest(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="the raw CSV file to ingest")
    parser.add_argument("--no-label", action="store_true",
                        help="the file has no churn label (an unlabelled batch to score)")
    parser.add_argument("--skip-validation", action="store_true",
                        help="do not run the data contract (faster; not for training data)")


def run_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from demo.pipeline import run_pipeline

    options = {"clean": {"require_label": not args.no_label},
               "contract": {"skip": args.skip_validation}}
    show_summary(run_pipeline(settings, args.path, show_progress(settings), options,
                              until="features"))
    return 0


def show_summary(summary: dict[str, Any]) -> None:
    """Print the data section's accounting, the reasons and the repairs as tables."""
    from demo.console import console, print_table

    validation = summary.get("validation") or {}
    outcome = {True: "passed", False: "FAILED", None: "skipped"}[validation.get("success")]
    print_table(f"Data layer: {summary['source_file']}", [
        ("rows read", summary["rows_read"]),
        ("silver (clean rows)", summary["rows_silver"]),
        ("quarantined", summary["rows_quarantined"]),
        ("duplicates dropped", summary["duplicates_dropped"]),
        ("gold (feature rows)", summary["rows_gold"]),
        ("contract", outcome),
        ("unknown columns (kept in bronze only)", ", ".join(summary["unknown_columns"]) or "-"),
    ], columns=["", "value"])
    for title, counts in (("Quarantine reasons (a row can have several)",
                           summary["quarantine_reasons"]),
                          ("Repairs (rows kept in silver)", summary["repairs"])):
        if counts:
            print_table(title, list(counts.items()), columns=["rule", "rows"])
    if validation.get("warnings"):
        print_table("Contract warnings", [(w,) for w in validation["warnings"]],
                    columns=["warning"])
    if summary.get("files"):
        console.print("written: " + ", ".join(f"{k} {v}" for k, v in summary["files"].items()))


def run_validate(args: argparse.Namespace, settings: Settings) -> int:
    from demo.catalog import Catalog
    from demo.console import console, print_table
    from demo.errors import ContractError
    from demo.steps import run_step

    if settings.profile.data_engine == "spark":
        return show_spark_contract(settings)
    Catalog(settings).path("silver")  # first: no silver table says to ingest first
    summary = run_step("contract", settings)["summary"]
    print_table(f"Data contract on the latest silver table: "
                f"{'passed' if summary['success'] else 'FAILED'}",
                [("critical", f) for f in summary["critical_failures"]]
                + [("warning", f) for f in summary["warnings"]]
                or [("-", f"all {summary['expectations']} expectations hold")],
                columns=["severity", "failed expectation"])
    console.print(f"report: {summary['report']}")
    if not summary["success"]:
        raise ContractError("critical expectation(s) failed: "
                            + "; ".join(summary["critical_failures"]))
    run_step("features", settings)  # gold again, from the silver just validated: trainable
    return 0


def show_spark_contract(settings: Settings) -> int:
    """On Spark the data step checks the contract itself, on silver before it writes gold, and
    a failure stops ``ingest``: show what that step recorded."""
    from demo.console import print_table
    from demo.errors import DemoError
    from demo.step_record import load_record

    entry = load_record(settings).get("spark_data")
    if entry is None:
        raise DemoError(f"no silver table in {settings.workspace} yet: run `python -m demo "
                        "ingest` first (on this profile it checks the contract as it cleans)")
    summary = entry["summary"]
    print_table(f"Data contract on silver {summary['run_id']}: passed, checked by the Spark "
                f"data step ({summary['validation']['engine']})",
                [("-", "all critical checks hold")], columns=["severity", "failed expectation"])
    return 0


def configure_train(parser: argparse.ArgumentParser) -> None:
    from demo.model_layer.candidates import CANDIDATES  # plain data: no scikit-learn import

    parser.add_argument("--candidates", nargs="+", metavar="MODEL",
                        help=f"models to train (default: all of {', '.join(CANDIDATES)})")
    parser.add_argument("--param", action="append", default=[], metavar="MODEL.NAME=VALUE",
                        help="fix a hyperparameter (that model is then not tuned); repeatable")
    parser.add_argument("--force", action="store_true",
                        help="train even if the data contract failed (for teaching only)")
    add_policy_option(parser)


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


def run_train(args: argparse.Namespace, settings: Settings) -> int:
    from demo.model_layer.candidates import get_candidate
    from demo.pipeline import run_pipeline

    params: dict[str, dict[str, Any]] = {}
    for text in args.param:
        candidate, name, value = parse_param(text)
        params.setdefault(get_candidate(candidate).name, {})[name] = value
    train = {"candidates": tuple(args.candidates or ()), "params": params,  # () = all
             "force": args.force}
    summary = run_pipeline(settings.with_policy(args.policy), options={"train": train},
                           start="train", until="registry")
    print_model_summary(summary)
    return 0


def print_model_summary(summary: dict[str, Any]) -> None:
    """One table of every candidate's metrics, then the registry's decision."""
    from demo.console import console, print_table

    trained, registered = summary["train"], summary["registry"]
    print_table("Model layer: candidates (test split; thr = cost-based threshold)", [
        {"model": name, "val AUC": result["validation"]["roc_auc"],
         "AUC": result["test"]["roc_auc"], "PR AUC": result["test"]["pr_auc"],
         "F1": result["test"]["f1"], "thr": result["threshold"],
         "$/cust": result["test"]["expected_cost_per_customer"]}
        for name, result in trained["candidates"].items()])
    console.print(f"registered {registered['registered_model']} version "
                  f"{registered['version']} ({registered['candidate']}) as "
                  f"{registered['alias']}; {registered['decision']['reason']}", markup=False)


def run_promote(args: argparse.Namespace, settings: Settings) -> int:
    from demo.console import console
    from demo.model_layer.registry import promote_challenger

    outcome = promote_challenger(settings.with_policy(args.policy))
    console.print(f"{outcome.decision.reason}; champion is version {outcome.serving_version}",
                  markup=False)
    return 0


COMMANDS = [
    Command("run", "run the pipeline end to end on the sample dataset", configure_run, run_run),
    Command("ingest", "run the data layer on a raw CSV file (bronze, silver, quarantine, "
            "contract, gold)", configure_ingest, run_ingest),
    Command("validate", "run the data contract on the latest silver table; gold is built "
            "again from it when it passes (on Spark: shows the check ingest made)",
            lambda parser: None, run_validate),
    Command("train", "train, track and register the candidate models on the gold table",
            configure_train, run_train,
            description="Train the baseline, logistic regression and gradient boosting on the "
            "latest gold table, track every run in MLflow, register the best model and apply "
            "the promotion policy."),
    Command("promote", "apply the promotion policy to the current challenger",
            add_policy_option, run_promote,
            description="Compare the 'challenger' with the 'champion' on the challenger's "
            "test rows; promote it if it wins by the margin (promotion.margin in "
            "demo/params.toml)."),
]

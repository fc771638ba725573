"""``python -m demo ingest`` and ``python -m demo validate``: the data layer from the shell."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from demo.cli import Command
from demo.settings import Settings


def configure_ingest(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="the raw CSV file to ingest")
    parser.add_argument("--no-label", action="store_true",
                        help="the file has no churn label (an unlabelled batch to score)")
    parser.add_argument("--skip-validation", action="store_true",
                        help="do not run the data contract (faster; not for training data)")


def run_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from demo.data_layer.runner import run_data_layer

    with data_layer_progress() as on_step:
        result = run_data_layer(settings, args.path, require_label=not args.no_label,
                                validate=not args.skip_validation, on_step=on_step)
    show_summary(result.summary())
    return 0


def configure_validate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--silver", type=Path,
                        help="a silver Parquet file (default: the workspace's latest)")


def run_validate(args: argparse.Namespace, settings: Settings) -> int:
    import pandas as pd

    from demo.catalog import Catalog, new_run_id
    from demo.console import console, print_table
    from demo.data_layer.contract import save_report, validate_silver
    from demo.errors import ContractError, DataError

    path = args.silver or Catalog(settings).path("silver")
    if not path.exists():
        raise DataError(f"{path}: no such file")
    try:
        silver = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: not a readable Parquet file ({exc})") from None
    report = validate_silver(silver, docs_dir=settings.reports_dir / "data_docs")
    paths = save_report(report, settings.reports_dir, new_run_id())
    failed = report.results[~report.results["success"]]
    print_table(f"Data contract on {path.name}: "
                f"{'passed' if report.success else 'FAILED'}",
                failed[["severity", "expectation", "column", "details"]].to_dict("records")
                or [{"result": f"all {len(report.results)} expectations hold"}])
    console.print(f"report: {paths['validation_html']}")
    if not report.success:
        raise ContractError(f"{path}: critical expectation(s) failed: "
                            f"{'; '.join(report.critical_failures)}")
    return 0


@contextmanager
def data_layer_progress() -> Iterator[Any]:
    """A progress bar over the data layer's steps; yields the ``on_step`` callback."""
    from demo.console import progress
    from demo.data_layer.runner import STEPS

    with progress() as bar:
        task = bar.add_task("data layer", total=len(STEPS))

        def on_step(name: str) -> None:
            bar.update(task, description=f"data layer: {name}", completed=STEPS.index(name))

        yield on_step
        bar.update(task, description="data layer: done", completed=len(STEPS))


def show_summary(summary: dict[str, Any]) -> None:
    """Print the accounting, the reasons and the repairs as tables."""
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
    if summary["quarantine_reasons"]:
        print_table("Quarantine reasons (a row can have several)",
                    list(summary["quarantine_reasons"].items()), columns=["rule", "rows"])
    if summary["repairs"]:
        print_table("Repairs (rows kept in silver)", list(summary["repairs"].items()),
                    columns=["rule", "rows"])
    if validation.get("warnings"):
        print_table("Contract warnings", [(w,) for w in validation["warnings"]],
                    columns=["warning"])
    files = summary.get("files", {})
    if files:
        console.print("written: " + ", ".join(f"{k} {v}" for k, v in files.items()))


COMMANDS = [
    Command("ingest", "run the data layer on a raw CSV file (bronze, silver, quarantine, "
            "contract, gold)", configure_ingest, run_ingest),
    Command("validate", "run the data contract on the latest silver table",
            configure_validate, run_validate),
]

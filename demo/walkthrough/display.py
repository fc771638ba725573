"""What only the app needs: tables to show, and the serving page's own requests.

The steps themselves run through ``demo.steps.run_step``; these functions read what the
steps left (MLflow runs, registry versions, the monitor's report) or, on the serving page,
record the requests a presenter types in by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from demo.catalog import Catalog
from demo.deployment_layer.client import ApiAnswer, answer_rows, answers_summary
from demo.errors import DemoError
from demo.settings import Settings
from demo.step_record import load_record, save_step
from demo.steps import run_step


def save_uploaded_raw(settings: Settings, filename: str, content: bytes) -> dict[str, Any]:
    """Use an uploaded CSV as the raw file, once the data layer can read it."""
    from demo.data_layer.ingest import read_raw_csv, to_bronze
    from demo.errors import DataError

    name, target = Path(filename).name, Catalog(settings).location("raw")
    staging = target.with_name(f"upload-{name}")
    staging.parent.mkdir(parents=True, exist_ok=True)
    staging.write_bytes(content)
    try:
        missing = to_bronze(read_raw_csv(staging), name).missing_columns
        if missing:
            raise DataError(f"{name}: is not a customer export: missing the column(s) "
                            f"{', '.join(missing)}; expected the columns of the raw sample")
    except DemoError:
        staging.unlink(missing_ok=True)
        raise
    staging.replace(target)
    return run_step("raw", settings, source=target)


def save_upload(settings: Settings, filename: str, content: bytes) -> Path:
    """Keep an uploaded batch in the workspace, where the data layer can read it."""
    settings.batches_dir.mkdir(parents=True, exist_ok=True)
    path = settings.batches_dir / f"upload-{Path(filename).name}"
    path.write_bytes(content)
    return path


def record_answers(settings: Settings, answers: list[ApiAnswer], challenger_share: float
                   ) -> dict[str, Any]:
    """Add requests sent from the serving page to the serve step's record (the last few)."""
    before = load_record(settings).get("serve", {}).get("summary", {})
    rows = before.get("answers", []) + answer_rows(answers)
    return save_step(settings, "serve", [settings.prediction_log],
                     before | answers_summary(rows, challenger_share))


def registry_stamp(settings: Settings) -> str:
    """Changes whenever the registry's aliases may have moved (a new API must load them)."""
    record = load_record(settings)
    return "|".join(record.get(k, {}).get("finished_at", "") for k in ("registry", "retrain"))


def psi_table(summary: dict[str, Any]) -> pd.DataFrame:
    """The monitor's PSI per feature, worst first."""
    table = pd.DataFrame(summary["features"])
    return table.sort_values("psi", ascending=False, ignore_index=True)


def runs_table(settings: Settings) -> pd.DataFrame:
    """Every candidate run tracked in the workspace, newest first: the runs compared."""
    from demo.model_layer.loading import all_runs
    from demo.model_layer.store import open_store

    runs = all_runs(open_store(settings, create=False), "tags.decision_threshold != ''")
    return pd.DataFrame(
        [{"run": r.data.tags.get("mlflow.runName"),
          "start_time": pd.to_datetime(r.info.start_time, unit="ms", utc=True),
          **{name: r.data.metrics.get(name) for name in (
              "validation_roc_auc", "test_roc_auc", "test_f1", "decision_threshold")},
          "trials": r.data.params.get("trials"), "run_id": r.info.run_id} for r in runs],
        columns=["run", "start_time", "validation_roc_auc", "test_roc_auc", "test_f1",
                 "decision_threshold", "trials", "run_id"])


def registry_versions(settings: Settings) -> pd.DataFrame:
    """Every registered version of the model: aliases, candidate, threshold, decision."""
    from demo.model_layer.store import open_store

    client = open_store(settings, create=False).client
    versions = client.search_model_versions(f"name = '{settings.model_name}'")
    aliases: dict[str, list[str]] = {}  # search results leave aliases out: ask the model
    if versions:
        for alias, version in client.get_registered_model(settings.model_name).aliases.items():
            aliases.setdefault(str(version), []).append(alias)
    return pd.DataFrame(
        [{"version": int(v.version),
          "aliases": ", ".join(sorted(aliases.get(str(v.version), []))),
          "candidate": v.tags.get("candidate", ""),
          "decision_threshold": v.tags.get("decision_threshold", ""),
          "promotion": v.tags.get("promotion_decision", ""),
          "reason": v.tags.get("promotion_reason", ""), "run_id": v.run_id}
         for v in versions],
        columns=["version", "aliases", "candidate", "decision_threshold", "promotion",
                 "reason", "run_id"],
    ).sort_values("version", ascending=False, ignore_index=True)


def step_summary(settings: Settings, key: str) -> dict[str, Any]:
    """The recorded summary of a step; ``DemoError`` when it has not run."""
    entry = load_record(settings).get(key)
    if entry is None:
        raise DemoError(f"the step '{key}' has not run yet in {settings.workspace}: "
                        "run it first")
    summary: dict[str, Any] = entry["summary"]
    return summary

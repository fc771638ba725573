"""The deployment layer's steps as the workshop runs them: serve, monitor, retrain.

Serving goes through the real FastAPI app (``create_app``) in-process with FastAPI's
``TestClient``: the same routing, validation, A/B split and prediction log as over HTTP,
without a port to manage on a workshop laptop.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from demo.errors import DataError
from demo.feature_spec import ID_COLUMN, MODEL_INPUTS
from demo.settings import Settings
from demo.walkthrough.catalogue import Presets
from demo.walkthrough.data_steps import load_table
from demo.walkthrough.record import load_record, require, save_step

TRAFFIC_ROWS = 300  # one batch of production requests
MONITOR_ROWS = 2_000  # one batch of production data for the drift monitor
TRAFFIC_SEED = 2024
TRAFFIC_ID_START = 1_000_000  # production customers are not the training customers
KEPT_ANSWERS = 20


@dataclass(frozen=True)
class ApiAnswer:
    """One request to the API and what came back."""

    kind: str  # "form" or "batch"
    status: int
    body: dict[str, Any]
    latency_ms: float
    rows: int

    def by_alias(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for prediction in self.body.get("predictions", []):
            alias = prediction["model"]["alias"]
            counts[alias] = counts.get(alias, 0) + 1
        return counts

    def problems(self) -> list[str]:
        """The API's reasons for refusing the request, one line per field."""
        detail = self.body.get("detail", [])
        if isinstance(detail, str):
            return [detail]
        return [f"{item['field']}: {item['reason']}" for item in detail]


def open_api(settings: Settings, challenger_share: float) -> Any:
    """The real API for the workspace's registry, started (its models loaded)."""
    from fastapi.testclient import TestClient

    from demo.deployment_layer.api import create_app

    client = TestClient(create_app(settings, challenger_share=challenger_share))
    client.__enter__()
    return client


def close_api(client: Any) -> None:
    """Stop the API (flushes and closes its prediction log)."""
    client.__exit__(None, None, None)


def ask(client: Any, payload: dict[str, Any], kind: str) -> ApiAnswer:
    """POST ``payload`` to ``/predict``; the answer with its wall-clock latency."""
    body = json.dumps(payload)
    start = time.perf_counter()
    response = client.post("/predict", content=body,
                           headers={"content-type": "application/json"})
    latency_ms = (time.perf_counter() - start) * 1000
    rows = len(payload["customers"]) if "customers" in payload else 1
    return ApiAnswer(kind, response.status_code, response.json(), latency_ms, rows)


def customers_from_csv(path: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Request-ready customers from a raw CSV, cleaned by the data layer's rules.

    Returns the customers and what the cleaning set aside (rows read, quarantined ...).
    """
    from demo.deployment_layer.scoring import prepare_batch

    batch = prepare_batch(path)
    if batch.features.empty:
        raise DataError(f"{path.name}: no row survived cleaning "
                        f"({batch.rows_read} read, {len(batch.quarantine)} quarantined)")
    columns = [ID_COLUMN, *(f.name for f in MODEL_INPUTS)]
    frame = batch.features[columns].astype(object)
    customers = json.loads(frame.to_json(orient="records"))
    return customers, {"rows_read": batch.rows_read, "rows_usable": len(customers),
                       "rows_quarantined": len(batch.quarantine),
                       "quarantine_reasons": batch.quarantine_reasons}


def ask_in_batches(client: Any, customers: list[dict[str, Any]]) -> list[ApiAnswer]:
    """Send customers as batch requests of at most the API's batch size."""
    max_batch = client.get("/model").json().get("max_batch", 1_000)
    return [ask(client, {"customers": customers[i:i + max_batch]}, "batch")
            for i in range(0, len(customers), max_batch)]


def record_answers(settings: Settings, answers: list[ApiAnswer], challenger_share: float) -> dict:
    """Add answered requests to the serving step's record (the last few are kept)."""
    previous = load_record(settings).get("serve", {}).get("summary", {}).get("answers", [])
    fresh = [{"kind": a.kind, "status": a.status, "rows": a.rows,
              "latency_ms": round(a.latency_ms, 2), "by_alias": a.by_alias()}
             for a in answers]
    kept = (previous + fresh)[-KEPT_ANSWERS:]
    served: dict[str, int] = {}
    for answer in kept:
        for alias, count in answer["by_alias"].items():
            served[alias] = served.get(alias, 0) + count
    summary = {"answers": kept, "served_by_alias": served,
               "challenger_share": challenger_share}
    return save_step(settings, "serve", [settings.prediction_log], summary)


def traffic_batch(settings: Settings, scenario: str, rows: int, dirty: bool) -> Path:
    """A generated batch of production customers under ``scenario``, written as raw CSV."""
    from demo.synthetic.export import write_csv
    from demo.synthetic.scenarios import generate_batch

    settings.batches_dir.mkdir(parents=True, exist_ok=True)
    path = settings.batches_dir / f"{scenario}_{rows}{'_dirty' if dirty else ''}.csv"
    frame = generate_batch(rows, TRAFFIC_SEED, scenario, id_start=TRAFFIC_ID_START, dirty=dirty)
    write_csv(frame, path)
    return path


def run_serve(settings: Settings, presets: Presets, challenger_share: float = 0.1) -> dict:
    """Send one batch of production traffic (the preset's scenario) through the API."""
    require(settings, "serve")
    customers, _ = customers_from_csv(
        traffic_batch(settings, presets.traffic, TRAFFIC_ROWS, presets.dirty))
    client = open_api(settings, challenger_share)
    try:
        answers = ask_in_batches(client, customers)
    finally:
        close_api(client)
    return record_answers(settings, answers, challenger_share)


def run_monitor(settings: Settings, presets: Presets, rows: int = MONITOR_ROWS) -> dict:
    """Compare a production batch (the preset's scenario) with the training data."""
    from demo.deployment_layer.monitoring_runner import monitor_frame
    from demo.deployment_layer.scoring import prepare_batch

    require(settings, "monitor")
    path = traffic_batch(settings, presets.traffic, rows, presets.dirty)
    batch = prepare_batch(path)
    report = monitor_frame(settings, load_table(settings, "features"), batch.features, path.name)
    summary = report.to_dict() | {"scenario": presets.traffic, "batch_path": str(path)}
    stem = settings.reports_dir / f"drift_{path.stem}"
    return save_step(settings, "monitor",
                     [stem.with_suffix(".json"), stem.with_suffix(".html"), path], summary)


def psi_table(summary: dict[str, Any]) -> pd.DataFrame:
    """The monitor's PSI per feature, worst first."""
    table = pd.DataFrame(summary["features"])
    return table.sort_values("psi", ascending=False, ignore_index=True)


def run_retrain(settings: Settings, presets: Presets | None = None, trials: int = 1) -> dict:
    """Retrain on the training data plus the monitored batch's labelled rows, then judge.

    The challenger is trained like the champion and judged against it on a fresh holdout
    of the new data; the promotion policy moves the aliases.
    """
    from demo.deployment_layer.retrain import retrain
    from demo.deployment_layer.scoring import prepare_batch

    require(settings, "retrain")
    monitored = load_record(settings)["monitor"]["summary"]
    batch = prepare_batch(Path(monitored["batch_path"]), require_label=True)
    outcome = retrain(settings, load_table(settings, "features"), batch.features, trials=trials)
    summary = outcome.summary() | {"scenario": monitored["scenario"],
                                   "batch_path": monitored["batch_path"]}
    return save_step(settings, "retrain", [settings.mlflow_db], summary)


def save_upload(settings: Settings, filename: str, content: bytes) -> Path:
    """Keep an uploaded batch in the workspace, where the data layer can read it."""
    settings.batches_dir.mkdir(parents=True, exist_ok=True)
    path = settings.batches_dir / f"upload-{Path(filename).name}"
    path.write_bytes(content)
    return path


def registry_stamp(settings: Settings) -> str:
    """Changes whenever the registry's aliases may have moved (a new API must load them)."""
    record = load_record(settings)
    return "|".join(record.get(k, {}).get("finished_at", "") for k in ("registry", "retrain"))

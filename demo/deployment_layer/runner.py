"""The deployment layer end to end (pipeline steps 7-9), after the model layer has run.

1. serve: start the API as a real uvicorn process on a loopback port it binds itself (it
   boots while the next steps run) and ask it about a few customers;
2. score: a drifted, labelled "production" batch from the generator, scored in batch
   through the data layer's cleaning rules;
3. monitor: the drift report of that batch against the training data;
4. retrain: a challenger on reference + the new labelled rows, the promotion policy, and a
   reload of the running API, which then serves whatever the policy decided.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from demo.errors import ModelError
from demo.settings import Settings

DEFAULT_SCENARIO = "churn_shift"
BATCH_ROWS = 3_000
BATCH_ID_START = 10_000_000  # production customers get ids the training sample never used
SAMPLE_REQUESTS = 5


def write_production_batch(settings: Settings, scenario: str, rows: int, seed: int) -> Path:
    """A dirty, labelled batch under ``scenario``, saved where retraining looks for batches."""
    from demo.synthetic.scenarios import generate_batch

    settings.batches_dir.mkdir(parents=True, exist_ok=True)
    path = settings.batches_dir / f"production_{scenario}_{seed}.csv"
    generate_batch(rows, seed, scenario, id_start=BATCH_ID_START, dirty=True,
                   with_label=True).to_csv(path, index=False)
    return path


def ask_api(url: str, customers: list[dict[str, Any]]) -> dict[str, Any]:
    """A few single-customer requests and one batch request; what the API answered."""
    latencies, versions = [], set()
    with httpx.Client(base_url=url, timeout=60) as client:
        ready = client.get("/ready")
        if ready.status_code != 200:
            raise ModelError(f"the API at {url} is not ready: {ready.json().get('reason')}")
        for customer in customers:
            start = time.perf_counter()
            answer = client.post("/predict", json=customer)
            latencies.append(time.perf_counter() - start)
            answer.raise_for_status()
            versions.add(answer.json()["predictions"][0]["model"]["version"])
        batch = client.post("/predict", json={"customers": customers})
        batch.raise_for_status()
        route = client.get("/model").json()["champion"]["serving_route"]
    return {
        "api_url": url,
        "api_requests": len(customers) + 1,
        "api_answered_by_version": ", ".join(sorted(versions)),
        "api_median_latency_ms": round(sorted(latencies)[len(latencies) // 2] * 1000, 2),
        "api_serving_route": route.split(",")[0],
    }


def run_deployment_layer(settings: Settings, scenario: str = DEFAULT_SCENARIO,
                         rows: int = BATCH_ROWS) -> dict[str, Any]:
    """Serve, score, monitor, retrain, reload; the run summary's ``deployment`` section."""
    from demo.deployment_layer.admin import admin_token
    from demo.deployment_layer.monitoring_runner import monitor_frame, reference_table
    from demo.deployment_layer.retrain import reload_api, retrain
    from demo.deployment_layer.scoring import INPUT_COLUMNS, prepare_batch, score_prepared
    from demo.deployment_layer.server import ApiServer
    from demo.feature_spec import ID_COLUMN
    from demo.model_layer.registry import load_model

    start = time.perf_counter()
    summary: dict[str, Any] = {"scenario": scenario}
    with ApiServer(settings, challenger_share=0.0).launch() as api:  # boots meanwhile
        batch_path = write_production_batch(settings, scenario, rows, settings.seed + 1)
        batch = prepare_batch(batch_path, require_label=True)
        champion = load_model(settings, "champion")
        reference = reference_table(settings)
        scored = score_prepared(champion, batch,
                                settings.serving_dir / f"scores_{scenario}.csv")
        summary.update({"batch": str(batch_path), "batch_rows_read": scored.rows_read,
                        "batch_scored": scored.rows_scored,
                        "batch_quarantined": scored.rows_quarantined,
                        "scores": str(scored.output)})
        report = monitor_frame(settings, reference, batch.features, batch_path.name,
                               champion=champion)
        summary.update({
            "drift_verdict": report.verdict,
            "drifted_features": ", ".join(report.drifted_features()) or "none",
            "prediction_psi": round(report.prediction_psi, 4),
            "batch_roc_auc": round(report.performance.get("roc_auc", float("nan")), 4),
            "retrain_recommended": report.retrain_recommended,
            "drift_report": str(settings.reports_dir / "drift_latest.html"),
        })
        api.wait()
        sample = batch.features.head(SAMPLE_REQUESTS)[[ID_COLUMN, *INPUT_COLUMNS]]
        summary.update(ask_api(api.url, sample.to_dict(orient="records")))
        outcome = retrain(settings, reference, batch.features)
        reload_api(api.url, admin_token(settings))
        served = httpx.get(f"{api.url}/model", timeout=30).json()["champion"]["version"]
    summary.update({
        "challenger_version": outcome.challenger_version,
        "promoted": outcome.promoted,
        "promotion_reason": outcome.reason,
        "api_serves_after_reload": served,
        "prediction_log": str(settings.prediction_log),
        "seconds": round(time.perf_counter() - start, 1),
    })
    return summary

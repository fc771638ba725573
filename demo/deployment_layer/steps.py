"""The deployment layer's steps: serve production traffic, monitor it, retrain on it.

Traffic is generated (a scenario: baseline, price_rise, churn_shift ...) or, for the monitor,
a raw CSV you give; the data layer's rules clean it before the API or the monitor sees it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from demo.catalog import Catalog
from demo.errors import DataError
from demo.feature_spec import LABEL_COLUMN
from demo.step_record import Done

DEFAULT_TRAFFIC = "price_rise"
TRAFFIC_ROWS = 300  # one batch of production requests
MONITOR_ROWS = 2_000  # one labelled batch of production data for the monitor
BATCH_ID_START = 10_000_000  # production customers get ids the training sample never used
# What `python -m demo run` sends: a few customers to the API, a drifted batch to monitor.
DEFAULT_SCENARIO = "churn_shift"
SAMPLE_REQUESTS = 5
BATCH_ROWS = 3_000


def write_traffic(catalog: Catalog, scenario: str, rows: int, dirty: bool, name: str) -> Path:
    """A generated, labelled batch of production customers under ``scenario`` (raw CSV)."""
    from demo.synthetic.scenarios import generate_batch

    return catalog.save(name, generate_batch(rows, catalog.settings.seed + 1, scenario,
                                             id_start=BATCH_ID_START, dirty=dirty,
                                             with_label=True))


def serve(catalog: Catalog, traffic: str = DEFAULT_TRAFFIC, rows: int = TRAFFIC_ROWS,
          dirty: bool = True, challenger_share: float | None = None, singles: int = 0,
          over_http: bool = False) -> Done:
    """Send a batch of ``traffic`` through the real API (the first ``singles`` customers
    also one by one), which answers with the champion and logs every prediction."""
    from demo.deployment_layer import client as api

    settings = catalog.settings
    share = (settings.policy.serving_challenger_share if challenger_share is None
             else challenger_share)
    customers, _ = api.customers_from_csv(write_traffic(catalog, traffic, rows, dirty, "traffic"))
    with api.open_api(settings, share, over_http) as client:
        api.require_ready(client)
        answers = [api.ask(client, customer, "single") for customer in customers[:singles]]
        answers += api.ask_in_batches(client, customers)
        served = client.get("/model").json()["champion"]
        url = str(client.base_url)
    latencies = sorted(a.latency_ms for a in answers[:singles] or answers)
    summary = api.answers_summary(api.answer_rows(answers), share) | {
        "scenario": traffic, "api_url": url, "api_requests": len(answers),
        "api_answered_by_version": ", ".join(sorted(set().union(*(a.versions()
                                                                  for a in answers)))),
        "api_median_latency_ms": round(latencies[len(latencies) // 2], 2),
        "api_serving_route": served["serving_route"].split(",")[0]}
    return Done([catalog.location("prediction_log")], summary)


def monitor(catalog: Catalog, traffic: str = DEFAULT_TRAFFIC, rows: int = MONITOR_ROWS,
            dirty: bool = True, batch: str | Path | None = None) -> Done:
    """Score a production batch with the champion and compare it with the training data:
    PSI per feature, prediction drift, performance (when labelled); a retraining verdict.
    The batch is the raw CSV ``batch`` (copied into the workspace), else generated
    ``traffic``."""
    from demo.deployment_layer.monitoring_runner import monitor_frame, report_paths
    from demo.deployment_layer.scoring import prepare_batch, score_prepared
    from demo.model_layer.loading import load_model

    settings = catalog.settings
    given = Path(batch) if batch is not None else None
    path = given or write_traffic(catalog, traffic, rows, dirty, "production_batch")
    prepared = prepare_batch(path)  # first: a missing or unreadable file is named
    if given is not None:  # the workspace keeps the batch it judged
        path = catalog.location("production_batch")
        path.parent.mkdir(parents=True, exist_ok=True)
        if given.resolve() != path.resolve():
            shutil.copyfile(given, path)
    features = catalog.save("production_features", prepared.features)  # retrain reads it
    champion = load_model(settings, "champion")
    scores = catalog.location("scores")
    scored = score_prepared(champion, prepared, scores)
    name = (given or path).name
    report = monitor_frame(settings, catalog.load("gold"), prepared.features, name,
                           champion=champion)
    return Done([*report_paths(settings, name), path, features, scores],
                report | {
                    "scenario": traffic if given is None else None, "batch_path": str(path),
                    "batch_rows_read": scored["rows read"], "batch_scored": scored["scored"],
                    "batch_quarantined": scored["quarantined"], "scores": str(scores)})


def retrain(catalog: Catalog, trials: int = 1) -> Done:
    """Retrain on the training data plus the production batch's labelled rows (as the
    monitor step cleaned them), judge the challenger against the champion on a fresh holdout
    of them, and let the policy decide; then ask a freshly started API which version it
    serves."""
    from demo.deployment_layer import client as api
    from demo.deployment_layer.retrain import retrain as retrain_challenger

    settings, labelled = catalog.settings, catalog.load("production_features")
    if LABEL_COLUMN not in labelled.columns:
        raise DataError(f"{catalog.path('production_batch')}: the batch the monitor step "
                        f"judged has no '{LABEL_COLUMN}' label, and retraining needs labels")
    outcome = retrain_challenger(settings, catalog.load("gold"), labelled, trials=trials)
    with api.open_api(settings, challenger_share=0.0) as client:
        serving = client.get("/model").json()["champion"]["version"]
    return Done([settings.mlflow_db], outcome | {"api_serves_after_reload": str(serving)})

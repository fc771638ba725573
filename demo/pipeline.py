"""The whole pipeline on one raw file, as ``python -m demo run`` runs it.

Every step of ``demo.steps`` runs in order through ``run_all``; then the steps' recorded
summaries are gathered into one run summary, ``reports/run_summary.json``: the data layer's
accounting at the top level (``rows_read``, ``rows_silver`` ...), then a ``model`` and a
``deployment`` section.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from demo.deployment_layer.steps import BATCH_ROWS, DEFAULT_SCENARIO, SAMPLE_REQUESTS
from demo.paths import SAMPLE_RAW_CSV
from demo.settings import Settings
from demo.step_record import load_record
from demo.steps import OnStep, Step, run_all

SUMMARY_FILE = "run_summary.json"


def pipeline_options(raw_path: str | Path, scenario: str = DEFAULT_SCENARIO,
                     rows: int = BATCH_ROWS) -> dict[str, dict[str, Any]]:
    """The command line's choices for each step: start from ``raw_path``; a few customers
    asked of the API over HTTP (a real uvicorn process); a drifted, labelled batch of
    ``scenario`` to score, monitor and retrain on."""
    return {"raw": {"source": raw_path},
            "serve": {"traffic": scenario, "rows": SAMPLE_REQUESTS, "dirty": False,
                      "singles": SAMPLE_REQUESTS, "challenger_share": 0.0, "over_http": True},
            "monitor": {"traffic": scenario, "rows": rows}}


def run_pipeline(settings: Settings, raw_path: str | Path = SAMPLE_RAW_CSV,
                 on_step: OnStep | None = None, options: dict[str, dict[str, Any]] | None = None,
                 start: str | None = None, until: str | None = None) -> dict[str, Any]:
    """Run the steps (all, or ``start`` to ``until``) on ``raw_path``; ``options[key]`` adds
    to step ``key``'s choices. Write and return the run summary (also when a step fails
    after the raw file was taken, so what ran can be inspected)."""
    chosen = pipeline_options(raw_path)
    for key, extra in (options or {}).items():
        chosen[key] = chosen.get(key, {}) | extra
    started: list[str] = []

    def note(step: Step, index: int) -> None:
        started.append(step.key)
        if on_step is not None:
            on_step(step, index)

    try:
        run_all(settings, chosen, on_step=note, start=start, until=until)
    finally:
        if set(started) - {"raw"}:  # past a new raw file: the record holds this run's steps
            settings.reports_dir.mkdir(parents=True, exist_ok=True)
            (settings.reports_dir / SUMMARY_FILE).write_text(
                json.dumps(run_summary(load_record(settings)), indent=2, default=str))
    return run_summary(load_record(settings))


def run_summary(record: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The run summary from the steps' record: data accounting, model, deployment."""
    summary = data_section(record)
    if "registry" in record:
        summary["model"] = model_section(record["train"], record["registry"])
    if "retrain" in record:
        summary["deployment"] = deployment_section(record)
    return summary


def data_section(record: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if "spark_data" in record:  # the Spark step writes the whole section itself
        return dict(record["spark_data"]["summary"])
    if "clean" not in record:
        return {}
    summary = dict(record["clean"]["summary"])
    features = record.get("features", {}).get("summary", {})
    contract = record.get("contract", {}).get("summary")
    files = summary.pop("files") | ({"gold": record["features"]["artifacts"][0]}
                                    if features else {})
    if contract is not None:
        files |= {"validation_json": record["contract"]["artifacts"][0]}
        if contract["report"]:  # a skipped contract wrote no report
            files |= {"validation_html": contract["report"]}
    summary |= {
        "rows_gold": features.get("rows", 0),
        "validation": ({k: v for k, v in contract.items() if k not in ("run_id", "report")}
                       if contract else {"success": None, "failed_expectations": [],
                                         "skipped": True}),
        "files": files,
        "seconds": {key: record[key]["seconds"] for key in ("clean", "contract", "features")
                    if key in record}}
    return summary


def model_section(train: dict[str, Any], registry: dict[str, Any]) -> dict[str, Any]:
    trained, registered = train["summary"], registry["summary"]
    return {
        "experiment": trained["experiment"], "tracking_uri": trained["tracking_uri"],
        "training_run_id": trained["parent_run_id"], "data_hash": trained["data_hash"],
        "rows": trained["split_sizes"],
        "candidates": {name: {"run_id": c["run_id"], "params": c["params"],
                              "decision_threshold": c["threshold"],
                              "validation": c["validation"], "test": c["test"]}
                       for name, c in trained["candidates"].items()},
        "best_candidate": trained["best"], "registered_model": registered["registered_model"],
        "registered_version": registered["version"], "alias": registered["alias"],
        "champion_version": registered["serving_version"],
        "promotion": {k: v for k, v in registered.items() if k not in (
            "candidate", "version", "alias", "model_uri", "registered_model")},
        "policy": trained["policy"], "gold_path": trained["gold_path"],
        "seconds": {"train_and_track": train["seconds"],
                    "register_and_promote": registry["seconds"]}}


def deployment_section(record: dict[str, dict[str, Any]]) -> dict[str, Any]:
    served, monitored = record["serve"]["summary"], record["monitor"]["summary"]
    retrained = record["retrain"]["summary"]
    return {
        "scenario": monitored["scenario"], "batch": monitored["batch_path"],
        **{key: monitored[key] for key in ("batch_rows_read", "batch_scored",
                                           "batch_quarantined", "scores")},
        "drift_verdict": monitored["verdict"],
        "drifted_features": ", ".join(monitored["drifted_features"]) or "none",
        "prediction_psi": round(monitored["prediction_psi"], 4),
        "batch_roc_auc": round(monitored["performance"].get("roc_auc", float("nan")), 4),
        "retrain_recommended": monitored["retrain_recommended"],
        "drift_report": record["monitor"]["artifacts"][1],
        **{key: value for key, value in served.items() if key.startswith("api_")},
        "challenger_version": retrained["challenger_version"],
        "promoted": retrained["promoted"], "promotion_reason": retrained["reason"],
        "api_serves_after_reload": retrained["api_serves_after_reload"],
        "prediction_log": record["serve"]["artifacts"][0],
        "seconds": round(sum(record[k]["seconds"] for k in ("serve", "monitor", "retrain")), 1)}

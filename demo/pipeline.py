"""The whole pipeline on one raw file, as ``python -m demo run`` runs it.

Every step of ``demo.steps`` runs in order through ``run_all``; then the steps' recorded
summaries are gathered into one run summary, ``reports/run_summary.json``: the data layer's
accounting at the top level (``rows_read``, ``rows_silver`` ..., the shape the Spark step
writes), then each later step's own summary under its key (``train``, ``registry`` ...).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from demo.deployment_layer.steps import BATCH_ROWS, DEFAULT_SCENARIO, SAMPLE_REQUESTS
from demo.paths import SAMPLE_RAW_CSV
from demo.settings import Settings
from demo.step_record import load_record
from demo.steps import DATA_STEPS, RAW, SPARK_DATA, OnStep, run_all

# The steps whose summaries make the data accounting (pandas or Spark); the rest keep their own.
DATA_KEYS = {step.key for step in (RAW, *DATA_STEPS, SPARK_DATA)}


def pipeline_options(raw_path: str | Path) -> dict[str, dict[str, Any]]:
    """The command line's choices for each step: start from ``raw_path``; a few customers
    asked of the API over HTTP (a real uvicorn process); a drifted, labelled batch of
    ``DEFAULT_SCENARIO`` to score, monitor and retrain on."""
    return {"raw": {"source": raw_path},
            "serve": {"traffic": DEFAULT_SCENARIO, "rows": SAMPLE_REQUESTS, "dirty": False,
                      "singles": SAMPLE_REQUESTS, "challenger_share": 0.0, "over_http": True},
            "monitor": {"traffic": DEFAULT_SCENARIO, "rows": BATCH_ROWS}}


def run_pipeline(settings: Settings, raw_path: str | Path = SAMPLE_RAW_CSV,
                 on_step: OnStep | None = None, options: dict[str, dict[str, Any]] | None = None,
                 start: str | None = None, until: str | None = None) -> dict[str, Any]:
    """Run the steps (all, or ``start`` to ``until``) on ``raw_path``; ``options[key]`` adds
    to step ``key``'s choices. Write and return the run summary of what the step record
    holds (also when a step fails, so what ran can be inspected)."""
    chosen = pipeline_options(raw_path)
    for key, extra in (options or {}).items():
        chosen[key] = chosen.get(key, {}) | extra
    try:
        run_all(settings, chosen, on_step=on_step, start=start, until=until)
    finally:
        summary = run_summary(load_record(settings))
        if summary:  # a new raw file alone (or nothing) leaves nothing to summarise
            settings.reports_dir.mkdir(parents=True, exist_ok=True)
            (settings.reports_dir / "run_summary.json").write_text(
                json.dumps(summary, indent=2, default=str))
    return summary


def run_summary(record: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The run summary from the steps' record: the data accounting, then every later step's
    summary and seconds under its key."""
    return data_section(record) | {
        key: entry["summary"] | {"seconds": entry["seconds"]}
        for key, entry in record.items() if key not in DATA_KEYS}


def data_section(record: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The clean, contract and features steps' summaries in one, as the Spark step writes it."""
    if "spark_data" in record:
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

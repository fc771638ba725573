"""The capstone's stages, each run in its own sandboxed process by ``grading.capstone``.

    python -m grading.capstone_stage pipeline SUBMISSION TRAIN_CSV WORKSPACE
    python -m grading.capstone_stage contract SUBMISSION BATCH_CSV WORKSPACE [BATCH_CSV WORKSPACE]
    python -m grading.capstone_stage serve WORKSPACE FEATURES_CSV

``pipeline`` and ``contract`` run the learner's ``pipeline.py``; nothing they print is
believed: the grader judges the files they leave in the workspaces. ``serve`` runs no
learner code (the champion is rebuilt with skops from the course's allow-list of types); it
scores the hidden customers with the champion, asks the course's API about some of them,
and prints one JSON object that the grader checks field by field.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

API_CUSTOMERS = 20  # how many hidden customers the API is asked about


def load_submission(folder: Path) -> ModuleType:
    """The learner's ``pipeline.py`` as a module (its folder first on the import path)."""
    path = folder / "pipeline.py"
    spec = importlib.util.spec_from_file_location("capstone_pipeline", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    sys.path.insert(0, str(folder))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_pipeline(submission: Path, train_csv: Path, workspace: Path) -> int:
    """The learner's data layer, then model layer, on the training file."""
    pipeline = load_submission(submission)
    pipeline.data_layer(train_csv, workspace)
    pipeline.model_layer(workspace)
    return 0


def run_contract(submission: Path, pairs: list[tuple[Path, Path]]) -> int:
    """The learner's data layer on each batch, each into its own workspace. A batch it
    refuses raises; that is expected for some batches, so it is reported and the next one
    runs."""
    pipeline = load_submission(submission)
    for batch, workspace in pairs:
        try:
            pipeline.data_layer(batch, workspace)
            print(f"{batch.name}: accepted", file=sys.stderr)
        except Exception as error:  # noqa: BLE001 - the grader judges the workspace
            print(f"{batch.name}: refused ({type(error).__name__}: {error})", file=sys.stderr)
    return 0


def serve_report(workspace: Path, features_csv: Path) -> dict[str, Any]:
    """Score the hidden customers with the champion and ask the API about some of them."""
    import httpx

    from demo.deployment_layer.scoring import INPUT_COLUMNS, prepare_batch, score_batch
    from demo.deployment_layer.server import ApiServer
    from demo.feature_spec import ID_COLUMN
    from demo.model_layer.loading import load_model
    from demo.settings import Settings

    settings = Settings.from_env(workspace)
    champion = load_model(settings, "champion")
    batch = prepare_batch(features_csv, require_label=False)
    scores = score_batch(champion.model, champion.threshold, batch.features)
    report: dict[str, Any] = {
        "champion_version": str(champion.version),
        "probabilities": dict(zip(scores[ID_COLUMN].astype(str),
                                  scores["churn_probability"].astype(float))),
    }
    customers = batch.features.head(API_CUSTOMERS)[[ID_COLUMN, *INPUT_COLUMNS]]
    records = json.loads(customers.to_json(orient="records"))
    broken = {**records[0], "tenure": "a long time"}
    with ApiServer(settings, challenger_share=0.0, startup_timeout=90.0) as api, \
            httpx.Client(base_url=api.url, timeout=30) as client:
        answer = client.post("/predict", json={"customers": records})
        report["api"] = {
            "ready_status": client.get("/ready").status_code,
            "predict_status": answer.status_code,
            "predictions": [
                {"customer_id": str(p["customer_id"]),
                 "churn_probability": float(p["churn_probability"]),
                 "version": str(p["model"]["version"])}
                for p in (answer.json().get("predictions", []) if answer.is_success else [])
            ],
            "invalid_request_status": client.post("/predict", json=broken).status_code,
        }
    return report


def main(argv: list[str]) -> int:
    stage, *paths = argv
    if stage == "pipeline":
        submission, train_csv, workspace = map(Path, paths)
        return run_pipeline(submission, train_csv, workspace)
    if stage == "contract":
        submission, *rest = map(Path, paths)
        return run_contract(submission, list(zip(rest[::2], rest[1::2])))
    if stage == "serve":
        workspace, features_csv = map(Path, paths)
        try:
            report = serve_report(workspace, features_csv)
        except Exception as error:  # noqa: BLE001 - one line for the sheet, trace to log
            traceback.print_exc()
            report = {"error": f"{type(error).__name__}: {str(error)[:300]}"}
        print(json.dumps(report))
        return 0
    raise SystemExit(f"unknown stage {stage!r}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

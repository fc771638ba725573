"""A client of the inference API, as the serve step and the app's serving page use it.

``open_api`` starts the real FastAPI app either in this process (FastAPI's ``TestClient``: the
same routing, validation, A/B split and prediction log, without a port to manage) or as a
uvicorn process on a loopback port; both answer through one ``httpx``-style client.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from demo.errors import DataError, ModelError
from demo.feature_spec import ID_COLUMN, INPUT_COLUMNS
from demo.settings import Settings

KEPT_ANSWERS = 20  # the serve step's record keeps the last few answers


@dataclass(frozen=True)
class ApiAnswer:
    """One request to the API and what came back."""

    kind: str  # "single", "form" or "batch"
    status: int
    body: dict[str, Any]
    latency_ms: float
    rows: int

    def by_alias(self) -> dict[str, int]:
        return dict(Counter(p["model"]["alias"] for p in self.body.get("predictions", [])))

    def versions(self) -> set[str]:
        return {str(p["model"]["version"]) for p in self.body.get("predictions", [])}

    def problems(self) -> list[str]:
        """The API's reasons for refusing the request, one line per field."""
        detail = self.body.get("detail", [])
        if isinstance(detail, str):
            return [detail]
        return [f"{item['field']}: {item['reason']}" for item in detail]


def start_in_process(settings: Settings, challenger_share: float) -> Any:
    """The real API for the workspace's registry, started in this process (models loaded);
    ``stop`` it when done (the app keeps one open across reruns)."""
    from fastapi.testclient import TestClient

    from demo.deployment_layer.api import create_app

    return TestClient(create_app(settings, challenger_share=challenger_share)).__enter__()


def stop(client: Any) -> None:
    """Stop an in-process API (flushes and closes its prediction log)."""
    client.__exit__(None, None, None)


@contextmanager
def open_api(settings: Settings, challenger_share: float, over_http: bool = False
             ) -> Iterator[Any]:
    """A client of a started API: in this process, or (``over_http``) a uvicorn process."""
    import httpx

    from demo.deployment_layer.server import ApiServer

    if over_http:
        with ApiServer(settings, challenger_share=challenger_share) as server, \
                httpx.Client(base_url=server.url, timeout=60) as client:
            yield client
    else:
        client = start_in_process(settings, challenger_share)
        try:
            yield client
        finally:
            stop(client)


def require_ready(client: Any) -> None:
    ready = client.get("/ready")
    if ready.status_code != 200:
        raise ModelError(f"the API is not ready: {ready.json().get('reason')}")


def ask(client: Any, payload: dict[str, Any], kind: str) -> ApiAnswer:
    """POST ``payload`` to ``/predict``; the answer with its wall-clock latency."""
    body = json.dumps(payload)
    start = time.perf_counter()
    response = client.post("/predict", content=body,
                           headers={"content-type": "application/json"})
    latency_ms = (time.perf_counter() - start) * 1000
    rows = len(payload["customers"]) if "customers" in payload else 1
    return ApiAnswer(kind, response.status_code, response.json(), latency_ms, rows)


def ask_in_batches(client: Any, customers: list[dict[str, Any]]) -> list[ApiAnswer]:
    """Send customers as batch requests of at most the API's batch size."""
    max_batch = client.get("/model").json().get("max_batch", 1_000)
    return [ask(client, {"customers": customers[i:i + max_batch]}, "batch")
            for i in range(0, len(customers), max_batch)]


def customers_from_csv(path: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Request-ready customers from a raw CSV, cleaned by the data layer's rules, and what
    the cleaning set aside (rows read, quarantined ...)."""
    from demo.deployment_layer.scoring import prepare_batch

    batch = prepare_batch(path)
    if batch.features.empty:
        raise DataError(f"{path.name}: no row survived cleaning "
                        f"({batch.rows_read} read, {len(batch.quarantine)} quarantined)")
    columns = [ID_COLUMN, *INPUT_COLUMNS]
    customers = json.loads(batch.features[columns].astype(object).to_json(orient="records"))
    return customers, {"rows_read": batch.rows_read, "rows_usable": len(customers),
                       "rows_quarantined": len(batch.quarantine),
                       "quarantine_reasons": batch.quarantine_reasons}


def answer_rows(answers: list[ApiAnswer]) -> list[dict[str, Any]]:
    """Answers as the serve step records them (without the predictions themselves)."""
    return [{"kind": a.kind, "status": a.status, "rows": a.rows,
             "latency_ms": round(a.latency_ms, 2), "by_alias": a.by_alias()} for a in answers]


def answers_summary(rows: list[dict[str, Any]], challenger_share: float) -> dict[str, Any]:
    """The last answers (``answer_rows``), and the customers they answered by alias."""
    kept = rows[-KEPT_ANSWERS:]
    served = sum((Counter(answer["by_alias"]) for answer in kept), Counter[str]())
    return {"answers": kept, "served_by_alias": dict(served),
            "challenger_share": challenger_share}

"""The inference API: the registered champion (and challenger) behind FastAPI.

    python -m demo serve --port 8000      # docs at http://127.0.0.1:8000/docs

``POST /predict`` reads the body itself and validates it with the pydantic model generated
from the feature spec: the same schema FastAPI would use, minus a second pass over the data,
and with one error format for every bad input (field path and reason). The models live in
an immutable ``ModelSet`` on ``app.state``; ``POST /admin/reload`` builds a new set and
swaps it in one assignment, so requests in flight never see a half-loaded model.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import numpy as np
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from demo.deployment_layer.fast_path import INPUT_COLUMNS
from demo.deployment_layer.prediction_log import PredictionLog
from demo.deployment_layer.schemas import (
    DEFAULT_MAX_BATCH,
    ErrorResponse,
    PredictResponse,
    batch_model,
    customer_model,
    describe_errors,
    request_body_schema,
)
from demo.deployment_layer.serving import ModelSet, ServedModel, load_model_set
from demo.feature_spec import ID_COLUMN
from demo.settings import Settings

DEFAULT_CHALLENGER_SHARE = 0.1
_BYTES_PER_CUSTOMER = 2_048  # generous: a customer is ~500 bytes of JSON
_ERRORS = {413: {"model": ErrorResponse}, 422: {"model": ErrorResponse},
           503: {"model": ErrorResponse}}


class ApiError(Exception):
    """A request the API refuses, with its status code and what to tell the caller."""

    def __init__(self, status: int, detail: list[dict[str, Any]] | str) -> None:
        super().__init__(str(detail))
        self.status = status
        self.detail = detail


def _json(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def parse_customers(body: bytes, max_batch: int) -> list[BaseModel]:
    """Validated customers from a request body: one customer or ``{"customers": [...]}``."""
    if len(body) > max_batch * _BYTES_PER_CUSTOMER:
        raise ApiError(413, f"request body of {len(body):,} bytes is too large "
                            f"(a batch holds at most {max_batch:,} customers)")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise ApiError(422, [{"field": "body", "reason": f"malformed JSON: {exc}",
                              "type": "json_invalid"}]) from None
    try:
        if isinstance(data, dict) and "customers" in data:
            customers = data["customers"]
            if isinstance(customers, list) and len(customers) > max_batch:
                raise ApiError(413, f"batch of {len(customers):,} customers is too large: "
                                    f"at most {max_batch:,} per request")
            return list(batch_model(max_batch).model_validate(data).customers)
        return [customer_model().model_validate(data)]
    except ValidationError as exc:
        raise ApiError(422, describe_errors(exc)) from None


def _log_records(request_id: str, customers: list[BaseModel], probabilities: np.ndarray,
                 decisions: np.ndarray, answered_by: list[ServedModel]) -> Iterator[dict]:
    """The prediction log's records; a generator, so the writer thread does this work."""
    stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
    for customer, probability, decision, model in zip(
        customers, probabilities.tolist(), decisions.tolist(), answered_by, strict=True
    ):
        yield {"ts": stamp, "request_id": request_id, "model_version": model.version,
               "alias": model.alias, "churn_probability": probability, "churn": decision,
               **customer.__dict__}


def predict_customers(models: ModelSet, customers: list[BaseModel]
                      ) -> tuple[np.ndarray, np.ndarray, list[ServedModel]]:
    """Route each customer to champion or challenger; probabilities, decisions, who answered."""
    to_challenger = models.route([getattr(c, ID_COLUMN) for c in customers])
    probabilities = np.empty(len(customers))
    decisions = np.empty(len(customers), dtype=bool)
    answered_by: list[ServedModel] = [models.champion] * len(customers)  # type: ignore[list-item]
    for model, chosen in ((models.champion, ~to_challenger), (models.challenger, to_challenger)):
        index = np.flatnonzero(chosen)
        if model is None or index.size == 0:
            continue
        subset = customers if index.size == len(customers) else [customers[i] for i in index]
        columns = {name: [getattr(c, name) for c in subset] for name in INPUT_COLUMNS}
        probabilities[index], decisions[index] = model.predict(columns)
        for i in index:
            answered_by[i] = model
    return probabilities, decisions, answered_by


def create_app(settings: Settings, challenger_share: float = DEFAULT_CHALLENGER_SHARE,
               max_batch: int = DEFAULT_MAX_BATCH) -> FastAPI:
    """The API for the workspace's registry; models load when the app starts."""

    async def load() -> ModelSet:
        return await run_in_threadpool(load_model_set, settings, challenger_share)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.log = PredictionLog(settings.prediction_log).start()
        app.state.models = await load()
        try:
            yield
        finally:
            app.state.log.close()

    app = FastAPI(
        title="Churn prediction API",
        description="Serves the registered churn model (champion, and a challenger on a share "
        "of traffic). Request fields are generated from the course's feature specification.",
        version="1.0",
        lifespan=lifespan,
    )

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> Response:
        return _json({"detail": exc.detail}, exc.status)

    def serving() -> ModelSet:
        models: ModelSet = app.state.models
        if models.champion is None:
            raise ApiError(503, models.not_ready_reason)
        return models

    @app.get("/health", summary="Liveness: the process answers")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready", summary="Readiness: a champion is loaded", responses=_ERRORS)
    async def ready() -> Response:
        models: ModelSet = app.state.models
        if models.champion is None:
            return _json({"ready": False, "reason": models.not_ready_reason}, 503)
        return _json({"ready": True, "champion": models.champion.version,
                      "challenger": models.challenger.version if models.challenger else None})

    @app.get("/model", summary="The served models: versions, run ids, metrics, lineage",
             responses=_ERRORS)
    async def model() -> Response:
        return _json(_describe(serving(), max_batch))

    @app.post("/predict", summary="Churn probability and decision for one or more customers",
              openapi_extra={"requestBody": request_body_schema(max_batch)},
              responses={200: {"model": PredictResponse}, **_ERRORS})
    async def predict(request: Request) -> Response:
        models = serving()  # one snapshot for the whole request
        customers = parse_customers(await request.body(), max_batch)
        request_id = _request_id(request)
        probabilities, decisions, answered_by = predict_customers(models, customers)
        app.state.log.append(
            _log_records(request_id, customers, probabilities, decisions, answered_by))
        predictions = [
            {"customer_id": getattr(c, ID_COLUMN), "churn_probability": p, "churn": d,
             "decision_threshold": m.threshold,
             "model": {"name": m.name, "version": m.version, "alias": m.alias}}
            for c, p, d, m in zip(customers, probabilities.tolist(), decisions.tolist(),
                                  answered_by, strict=True)
        ]
        return _json({"request_id": request_id, "predictions": predictions},
                     headers={"X-Request-ID": request_id})

    @app.post("/admin/reload", summary="Reload champion and challenger from the registry",
              responses={409: {"model": ErrorResponse}})
    async def reload() -> Response:
        fresh = await load()
        current: ModelSet = app.state.models
        if fresh.champion is None and current.champion is not None:
            return _json({"reloaded": False, "reason": fresh.not_ready_reason,
                          "serving": _describe(current, max_batch)}, 409)
        app.state.models = fresh  # the atomic swap
        if fresh.champion is None:
            return _json({"reloaded": True, "ready": False, "reason": fresh.not_ready_reason})
        return _json({"reloaded": True, "ready": True, **_describe(fresh, max_batch)})

    return app


def _request_id(request: Request) -> str:
    given = request.headers.get("x-request-id", "")
    return given if 0 < len(given) <= 64 and given.isprintable() else uuid.uuid4().hex


def _describe(models: ModelSet, max_batch: int) -> dict[str, Any]:
    return {
        "champion": models.champion.describe() if models.champion else None,
        "challenger": models.challenger.describe() if models.challenger else None,
        "challenger_share": models.challenger_share if models.challenger else 0.0,
        "max_batch": max_batch,
    }


def flush_prediction_log(app: FastAPI) -> None:
    """Wait until every prediction answered so far is in the log (for tests and the demo)."""
    app.state.log.flush()

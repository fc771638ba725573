"""The inference API: the registered champion (and challenger) behind FastAPI.

    python -m demo serve --port 8000      # docs at http://127.0.0.1:8000/docs

The models live in an immutable ``ModelSet`` on ``app.state``; handlers receive it, the
validated customers and the prediction log as dependencies, and read
``models.predict(customers)``. The rules this file keeps, and where:

- a prediction is never served without its log record: ``/predict`` answers only once its
  records are in the log file, and answers 503 when the log cannot take them;
- bodies are capped while they stream (FastAPI's ``max_body_size``, which checks
  ``Content-Length`` first) and must arrive within ``body_timeout`` seconds;
- ``/admin/reload`` needs the admin token and a JSON content type, and reloads run one at a
  time (both in ``admin.py``);
- CPU work (validation, prediction, log lines) runs in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic_core import to_json

from demo.deployment_layer.admin import Reloader, require_admin
from demo.deployment_layer.prediction_log import LogUnavailable, PredictionLog
from demo.deployment_layer.schemas import (
    MAX_BATCH,
    ErrorResponse,
    PredictResponse,
    parse_customers,
    request_body_schema,
)
from demo.deployment_layer.serving import ModelSet, ServedModel, load_model_set
from demo.feature_spec import ID_COLUMN
from demo.settings import Settings

DEFAULT_BODY_TIMEOUT = 30.0  # seconds a client may take to send a request body
BYTES_PER_CUSTOMER = 2_048  # generous: a customer is ~500 bytes of JSON
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (408, 413, 422, 503)}


def get_models(request: Request) -> ModelSet:
    """The set served right now, read once: the whole request sees one set."""
    models: ModelSet = request.app.state.models
    if models.champion is None:
        raise HTTPException(503, models.not_ready_reason)
    return models


def get_log(request: Request) -> PredictionLog:
    log: PredictionLog = request.app.state.log
    if log.failure is not None:
        raise HTTPException(503, f"not serving predictions that cannot be logged: {log.failure}")
    return log


async def read_customers(request: Request) -> list[dict[str, Any]]:
    """The request's customers, validated (one customer or ``{"customers": [...]}``).

    A client that sends its body slower than ``body_timeout`` seconds gets 408: a slow
    client must not hold a connection (and memory) for as long as it likes.
    """
    seconds = request.app.state.body_timeout
    try:
        async with asyncio.timeout(seconds):
            body = await request.body()
    except TimeoutError:
        raise HTTPException(408, f"the request body did not arrive within {seconds:g} s"
                            ) from None
    return await run_in_threadpool(parse_customers, body)


def request_id(x_request_id: Annotated[str, Header()] = "") -> str:
    """The caller's ``X-Request-ID`` when it is sensible, else a fresh one."""
    sensible = 0 < len(x_request_id) <= 64 and x_request_id.isprintable()
    return x_request_id if sensible else uuid.uuid4().hex


ModelsDep = Annotated[ModelSet, Depends(get_models)]
LogDep = Annotated[PredictionLog, Depends(get_log)]
CustomersDep = Annotated[list[dict[str, Any]], Depends(read_customers)]
RequestIdDep = Annotated[str, Depends(request_id)]


def answer(request_id: str, customers: list[dict[str, Any]],
           predictions: list[tuple[float, bool, ServedModel]]
           ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The response body and the log records of one request."""
    stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
    answers, records = [], []
    for customer, (probability, decision, model) in zip(customers, predictions, strict=True):
        answers.append({"customer_id": customer[ID_COLUMN],
                        "churn_probability": probability, "churn": decision,
                        "decision_threshold": model.threshold, "model": model.reference})
        records.append({"ts": stamp, "request_id": request_id, "model_version": model.version,
                        "alias": model.alias, "churn_probability": probability,
                        "churn": decision, **customer})
    return {"request_id": request_id, "predictions": answers}, records


def create_app(settings: Settings, challenger_share: float | None = None,
               body_timeout: float = DEFAULT_BODY_TIMEOUT) -> FastAPI:
    """The API for the workspace's registry; models load when the app starts.
    ``challenger_share`` defaults to the policy's ``serving.challenger_share``."""
    if challenger_share is None:
        challenger_share = settings.policy.serving_challenger_share

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
    app.state.body_timeout = body_timeout
    app.state.settings = settings
    reloader = Reloader(load)

    @app.get("/health", summary="Liveness: the process answers")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready", summary="Readiness: a champion is loaded and the log is writable",
             responses={503: {"model": ErrorResponse}})
    async def ready(request: Request) -> Any:
        models: ModelSet = request.app.state.models
        log: PredictionLog = request.app.state.log
        if models.champion is None or log.failure:
            reason = models.not_ready_reason if models.champion is None else log.failure
            return JSONResponse({"ready": False, "reason": reason}, 503)
        return {"ready": True, "champion": models.champion.version,
                "challenger": models.challenger.version if models.challenger else None}

    @app.get("/model", summary="The served models: versions, run ids, metrics, lineage",
             responses=_ERRORS)
    async def model(request: Request, models: ModelsDep) -> dict[str, Any]:
        log: PredictionLog = request.app.state.log
        return {**describe(models), "prediction_log": {
            "path": str(log.path), "records_written": log.records_written,
            "writable": log.failure is None, "failure": log.failure}}

    @app.post("/predict", response_model=PredictResponse,
              summary="Churn probability and decision for one or more customers",
              openapi_extra={"requestBody": request_body_schema()},
              responses=_ERRORS, max_body_size=MAX_BATCH * BYTES_PER_CUSTOMER)
    async def predict(customers: CustomersDep, models: ModelsDep, log: LogDep,
                      request_id: RequestIdDep) -> Response:
        def predict_and_log() -> tuple[bytes, Any]:
            body, records = answer(request_id, customers, models.predict(customers))
            return to_json(body), log.submit(records)

        try:
            body, written = await run_in_threadpool(predict_and_log)
            await asyncio.wrap_future(written)  # answered only once its records are in the log
        except LogUnavailable as exc:
            raise HTTPException(503, f"not serving a prediction that cannot be logged: {exc}"
                                ) from None
        # The body is built from typed values, so it goes out as JSON bytes as it is:
        # ``response_model`` documents it, and re-validating 1,000 answers would cost
        # more than predicting them.
        return Response(body, media_type="application/json",
                        headers={"X-Request-ID": request_id})

    @app.post("/admin/reload", summary="Reload champion and challenger from the registry",
              dependencies=[Depends(require_admin)],
              responses={code: {"model": ErrorResponse} for code in (401, 403, 409, 415)})
    async def reload(request: Request) -> dict[str, Any]:
        models = await reloader.reload(request.app.state)
        return {"reloaded": True, "ready": models.champion is not None,
                "reason": models.not_ready_reason, **describe(models)}

    return app


def describe(models: ModelSet) -> dict[str, Any]:
    return {
        "champion": models.champion.describe() if models.champion else None,
        "challenger": models.challenger.describe() if models.challenger else None,
        "challenger_share": models.challenger_share if models.challenger else 0.0,
        "generation": models.generation,
        "max_batch": MAX_BATCH,
    }

"""Serving: this API against `mlflow models serve` and in-process prediction, side by side.

One run trains and registers one HistGradientBoosting champion in a scratch workspace, then
measures on that same registered model:

- in-process prediction with the registered pipeline (the floor), one row and 1,000 rows;
- single-row latency p50 / p95 / p99 and throughput at concurrency 1, 8 and 32, over HTTP
  on loopback with keep-alive connections, for this API and for
  `mlflow models serve --env-manager local` (one worker each, started here);
- a batch of 1,000 customers in one request;
- 20,000 single-row requests at concurrency 32: errors, and a complete prediction log.

Both servers run with one OpenMP thread (OMP_NUM_THREADS=1), which is what this API sets for
itself; it spares `mlflow models serve` thread wake-ups on a two-core machine.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from benchmarks.common import BenchRow
from demo.settings import OFFLINE_ENV, Settings

TRAIN_ROWS = 5_000


@dataclass(frozen=True)
class Sizes:
    sequential: int
    per_level: int
    batch_repeats: int
    soak: int


FULL = Sizes(sequential=1_000, per_level=2_000, batch_repeats=20, soak=20_000)
QUICK = Sizes(sequential=100, per_level=200, batch_repeats=3, soak=500)


@dataclass
class Target:
    """One HTTP endpoint and how to ask it about one row or many."""

    name: str
    url: str
    answered: int = 0  # rows answered with 200


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = np.array(seconds) * 1000
    return {f"p{q}": float(np.percentile(ms, q)) for q in (50, 95, 99)}


async def load(target: Target, bodies: list[Any], concurrency: int
               ) -> tuple[list[float], float, Counter[str]]:
    """Send every body with ``concurrency`` keep-alive workers; latencies, wall time, errors."""
    latencies: list[float] = []
    errors: Counter[str] = Counter()  # status code or exception name -> count
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:

        async def worker() -> None:
            while not queue.empty():
                body = queue.get_nowait()
                start = time.perf_counter()
                try:
                    response = await client.post(target.url, json=body)
                    ok = response.status_code == 200
                    if not ok:
                        errors[str(response.status_code)] += 1
                except httpx.HTTPError as exc:
                    ok = False
                    errors[type(exc).__name__] += 1
                latencies.append(time.perf_counter() - start)
                target.answered += ok * _rows(body)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - start
    return latencies, wall, errors


def _rows(body: dict[str, Any]) -> int:
    return len(body.get("customers") or body.get("dataframe_records") or [body])


def free_port() -> int:
    """A loopback port nobody listens on right now, for `mlflow models serve`.

    Our API binds port 0 itself and reports the port; mlflow's command takes only a number,
    so here a port is picked and released first (another process could take it in between:
    acceptable for a benchmark run by hand, not for the tests).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def mlflow_server(settings: Settings, port: int) -> subprocess.Popen:
    bin_dir = str(Path(sys.executable).parent)  # mlflow runs `uvicorn` through the shell
    env = {**os.environ, **OFFLINE_ENV, "OMP_NUM_THREADS": "1",
           "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
           "MLFLOW_TRACKING_URI": settings.tracking_uri,
           "MLFLOW_ALLOW_PICKLE_DESERIALIZATION": "true"}
    command = [str(Path(sys.executable).with_name("mlflow")), "models", "serve",
               "-m", f"models:/{settings.model_name}@champion", "--env-manager", "local",
               "-h", "127.0.0.1", "-p", str(port), "-w", "1"]
    settings.serving_dir.mkdir(parents=True, exist_ok=True)
    with (settings.serving_dir / "mlflow-serve.log").open("wb") as log:
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)


def in_process_rows(model: Any, frame: Any, repeats: int) -> list[BenchRow]:
    """The registered pipeline in this process, with one OpenMP thread like the servers."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _in_process_rows(model, frame, repeats)


def _in_process_rows(model: Any, frame: Any, repeats: int) -> list[BenchRow]:
    one = frame.iloc[:1]
    thousand = frame.iloc[:1000]
    for _ in range(20):
        model.predict_proba(one)
    single = []
    for _ in range(max(repeats * 10, 50)):
        start = time.perf_counter()
        model.predict_proba(one)
        single.append(time.perf_counter() - start)
    batch = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.predict_proba(thousand)
        batch.append(time.perf_counter() - start)
    rows = [BenchRow("serving", f"in-process pipeline, one row {k}", "1 row", v, "ms",
                     note="the registered pipeline on a one-row DataFrame")
            for k, v in percentiles(single).items()]
    rows += fast_path_rows(model, one, repeats)
    rows.append(BenchRow("serving", "in-process pipeline, 1,000 rows", "1,000 rows",
                         1000 / statistics.median(batch), "rows/s",
                         note=f"median {statistics.median(batch) * 1000:.1f} ms per call"))
    return rows


def fast_path_rows(model: Any, one: Any, repeats: int) -> list[BenchRow]:
    """The API's fast path in process: what one request costs without HTTP."""
    from threadpoolctl import threadpool_limits

    from demo.deployment_layer.fast_path import build_predictor, frame_columns

    predictor = build_predictor(model)
    columns = frame_columns(one)
    timings = []
    with threadpool_limits(limits=1):
        for _ in range(max(repeats * 10, 50)):
            start = time.perf_counter()
            predictor.predict_proba(columns)
            timings.append(time.perf_counter() - start)
    return [BenchRow("serving", "in-process fast path, one row p50", "1 row",
                     percentiles(timings)["p50"], "ms", note=predictor.route)]


def run(quick: bool) -> list[BenchRow]:
    from demo.deployment_layer.server import ApiServer, wait_until_up
    from demo.labs.common import generated_gold, train_champion
    from demo.model_layer.loading import load_model

    sizes = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="bench-serving-") as scratch:
        settings = Settings.from_env(Path(scratch) / "workspace")
        gold = generated_gold(TRAIN_ROWS, seed=3)
        train_champion(settings, gold)
        loaded = load_model(settings)
        customers = generated_gold(max(sizes.per_level, 1000), seed=4, id_start=10**6)
        inputs = customers.drop(columns=[c for c in customers if c.startswith("_")] + ["churn"])
        records = inputs.to_dict(orient="records")
        feature_records = inputs.drop(columns=["customer_id"]).to_dict(orient="records")
        rows = in_process_rows(loaded.model, inputs.drop(columns=["customer_id"]),
                               sizes.batch_repeats)

        port = free_port()
        mlflow_process = mlflow_server(settings, port)
        try:
            with ApiServer(settings, challenger_share=0.0) as api:
                wait_until_up(f"http://127.0.0.1:{port}/ping", mlflow_process, 300,
                              settings.serving_dir / "mlflow-serve.log")
                ours = Target("this API", f"{api.url}/predict")
                theirs = Target("mlflow models serve", f"http://127.0.0.1:{port}/invocations")
                rows += identical_predictions(api.url, records[:200], loaded)
                ours.answered += 200
                rows += http_rows(ours, theirs, records, feature_records, sizes)
                rows += batch_rows(ours, theirs, records[:1000], feature_records[:1000],
                                   sizes, rows)
                soak_bodies = [records[i % len(records)] for i in range(sizes.soak)]
                _, wall, errors = asyncio.run(load(ours, soak_bodies, 32))
                api.stop()
                from demo.deployment_layer.prediction_log import read_prediction_log

                logged = len(read_prediction_log(settings.prediction_log))
        finally:
            mlflow_process.terminate()
            mlflow_process.wait(30)
        failed = sum(errors.values())
        rows.append(BenchRow("serving", "soak: single-row requests at concurrency 32",
                             f"{sizes.soak:,} requests", failed, "errors", "0 errors",
                             failed == 0, f"{sizes.soak / wall:,.0f} req/s"
                             + (f"; {dict(errors)}" if failed else "")))
        rows.append(BenchRow("serving", "prediction log records / predictions answered",
                             f"{ours.answered:,} predictions", logged, "records",
                             f"= {ours.answered:,}", logged == ours.answered))
    return rows


def identical_predictions(url: str, records: list[dict[str, Any]], loaded: Any
                          ) -> list[BenchRow]:
    """The API's probabilities against the registered pipeline's, on the same customers."""
    import pandas as pd

    answer = httpx.post(f"{url}/predict", json={"customers": records}, timeout=60).json()
    served = np.array([p["churn_probability"] for p in answer["predictions"]])
    frame = pd.DataFrame(records).drop(columns=["customer_id"])
    expected = loaded.model.predict_proba(frame)[:, 1]
    gap = float(np.max(np.abs(served - expected)))
    same = [p["churn"] for p in answer["predictions"]] == (expected >= loaded.threshold).tolist()
    return [BenchRow("serving", "max |API - registered pipeline| probability",
                     f"{len(records)} customers", gap, "", "<= 1e-9 and same decisions",
                     gap <= 1e-9 and same, f"decisions identical: {same}")]


def http_rows(ours: Target, theirs: Target, records: list[dict[str, Any]],
              feature_records: list[dict[str, Any]], sizes: Sizes) -> list[BenchRow]:
    rows: list[BenchRow] = []
    bodies = {ours.name: records, theirs.name: [{"dataframe_records": [r]}
                                                 for r in feature_records]}
    for target in (ours, theirs):  # warm both up
        asyncio.run(load(target, bodies[target.name][:50], 1))
    p50: dict[str, float] = {}
    for concurrency in (1, 8, 32):
        count = sizes.sequential if concurrency == 1 else sizes.per_level
        for target in (ours, theirs):
            chosen = [bodies[target.name][i % len(records)] for i in range(count)]
            latencies, wall, errors = asyncio.run(load(target, chosen, concurrency))
            figures = percentiles(latencies)
            if concurrency == 1:
                p50[target.name] = figures["p50"]
            for name, value in figures.items():
                rows.append(BenchRow("serving", f"{target.name}: one row {name}",
                                     f"c={concurrency}, {count:,} req", value, "ms",
                                     note=f"errors: {dict(errors)}" if errors else ""))
            rows.append(BenchRow("serving", f"{target.name}: throughput",
                                 f"c={concurrency}, {count:,} req", count / wall, "req/s"))
    ratio = p50[ours.name] / p50[theirs.name]
    rows.append(BenchRow("serving", "one-row p50: this API / mlflow models serve", "c=1",
                         ratio, "x", "<= 0.3", ratio <= 0.3,
                         f"{p50[ours.name]:.2f} ms vs {p50[theirs.name]:.2f} ms"))
    return rows


def batch_rows(ours: Target, theirs: Target, records: list[dict[str, Any]],
               feature_records: list[dict[str, Any]], sizes: Sizes,
               so_far: list[BenchRow]) -> list[BenchRow]:
    rows: list[BenchRow] = []
    floor = next(r.value for r in so_far if r.benchmark == "in-process pipeline, 1,000 rows")
    bodies = {ours.name: {"customers": records},
              theirs.name: {"dataframe_records": feature_records}}
    for target in (ours, theirs):
        latencies, _, errors = asyncio.run(
            load(target, [bodies[target.name]] * (sizes.batch_repeats + 1), 1))
        seconds = statistics.median(latencies[1:])
        throughput = len(records) / seconds
        is_ours = target is ours
        rows.append(BenchRow(
            "serving", f"{target.name}: batch of 1,000 rows", "1,000 rows", throughput,
            "rows/s", ">= 0.5 x in-process" if is_ours else "",
            (throughput >= 0.5 * floor) if is_ours else None,
            f"median {seconds * 1000:.1f} ms per request; {throughput / floor:.2f} x in-process"
            + (f"; errors: {dict(errors)}" if errors else "")))
    return rows

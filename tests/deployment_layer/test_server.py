"""The API as a real uvicorn process on loopback: A/B split, concurrency, reload, the log.

The tests share one server and run in order; the last one stops it and checks that the
prediction log holds exactly one record per prediction answered in this module.
"""

from __future__ import annotations

import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from demo.deployment_layer.prediction_log import read_prediction_log
from demo.deployment_layer.schemas import example_request_customer
from demo.deployment_layer.server import ApiServer
from demo.settings import Settings

pytestmark = pytest.mark.slow

CUSTOMER = example_request_customer()
SHARE = 0.3
answered: Counter[str] = Counter()  # predictions answered by the module's server


def register_champion_copy(settings: Settings, alias: str) -> str:
    """Register the champion's model again as a new version and give it ``alias``.

    A new version without training: enough to watch the API switch versions.
    """
    from demo.model_layer.registry import ModelToRegister, register, version_by_alias
    from demo.model_layer.store import open_store

    champion = version_by_alias(settings, "champion")
    store = open_store(settings)
    [logged] = store.client.search_logged_models(
        [store.experiment_id], filter_string=f"source_run_id = '{champion.run_id}'")
    copy = ModelToRegister(champion.tags["candidate"], f"models:/{logged.model_id}",
                           champion.run_id, float(champion.tags["decision_threshold"]),
                           champion.tags["data_hash"])
    version = register(store, copy)
    store.client.set_registered_model_alias(settings.model_name, alias, version)
    return version


@pytest.fixture(scope="module")
def server(trained_workspace: Settings, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[ApiServer]:
    copy = tmp_path_factory.mktemp("served") / "workspace"
    shutil.copytree(trained_workspace.workspace, copy,
                    ignore=shutil.ignore_patterns("predictions.jsonl"))
    settings = trained_workspace.with_workspace(copy)
    register_champion_copy(settings, "challenger")
    with ApiServer(settings, challenger_share=SHARE) as running:
        yield running


def predict(http: httpx.Client, url: str, payload: dict) -> httpx.Response:
    response = http.post(f"{url}/predict", json=payload)
    if response.status_code == 200:
        answered["predictions"] += len(response.json()["predictions"])
    return response


def test_ready_with_champion_and_challenger(server: ApiServer) -> None:
    ready = httpx.get(f"{server.url}/ready").json()
    assert ready == {"ready": True, "champion": "1", "challenger": "2"}
    model = httpx.get(f"{server.url}/model").json()
    assert model["challenger_share"] == SHARE


def test_ab_split_is_deterministic_and_within_tolerance(server: ApiServer) -> None:
    batch = [{**CUSTOMER, "customer_id": f"AB-{i:05d}"} for i in range(1_000)]
    with httpx.Client() as http:
        first = [predict(http, server.url, {"customers": batch[i:i + 500]}).json()
                 for i in (0, 500)]
        again = predict(http, server.url, {"customers": batch[:500]}).json()
    aliases = [p["model"]["alias"] for part in first for p in part["predictions"]]
    share = aliases.count("challenger") / len(aliases)
    assert abs(share - SHARE) <= 0.045, share
    assert [p["model"]["alias"] for p in again["predictions"]] == aliases[:500]
    versions = {p["model"]["alias"]: p["model"]["version"]
                for part in first for p in part["predictions"]}
    assert versions == {"champion": "1", "challenger": "2"}


def test_concurrent_requests_all_answered(server: ApiServer) -> None:
    def call(i: int) -> int:
        with httpx.Client() as http:
            return predict(http, server.url, {**CUSTOMER, "customer_id": f"C-{i}"}).status_code

    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(call, range(200)))
    assert statuses == [200] * 200


def test_reload_under_traffic_fails_no_request(server: ApiServer) -> None:
    stop = threading.Event()
    seen: list[tuple[int, str]] = []

    def traffic(worker: int) -> None:
        with httpx.Client(timeout=30) as http:
            n = 0
            while not stop.is_set():
                response = predict(http, server.url,
                                   {**CUSTOMER, "customer_id": f"R-{worker}-{n}"})
                version = response.json()["predictions"][0]["model"]["version"] \
                    if response.status_code == 200 else ""
                seen.append((response.status_code, version))
                n += 1

    threads = [threading.Thread(target=traffic, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    try:
        new_version = register_champion_copy(server.settings, "champion")
        reload = httpx.post(f"{server.url}/admin/reload", timeout=120)
        after = len(seen)
        stop.wait(1.0)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert reload.status_code == 200 and reload.json()["champion"]["version"] == new_version
    assert {status for status, _ in seen} == {200}
    versions = [v for _, v in seen]
    assert {"1", "2", new_version} <= set(versions)  # old champion, challenger, new champion
    assert "1" not in versions[after + 8:]  # a few requests may have been in flight


def test_prediction_log_is_complete_after_shutdown(server: ApiServer) -> None:
    assert server.stop() == 0
    records = read_prediction_log(Path(server.settings.prediction_log))
    assert len(records) == answered["predictions"]
    assert len({(r["request_id"], r["customer_id"]) for r in records}) == len(records)

"""A full disk under the prediction log, on a real uvicorn process over loopback HTTP.

The server runs under ``ulimit -f`` (a cap on the size of any file it writes), so its
prediction log hits "File too large" after a few dozen records, as it would on a full disk.
The API must then refuse predictions (503) and turn not ready, and every prediction it did
answer with 200 must have its record, each once.
"""

from __future__ import annotations

import shutil
import threading
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from demo.deployment_layer.prediction_log import read_prediction_log
from demo.deployment_layer.schemas import example_request_customer
from demo.deployment_layer.server import ApiServer
from demo.settings import Settings

pytestmark = pytest.mark.slow
# A graceful stop drains the prediction log and fsyncs it; on a loaded machine the fsync
# alone can take seconds. The exit code proves the drain; the cap only catches a hang.
GRACEFUL_STOP_S = 180.0
# Generous client timeouts: on a loaded machine a 500-customer request can take more than
# httpx's default 5 s, and a client that gives up leaves a logged answer nobody counted.
CLIENT_TIMEOUT_S = 120.0

CUSTOMER = example_request_customer()
FILE_SIZE_BLOCKS = 100  # ulimit -f counts 512-byte blocks: 50 KiB, about 80 records
UNDER_A_FULL_DISK = ["sh", "-c", f'ulimit -f {FILE_SIZE_BLOCKS} && exec "$@"', "sh"]


@pytest.fixture
def cramped_server(trained_workspace: Settings, tmp_path_factory: pytest.TempPathFactory
                   ) -> Iterator[ApiServer]:
    copy = tmp_path_factory.mktemp("cramped") / "workspace"
    shutil.copytree(trained_workspace.workspace, copy,
                    ignore=shutil.ignore_patterns("predictions.jsonl", "server-*"))
    with ApiServer(trained_workspace.with_workspace(copy), challenger_share=0.0,
                   launcher=UNDER_A_FULL_DISK) as running:
        yield running


def test_a_full_disk_stops_predictions_loudly_and_loses_no_answered_one(
        cramped_server: ApiServer) -> None:
    answered: set[tuple[str, str]] = set()
    refusals: list[str] = []
    lock = threading.Lock()

    def client(worker: int) -> None:
        with httpx.Client(base_url=cramped_server.url, timeout=60) as http:
            for n in range(40):
                response = http.post("/predict", json={**CUSTOMER,
                                                       "customer_id": f"W{worker}-{n}"})
                with lock:
                    if response.status_code == 200:
                        body = response.json()
                        answered.add((body["request_id"], body["predictions"][0]["customer_id"]))
                    else:
                        assert response.status_code == 503, response.text
                        refusals.append(response.json()["detail"])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(client, range(8)))

    assert answered and refusals, (len(answered), refusals[:1])
    assert all("cannot be logged" in reason for reason in refusals)
    ready = httpx.get(f"{cramped_server.url}/ready", timeout=CLIENT_TIMEOUT_S)
    assert ready.status_code == 503 and "File too large" in ready.json()["reason"]
    log_status = httpx.get(f"{cramped_server.url}/model",
                           timeout=CLIENT_TIMEOUT_S).json()["prediction_log"]
    assert log_status["writable"] is False and "File too large" in log_status["failure"]

    assert cramped_server.stop(timeout=GRACEFUL_STOP_S) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a failed write leaves no torn line behind
        records = read_prediction_log(cramped_server.settings.prediction_log)
    logged = [(r["request_id"], r["customer_id"]) for r in records]
    assert len(set(logged)) == len(logged)
    assert set(logged) == answered

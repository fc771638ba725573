"""The retraining loop keeps the champion when the challenger is not better.

The promotion of a better challenger, and the API serving it after a reload, is tested
with the whole loop in ``test_runner.py``.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from demo.catalog import Catalog
from demo.deployment_layer.api import create_app
from demo.deployment_layer.retrain import retrain
from demo.deployment_layer.schemas import example_request_customer
from demo.labs.common import generated_gold
from demo.model_layer.registry import version_by_alias
from demo.settings import Settings

pytestmark = pytest.mark.slow


def test_worse_challenger_keeps_the_champion(workspace_copy: Settings) -> None:
    # The trivial baseline (one probability for everyone) cannot beat the champion.
    fresh = generated_gold(1_500, seed=22, id_start=10**6)
    outcome = retrain(workspace_copy, Catalog(workspace_copy).load("gold"), fresh,
                      candidate="baseline")
    assert not outcome["promoted"], outcome["reason"]
    assert "kept the champion" in outcome["reason"]
    assert str(version_by_alias(workspace_copy, "champion").version) == "1"
    assert str(version_by_alias(workspace_copy, "challenger").version) == \
        outcome["challenger_version"]


def test_reload_without_champion_keeps_serving(workspace_copy: Settings,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from demo.deployment_layer.admin import ADMIN_TOKEN_ENV
    from demo.model_layer.store import open_store

    monkeypatch.setenv(ADMIN_TOKEN_ENV, "secret")
    with TestClient(create_app(workspace_copy)) as client:
        open_store(workspace_copy).client.delete_registered_model_alias(
            workspace_copy.model_name, "champion")
        answer = client.post("/admin/reload", json={},
                             headers={"Authorization": "Bearer secret"})
        assert answer.status_code == 409
        assert "no model registered as 'champion'" in answer.json()["detail"]
        assert client.post("/predict", json=example_request_customer()).status_code == 200


def test_retrain_reloads_a_running_api_and_says_when_it_cannot(
        workspace_copy: Settings, tmp_path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``retrain --reload-url``: the API's answer is read; a refused reload is an error."""
    import httpx

    from demo.cli import main
    from demo.deployment_layer.admin import ADMIN_TOKEN_ENV
    from demo.deployment_layer.server import ApiServer
    from demo.synthetic.export import write_csv
    from demo.synthetic.scenarios import generate_batch

    batch = tmp_path / "labelled.csv"
    write_csv(generate_batch(1_500, seed=23, scenario="churn_shift", id_start=10**6), batch)
    command = ["retrain", "--workspace", str(workspace_copy.workspace), "--batch", str(batch)]
    with ApiServer(workspace_copy) as server:
        assert main([*command, "--reload-url", server.url]) == 0
        served = httpx.get(f"{server.url}/model", timeout=30).json()["champion"]["version"]
        assert f"the API now serves version {served} as champion" in capsys.readouterr().out
        monkeypatch.setenv(ADMIN_TOKEN_ENV, "not-the-token")  # the server has the workspace's
        assert main([*command, "--reload-url", server.url]) == 2
    error = capsys.readouterr().err
    assert "did not reload (HTTP 40" in " ".join(error.split()), error


def test_retrain_refuses_a_monitored_batch_without_labels(
        workspace_copy: Settings, tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    """The commands run the steps: ``monitor --batch`` judges any batch, ``retrain`` then
    needs the labels that batch lacks, and says so instead of failing on a missing column."""
    from demo.cli import main
    from demo.step_record import load_record
    from demo.synthetic.export import write_csv
    from demo.synthetic.scenarios import generate_batch

    batch = tmp_path / "unlabelled.csv"
    write_csv(generate_batch(800, seed=24, id_start=10**6, with_label=False), batch)
    workspace = ["--workspace", str(workspace_copy.workspace)]
    assert main(["monitor", "--batch", str(batch), *workspace]) == 0
    assert load_record(workspace_copy)["monitor"]["summary"]["batch"] == "unlabelled.csv"
    assert main(["retrain", *workspace]) == 2
    assert "has no 'churn' label" in " ".join(capsys.readouterr().err.split())


def test_retrain_names_a_missing_batch_before_loading_a_model(
        workspace_copy: Settings, tmp_path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from demo.cli import main
    from demo.model_layer import loading

    def no_model(*args: object, **kwargs: object) -> None:
        raise AssertionError("a model was loaded before the batch was read")

    monkeypatch.setattr(loading, "load_model", no_model)
    command = ["retrain", "--workspace", str(workspace_copy.workspace),
               "--batch", str(tmp_path / "nope.csv")]
    assert main(command) == 2
    assert "nope.csv" in capsys.readouterr().err

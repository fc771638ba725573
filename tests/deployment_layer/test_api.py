"""The API through FastAPI's TestClient: every endpoint, every kind of bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from fastapi.testclient import TestClient

from demo.deployment_layer.api import create_app
from demo.deployment_layer.fast_path import frame_columns, random_valid_customers
from demo.deployment_layer.prediction_log import read_prediction_log
from demo.deployment_layer.schemas import example_request_customer
from demo.feature_spec import MODEL_INPUTS, UNKNOWN
from demo.settings import Settings

CUSTOMER = example_request_customer()


def test_health(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}


def test_ready_names_the_champion(client: TestClient) -> None:
    answer = client.get("/ready")
    assert answer.status_code == 200
    assert answer.json()["ready"] is True and answer.json()["champion"] == "1"


def test_model_describes_version_run_metrics_lineage(client: TestClient) -> None:
    champion = client.get("/model").json()["champion"]
    assert champion["version"] == "1" and champion["alias"] == "champion"
    assert len(champion["run_id"]) == 32
    assert 0 < champion["decision_threshold"] < 1
    assert "test_roc_auc" in champion["metrics"]
    assert champion["lineage"]["candidate"] == "hist_gradient_boosting"
    assert champion["serving_route"].startswith("fast path")


def test_predict_one_customer(client: TestClient) -> None:
    answer = client.post("/predict", json=CUSTOMER)
    assert answer.status_code == 200
    body = answer.json()
    assert answer.headers["x-request-id"] == body["request_id"]
    (prediction,) = body["predictions"]
    assert prediction["customer_id"] == CUSTOMER["customer_id"]
    assert 0.0 <= prediction["churn_probability"] <= 1.0
    assert prediction["churn"] == (prediction["churn_probability"]
                                   >= prediction["decision_threshold"])
    assert prediction["model"] == {"name": "churn-classifier", "version": "1",
                                   "alias": "champion"}


def test_predictions_equal_the_registered_pipeline(client: TestClient,
                                                   trained_workspace: Settings) -> None:
    from demo.model_layer.loading import load_model

    loaded = load_model(trained_workspace)
    frame = random_valid_customers(500, seed=11)
    frame.insert(0, "customer_id", [f"C{i}" for i in range(len(frame))])
    answer = client.post("/predict", json={"customers": frame.to_dict(orient="records")})
    served = np.array([p["churn_probability"] for p in answer.json()["predictions"]])
    expected = loaded.model.predict_proba(frame[[f.name for f in MODEL_INPUTS]])[:, 1]
    assert np.max(np.abs(served - expected)) <= 1e-9
    decisions = [p["churn"] for p in answer.json()["predictions"]]
    assert decisions == (expected >= loaded.threshold).tolist()


def test_fast_path_equals_pipeline_on_many_random_customers(trained_workspace: Settings
                                                            ) -> None:
    from demo.deployment_layer.fast_path import EncodedPredictor, build_predictor
    from demo.model_layer.loading import load_model

    pipeline = load_model(trained_workspace).model
    predictor = build_predictor(pipeline)
    assert isinstance(predictor, EncodedPredictor)
    frame = random_valid_customers(5_000, seed=99)
    gap = np.abs(predictor.predict_proba(frame_columns(frame))
                 - pipeline.predict_proba(frame)[:, 1])
    assert gap.max() <= 1e-9


def test_unknown_category_value_is_accepted(client: TestClient) -> None:
    answer = client.post("/predict", json={**CUSTOMER, "payment_method": UNKNOWN})
    assert answer.status_code == 200


def test_batch_answers_in_order(client: TestClient) -> None:
    batch = [{**CUSTOMER, "customer_id": f"ID-{i}", "tenure": i} for i in range(20)]
    answer = client.post("/predict", json={"customers": batch})
    assert answer.status_code == 200
    ids = [p["customer_id"] for p in answer.json()["predictions"]]
    assert ids == [f"ID-{i}" for i in range(20)]


def _error(answer: object) -> tuple[int, list]:
    return answer.status_code, answer.json()["detail"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"gender": "Robot"}, "gender", "'Female', 'Male' or 'Unknown'"),
        ({"tenure": -3}, "tenure", "greater than or equal to 0"),
        ({"tenure": 100}, "tenure", "less than or equal to 72"),
        ({"monthly_charges": "cheap"}, "monthly_charges", "valid number"),
        ({"tenure": 2.5}, "tenure", "valid integer"),
        ({"senior_citizen": True}, "senior_citizen", "valid integer"),
        ({"contract": None}, "contract", "'Month-to-month'"),
        ({"customer_id": ""}, "customer_id", "at least 1 character"),
        ({"favourite_colour": "blue"}, "favourite_colour", "Extra inputs"),
    ],
)
def test_bad_field_is_422_naming_field_and_reason(client: TestClient, change: dict,
                                                   field: str, words: str) -> None:
    status, detail = _error(client.post("/predict", json={**CUSTOMER, **change}))
    assert status == 422
    assert detail[0]["field"] == field
    assert words in detail[0]["reason"]


def test_missing_field_is_named(client: TestClient) -> None:
    customer = {k: v for k, v in CUSTOMER.items() if k != "contract"}
    status, detail = _error(client.post("/predict", json=customer))
    assert status == 422 and detail == [{"field": "contract", "loc": ["contract"],
                                         "reason": "Field required", "type": "missing",
                                         "input": "dict"}]


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(client: TestClient, number: str) -> None:
    body = json.dumps({"customers": [CUSTOMER]}).replace('"monthly_charges": 29.85',
                                                         f'"monthly_charges": {number}')
    status, detail = _error(client.post("/predict", content=body))
    assert status == 422
    assert detail[0]["field"] == "customers[0].monthly_charges"
    assert "finite number" in detail[0]["reason"]


@pytest.mark.parametrize("body", [b"{not json", b"", b'{"customers": [', b"[" * 100_000])
def test_malformed_json_is_422(client: TestClient, body: bytes) -> None:
    status, detail = _error(client.post("/predict", content=body))
    assert status == 422 and detail[0]["field"] == "body"


def test_batch_error_names_the_row(client: TestClient) -> None:
    batch = [CUSTOMER, {**CUSTOMER, "internet_service": "Satellite"}]
    status, detail = _error(client.post("/predict", json={"customers": batch}))
    assert status == 422
    assert detail[0]["field"] == "customers[1].internet_service"
    assert "'DSL', 'Fiber optic', 'No' or 'Unknown'" in detail[0]["reason"]


@pytest.mark.parametrize("payload", [{"customers": []}, {"customers": "all"}, [CUSTOMER], 7])
def test_wrong_shapes_are_422(client: TestClient, payload: object) -> None:
    assert client.post("/predict", json=payload).status_code == 422


def test_oversized_batch_is_413(client: TestClient) -> None:
    status, detail = _error(client.post("/predict", json={"customers": [CUSTOMER] * 1_001}))
    assert status == 413 and "at most 1,000" in detail


def test_oversized_body_is_413(client: TestClient) -> None:
    answer = client.post("/predict", content=b" " * 3_000_000)
    assert answer.status_code == 413


def test_service_keeps_serving_after_bad_input(client: TestClient) -> None:
    client.post("/predict", content=b"{oops")
    assert client.post("/predict", json=CUSTOMER).status_code == 200


def test_openapi_documents_the_schema_from_the_spec(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    body = document["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]
    customer = body["schema"]["oneOf"][0]
    contract = customer["properties"]["contract"]
    assert contract["enum"] == ["Month-to-month", "One year", "Two year", UNKNOWN]
    assert contract["description"] == "Contract term."
    assert customer["properties"]["tenure"]["maximum"] == 72
    assert "one customer" in body["examples"]
    assert client.get("/docs").status_code == 200


def test_no_champion_starts_but_is_not_ready(settings: Settings) -> None:
    with TestClient(create_app(settings)) as empty:
        assert empty.get("/health").status_code == 200
        ready = empty.get("/ready")
        assert ready.status_code == 503
        assert "no MLflow tracking store" in ready.json()["reason"] or \
            "no model registered as 'champion'" in ready.json()["reason"]
        assert empty.post("/predict", json=CUSTOMER).status_code == 503
        assert empty.get("/model").status_code == 503


def test_every_prediction_is_logged(workspace_copy: Settings) -> None:
    with TestClient(create_app(workspace_copy)) as local:
        for i in range(30):
            local.post("/predict", json={**CUSTOMER, "customer_id": f"L{i}"})
        local.post("/predict", json={"customers": [CUSTOMER] * 5})
        local.post("/predict", json={**CUSTOMER, "tenure": -1})  # refused: not a prediction
    records = read_prediction_log(workspace_copy.prediction_log)
    assert len(records) == 35
    assert {r["customer_id"] for r in records[:30]} == {f"L{i}" for i in range(30)}
    assert all(r["model_version"] == "1" and "contract" in r for r in records)

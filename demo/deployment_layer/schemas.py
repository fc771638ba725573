"""The API's request schema, generated from the feature specification.

``Customer`` is built from ``demo.feature_spec`` at run time: categories become ``Literal``
types (so an unknown value is refused with the allowed values listed), numbers get the
spec's range and refuse NaN and infinity, every field carries its description and example.
Adding a feature to the spec adds it to the API and to its OpenAPI document.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any, Literal

from fastapi import HTTPException
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from pydantic_core import from_json

from demo.feature_spec import ID_COLUMN, MODEL_INPUTS, Feature, example_customer

DEFAULT_MAX_BATCH = 1_000
_NUMERIC_TYPES: dict[str, type] = {"binary": int, "integer": int, "float": float}


def _field_for(feature: Feature) -> tuple[Any, Any]:
    """The (type, Field) pair pydantic needs for one feature of the spec."""
    if feature.is_categorical:
        annotation: Any = Literal[tuple(feature.allowed or ())]
        return annotation, Field(description=feature.description, examples=[feature.example])
    return _NUMERIC_TYPES[feature.kind], Field(
        description=feature.description,
        examples=[feature.example],
        ge=feature.minimum,
        le=feature.maximum,
        strict=True,
        allow_inf_nan=False,
    )


@cache
def customer_model() -> type[BaseModel]:
    """One customer as the API takes it: the id plus every model input of the spec."""
    fields: dict[str, Any] = {
        ID_COLUMN: (
            str,
            Field(
                min_length=1,
                max_length=64,
                description="Customer identifier; it also decides the A/B route.",
                examples=["7590-VHVEG"],
            ),
        )
    }
    fields.update({f.name: _field_for(f) for f in MODEL_INPUTS})
    return create_model(
        "Customer",
        __config__=ConfigDict(
            extra="forbid",
            json_schema_extra={"examples": [example_request_customer()]},
        ),
        **fields,
    )


@cache
def batch_model(max_batch: int) -> type[BaseModel]:
    """A batch of customers, between 1 and ``max_batch`` of them."""
    customer: Any = customer_model()
    return create_model(
        "CustomerBatch",
        __config__=ConfigDict(extra="forbid"),
        customers=(
            list[customer],
            Field(min_length=1, description=f"1 to {max_batch:,} customers."),
        ),
    )


def example_request_customer() -> dict[str, Any]:
    return {ID_COLUMN: "7590-VHVEG", **example_customer()}


def request_body_schema(max_batch: int) -> dict[str, Any]:
    """The OpenAPI request body of ``POST /predict``: one customer, or a batch of them."""
    customer = customer_model().model_json_schema()
    batch = {
        "title": "CustomerBatch",
        "type": "object",
        "properties": {
            "customers": {"type": "array", "items": customer, "minItems": 1,
                          "maxItems": max_batch},
        },
        "required": ["customers"],
        "additionalProperties": False,
    }
    single = example_request_customer()
    return {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"oneOf": [customer, batch]},
                "examples": {
                    "one customer": {"value": single},
                    "a batch": {"value": {"customers": [single, {**single,
                                                                 ID_COLUMN: "3668-QPYBK"}]}},
                },
            }
        },
    }


def parse_customers(body: bytes, max_batch: int) -> list[BaseModel]:
    """Validated customers from a request body: one customer or ``{"customers": [...]}``.

    Bad input is an ``HTTPException``: 422 naming each field path and reason, 413 for a
    batch over ``max_batch``.
    """
    try:
        data = from_json(body)  # pydantic's parser: faster than json.loads on big batches
    except (ValueError, RecursionError) as exc:
        raise HTTPException(422, [{"field": "body", "reason": f"malformed JSON: {exc}",
                                   "type": "json_invalid"}]) from None
    try:
        if isinstance(data, dict) and "customers" in data:
            customers = data["customers"]
            if isinstance(customers, list) and len(customers) > max_batch:
                raise HTTPException(413, f"batch of {len(customers):,} customers is too "
                                         f"large: at most {max_batch:,} per request")
            batch: Any = batch_model(max_batch).model_validate(data)
            return list(batch.customers)
        return [customer_model().model_validate(data)]
    except ValidationError as exc:
        raise HTTPException(422, describe_errors(exc)) from None


def field_path(location: tuple[Any, ...]) -> str:
    """('customers', 3, 'gender') -> 'customers[3].gender'."""
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


def _readable(value: Any) -> Any:
    """Inputs echoed back in errors must be valid JSON: NaN and infinity become text."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return type(value).__name__


def describe_errors(error: ValidationError) -> list[dict[str, Any]]:
    """Pydantic's errors as a JSON-safe list naming the field path and the reason."""
    return [
        {
            "field": field_path(tuple(e["loc"])),
            "loc": list(e["loc"]),
            "reason": e["msg"],
            "type": e["type"],
            "input": _readable(e.get("input")),
        }
        for e in error.errors(include_url=False)
    ]


class ModelRef(BaseModel):
    """Which registered model answered."""

    name: str
    version: str
    alias: str = Field(description="'champion' or 'challenger': which model answered.")


class Prediction(BaseModel):
    customer_id: str
    churn_probability: float = Field(description="Probability that the customer churns.")
    churn: bool = Field(description="The decision: probability >= the model's threshold.")
    decision_threshold: float
    model: ModelRef


class PredictResponse(BaseModel):
    """The answer of ``POST /predict``: one prediction per customer, in request order."""

    request_id: str
    predictions: list[Prediction]


class ErrorItem(BaseModel):
    field: str = Field(description="Path of the offending field, e.g. customers[3].gender.")
    reason: str
    type: str


class ErrorResponse(BaseModel):
    detail: list[ErrorItem] | str

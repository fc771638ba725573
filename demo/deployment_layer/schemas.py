"""The API's request schema, generated from the feature specification.

``Customer`` is built from ``demo.feature_spec`` at run time: categories become ``Literal``
types (so an unknown value is refused with the allowed values listed), numbers get the
spec's range and refuse NaN and infinity, every field carries its description and example.
Adding a feature to the spec adds it to the API and to its OpenAPI document.

A customer is a ``TypedDict``, not a pydantic model: pydantic validates the request's JSON
bytes straight into plain dicts, about four times faster than building a model object per
customer, which is most of the cost of a 1,000-row request.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from fastapi import HTTPException
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from demo.feature_spec import FEATURES_BY_NAME, ID_COLUMN, MODEL_INPUTS, Feature, example_customer

MAX_BATCH = 1_000
_NUMERIC_TYPES: dict[str, type] = {"binary": int, "integer": int, "float": float}
_make_typed_dict: Any = TypedDict  # fields come from the spec, so the type is built at run time


def _field_for(feature: Feature) -> Any:
    """The annotated type pydantic needs for one feature of the spec."""
    if feature.is_categorical:
        allowed: Any = Literal[tuple(feature.allowed or ())]
        return Annotated[allowed, Field(description=feature.description,
                                        examples=[feature.example])]
    return Annotated[_NUMERIC_TYPES[feature.kind], Field(
        description=feature.description, examples=[feature.example],
        ge=feature.minimum, le=feature.maximum, strict=True, allow_inf_nan=False)]


def example_request_customer() -> dict[str, Any]:
    return {ID_COLUMN: FEATURES_BY_NAME[ID_COLUMN].example, **example_customer()}


# One customer as the API takes it: the id plus every model input of the spec.
Customer = _make_typed_dict("Customer", {
    ID_COLUMN: Annotated[str, Field(
        min_length=1, max_length=64, examples=[FEATURES_BY_NAME[ID_COLUMN].example],
        description="Customer identifier; it also decides the A/B route.")],
    **{f.name: _field_for(f) for f in MODEL_INPUTS},
})
Customer.__pydantic_config__ = ConfigDict(
    extra="forbid", json_schema_extra={"examples": [example_request_customer()]})
CustomerBatch = _make_typed_dict("CustomerBatch", {
    "customers": Annotated[list[Customer],  # type: ignore[valid-type]
                           Field(min_length=1, max_length=MAX_BATCH,
                                 description=f"1 to {MAX_BATCH:,} customers.")],
})
CustomerBatch.__pydantic_config__ = ConfigDict(extra="forbid")
_one_customer: TypeAdapter[dict[str, Any]] = TypeAdapter(Customer)
_batch: TypeAdapter[dict[str, list[dict[str, Any]]]] = TypeAdapter(CustomerBatch)


def request_body_schema() -> dict[str, Any]:
    """The OpenAPI request body of ``POST /predict``: one customer, or a batch of them."""
    batch = _batch.json_schema()
    batch["properties"]["customers"]["items"] = batch.pop("$defs")["Customer"]  # inlined
    single = example_request_customer()
    return {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"oneOf": [_one_customer.json_schema(), batch]},
                "examples": {
                    "one customer": {"value": single},
                    "a batch": {"value": {"customers": [single, {**single,
                                                                 ID_COLUMN: "3668-QPYBK"}]}},
                },
            }
        },
    }


def parse_customers(body: bytes) -> list[dict[str, Any]]:
    """Validated customers from a request body: ``{"customers": [...]}`` or one customer.

    A body is read as a batch first; a JSON object without a ``customers`` key is one
    customer. Bad input is an ``HTTPException``: 422 naming each field path and reason, 413
    for a batch over ``MAX_BATCH``.
    """
    try:
        try:
            return _batch.validate_json(body)["customers"]
        except ValidationError as exc:
            if not _is_not_a_batch(exc):
                raise
        return [_one_customer.validate_json(body)]
    except ValidationError as exc:
        raise _http_error(exc) from None


def _is_not_a_batch(error: ValidationError) -> bool:
    """True when the body is valid JSON but has no ``customers`` key at the top."""
    return any(e["type"] == "missing" and tuple(e["loc"]) == ("customers",)
               or e["type"] == "dict_type" and not e["loc"] for e in error.errors())


def _http_error(error: ValidationError) -> HTTPException:
    for e in error.errors():
        if e["type"] == "too_long" and tuple(e["loc"]) == ("customers",):
            given = e.get("ctx", {}).get("actual_length")
            size = f"{given:,} customers" if isinstance(given, int) else "customers"
            return HTTPException(413, f"batch of {size} is too large: at most "
                                      f"{MAX_BATCH:,} per request")
    return HTTPException(422, describe_errors(error))


def field_path(location: tuple[Any, ...]) -> str:
    """('customers', 3, 'gender') -> 'customers[3].gender'."""
    path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in location)
    return path.removeprefix(".") or "body"


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

"""The feature specification: the single source of truth for every layer.

Cleaning rules, the data contract (Great Expectations), the model's input schema, the API's
request schema and the drift monitor are all derived from ``FEATURES`` below. A change to a
feature is a change here, and nowhere else.

Canonical names are snake_case. Raw files arrive with other header styles (``customerID``,
``SeniorCitizen``, ``Phone_Service``, ``paperlessbilling`` ...): ``header_key`` folds any of
them onto the same key, so ``canonical_name`` can map them back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

SPEC_VERSION = "1.0"

Kind = Literal["id", "category", "binary", "integer", "float", "label"]

YES_NO = ("Yes", "No")
INTERNET_ADDON = ("Yes", "No", "No internet service")
# The explicit value cleaning writes when a source left a category blank and no sound rule
# can derive it (see demo/data_layer/README.md). Every categorical model input allows it, so
# a row with one unknown answer is kept (and the model sees "unknown") instead of dropped.
UNKNOWN = "Unknown"


@dataclass(frozen=True)
class Feature:
    """One column of the customer table."""

    name: str
    kind: Kind
    description: str
    allowed: tuple[str, ...] | None = None  # categories, in their canonical spelling
    minimum: float | None = None
    maximum: float | None = None
    model_input: bool = True  # does the model (and so the API request) take it?
    required: bool = True  # must the raw file have this column?
    example: object = None  # a realistic value for docs and API examples

    @property
    def is_categorical(self) -> bool:
        return self.kind in ("category", "label")

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("binary", "integer", "float")

    @property
    def bounds(self) -> tuple[float, float]:
        """(minimum, maximum) of a numeric column; the spec must give both."""
        if self.minimum is None or self.maximum is None:
            raise ValueError(f"the feature spec gives {self.name} no numeric range")
        return self.minimum, self.maximum

    @property
    def known_values(self) -> tuple[str, ...]:
        """The allowed values a source can actually send (``allowed`` without UNKNOWN)."""
        return tuple(v for v in self.allowed or () if v != UNKNOWN)


FEATURES: tuple[Feature, ...] = (
    Feature("customer_id", "id", "Customer identifier, unique per customer.",
            model_input=False, example="7590-VHVEG"),
    Feature("gender", "category", "Customer's gender as recorded at sign-up.",
            allowed=("Female", "Male"), example="Female"),
    Feature("senior_citizen", "binary", "1 if the customer is 65 or older, else 0.",
            minimum=0, maximum=1, example=0),
    Feature("partner", "category", "Whether the customer has a partner.",
            allowed=YES_NO, example="Yes"),
    Feature("dependents", "category", "Whether the customer has dependents.",
            allowed=YES_NO, example="No"),
    Feature("tenure", "integer", "Months the customer has been with the company.",
            minimum=0, maximum=72, example=1),
    Feature("phone_service", "category", "Whether the customer has a phone line.",
            allowed=YES_NO, example="No"),
    Feature("multiple_lines", "category", "Whether the customer has several phone lines.",
            allowed=("Yes", "No", "No phone service"), example="No phone service"),
    Feature("internet_service", "category", "The customer's internet connection.",
            allowed=("DSL", "Fiber optic", "No"), example="DSL"),
    Feature("online_security", "category", "Online security add-on.",
            allowed=INTERNET_ADDON, example="No"),
    Feature("online_backup", "category", "Online backup add-on.",
            allowed=INTERNET_ADDON, example="Yes"),
    Feature("device_protection", "category", "Device protection add-on.",
            allowed=INTERNET_ADDON, example="No"),
    Feature("tech_support", "category", "Technical support add-on.",
            allowed=INTERNET_ADDON, example="No"),
    Feature("streaming_tv", "category", "Streaming TV add-on.",
            allowed=INTERNET_ADDON, example="No"),
    Feature("streaming_movies", "category", "Streaming movies add-on.",
            allowed=INTERNET_ADDON, example="No"),
    Feature("contract", "category", "Contract term.",
            allowed=("Month-to-month", "One year", "Two year"), example="Month-to-month"),
    Feature("paperless_billing", "category", "Whether bills are paperless.",
            allowed=YES_NO, example="Yes"),
    Feature("payment_method", "category", "How the customer pays.",
            allowed=("Electronic check", "Mailed check", "Bank transfer (automatic)",
                     "Credit card (automatic)"), example="Electronic check"),
    Feature("monthly_charges", "float", "Amount charged per month, in dollars.",
            minimum=0.0, maximum=200.0, example=29.85),
    Feature("total_charges", "float", "Amount charged over the whole tenure, in dollars.",
            minimum=0.0, maximum=20_000.0, example=29.85),
    Feature("churn", "label", "Whether the customer left within the last month.",
            allowed=YES_NO, model_input=False, example="No"),
)

FEATURES = tuple(  # categorical model inputs also allow the explicit UNKNOWN (last)
    replace(f, allowed=(*(f.allowed or ()), UNKNOWN)) if f.kind == "category" and f.model_input
    else f
    for f in FEATURES
)
FEATURES_BY_NAME: dict[str, Feature] = {f.name: f for f in FEATURES}
ID_COLUMN = "customer_id"
LABEL_COLUMN = "churn"
POSITIVE_LABEL = "Yes"
RAW_COLUMNS: tuple[str, ...] = tuple(f.name for f in FEATURES)
MODEL_INPUTS: tuple[Feature, ...] = tuple(f for f in FEATURES if f.model_input)
# The model-input column list: every other module takes it from here.
INPUT_COLUMNS: tuple[str, ...] = tuple(f.name for f in MODEL_INPUTS)
NUMERIC_INPUTS: tuple[str, ...] = tuple(f.name for f in MODEL_INPUTS if f.is_numeric)
CATEGORICAL_INPUTS: tuple[str, ...] = tuple(f.name for f in MODEL_INPUTS if f.is_categorical)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(f.name for f in FEATURES if f.required)

# Lineage columns added at ingestion; they travel with the rows but are never model inputs.
LINEAGE_COLUMNS: tuple[str, ...] = ("_source_file", "_source_row", "_ingested_at")


def header_key(name: str) -> str:
    """Fold a header of any style onto one key: 'customerID', 'Customer_ID' -> 'customerid'."""
    return re.sub(r"[^0-9a-z]", "", str(name).strip().lower())


_KEY_TO_NAME: dict[str, str] = {header_key(f.name): f.name for f in FEATURES}


def canonical_name(raw_header: str) -> str | None:
    """The canonical snake_case name for a raw header, or None for an unknown column."""
    return _KEY_TO_NAME.get(header_key(raw_header))


def example_customer() -> dict[str, object]:
    """One realistic customer, as the model and the API take it (model inputs only)."""
    return {f.name: f.example for f in MODEL_INPUTS}

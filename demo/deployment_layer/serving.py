"""The models the API serves: champion, optional challenger, and the A/B route between them.

A ``ModelSet`` is immutable. Reloading builds a complete new set off to the side and swaps
one reference, so a request sees either the old pair or the new pair, never half of each.
``ModelSet.predict(customers)`` is all the API calls: it routes each customer and asks the
chosen model's predictor (the verified fast path of ``fast_path.py``, or the pipeline).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from demo.deployment_layer.fast_path import Columns, Predictor, build_predictor
from demo.errors import ModelError
from demo.feature_spec import ID_COLUMN, INPUT_COLUMNS
from demo.settings import Settings

_BUCKETS = 10_000


@dataclass(frozen=True)
class ServedModel:
    """One registered model version, ready to answer."""

    name: str
    version: str
    alias: str
    run_id: str
    threshold: float
    predictor: Predictor
    metrics: dict[str, float]
    lineage: dict[str, Any]

    def predict(self, columns: Columns) -> tuple[np.ndarray, np.ndarray]:
        """Churn probabilities and the decisions at the tracked threshold."""
        probabilities = self.predictor.predict_proba(columns)
        return probabilities, probabilities >= self.threshold

    @property
    def reference(self) -> dict[str, str]:
        """Which model answered, as the API's response names it."""
        return {"name": self.name, "version": self.version, "alias": self.alias}

    def describe(self) -> dict[str, Any]:
        return {
            **self.reference,
            "run_id": self.run_id,
            "decision_threshold": self.threshold,
            "serving_route": self.predictor.route,
            "metrics": self.metrics,
            "lineage": self.lineage,
        }


@dataclass(frozen=True)
class ModelSet:
    """What the API serves right now; ``champion`` is None when nothing is registered.

    ``generation`` counts the sets this API has served: each reload that swaps in a new set
    raises it by one.
    """

    champion: ServedModel | None = None
    challenger: ServedModel | None = None
    challenger_share: float = 0.0
    not_ready_reason: str = ""
    generation: int = 0

    def predict(self, customers: Sequence[Mapping[str, Any]]
                ) -> list[tuple[float, bool, ServedModel]]:
        """Route each customer (a dict of the spec's fields) and predict with its model:
        (probability, decision, the model that answered) per customer, in their order."""
        if self.champion is None:
            raise ModelError(self.not_ready_reason)
        to_challenger = self.route([c[ID_COLUMN] for c in customers])
        answers: list[Any] = [None] * len(customers)
        for model, chosen in ((self.champion, ~to_challenger),
                              (self.challenger, to_challenger)):
            index = np.flatnonzero(chosen)
            if model is None or index.size == 0:
                continue
            subset = customers if index.size == len(customers) else [customers[int(i)] for i in index]
            columns = {name: [c[name] for c in subset] for name in INPUT_COLUMNS}
            probabilities, decisions = model.predict(columns)
            for i, probability, decision in zip(index.tolist(), probabilities.tolist(),
                                                decisions.tolist(), strict=True):
                answers[i] = (probability, decision, model)
        return answers

    def route(self, customer_ids: list[str]) -> np.ndarray:
        """True where the customer goes to the challenger (deterministic per customer id)."""
        if self.challenger is None or self.challenger_share <= 0:
            return np.zeros(len(customer_ids), dtype=bool)
        cut = self.challenger_share * _BUCKETS
        return np.array([zlib.crc32(c.encode()) % _BUCKETS < cut for c in customer_ids])


def served_model(settings: Settings, alias: str) -> ServedModel:
    """Load ``models:/<name>@alias`` from the workspace registry and prepare its fast path."""
    from demo.model_layer.loading import load_model

    loaded = load_model(settings, alias)
    return ServedModel(
        name=settings.model_name,
        version=str(loaded.version),
        alias=alias,
        run_id=str(loaded.run_id),
        threshold=float(loaded.threshold),
        predictor=build_predictor(loaded.model),
        metrics={k: float(v) for k, v in (loaded.metrics or {}).items()},
        lineage=dict(loaded.lineage or {}),
    )


def load_model_set(settings: Settings, challenger_share: float) -> ModelSet:
    """Champion and (when registered) challenger; a missing champion is a reason, not a crash."""
    from demo.model_layer.loading import CHALLENGER, CHAMPION

    try:
        champion = served_model(settings, CHAMPION)
    except ModelError as exc:
        return ModelSet(not_ready_reason=str(exc), challenger_share=challenger_share)
    try:
        challenger: ServedModel | None = served_model(settings, CHALLENGER)
    except ModelError:
        challenger = None
    return ModelSet(champion, challenger, challenger_share)

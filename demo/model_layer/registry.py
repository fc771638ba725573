"""The model registry: versions, the ``champion`` and ``challenger`` aliases, and promotion.

Serving asks for ``models:/churn-classifier@champion``, never a version number: promoting is
moving an alias (MLflow's "stages" are deprecated). A new model becomes the challenger and
is promoted only if it beats the champion on the same held-out rows by the policy's margin
(``promotion.margin`` in ``demo/params.toml``). ``register_and_promote`` is the one way into
the registry: training, retraining, the walkthrough and the course all call it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from demo.feature_spec import SPEC_VERSION
from demo.model_layer.evaluate import roc_auc_on
from demo.model_layer.loading import (
    CHALLENGER,
    CHAMPION,
    load_version,
    recorded_test_split,
    require_alias,
    version_by_alias,
)
from demo.model_layer.store import TrackingStore, open_store
from demo.settings import Settings

COMPARISON_METRIC = "roc_auc"


@dataclass(frozen=True)
class PromotionDecision:
    promote: bool
    reason: str


@dataclass(frozen=True)
class PromotionOutcome:
    """What the policy decided, on which rows, with both scores."""

    decision: PromotionDecision
    challenger_version: str
    champion_version: str | None  # the champion before the decision
    challenger_score: float
    champion_score: float | None
    margin: float
    metric: str = COMPARISON_METRIC
    holdout_rows: int = 0

    @property
    def serving_version(self) -> str:
        """The version that holds ``champion`` after the decision."""
        if self.decision.promote or self.champion_version is None:
            return self.challenger_version
        return self.champion_version

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "serving_version": self.serving_version}


@dataclass(frozen=True)
class ModelToRegister:
    """A logged model and what its registered version must say about it."""

    candidate: str
    model_uri: str  # models:/m-…
    run_id: str
    threshold: float
    data_hash: str


def decide_promotion(champion_score: float | None, challenger_score: float,
                     margin: float) -> PromotionDecision:
    """The promotion policy: promote only a clear improvement on the same rows."""
    if champion_score is None:
        return PromotionDecision(True, "no champion yet: the first registered model serves")
    gain = challenger_score - champion_score
    comparison = (f"challenger {COMPARISON_METRIC} {challenger_score:.4f} vs champion "
                  f"{champion_score:.4f} (gain {gain:+.4f}, margin {margin:.4f})")
    if gain >= margin:
        return PromotionDecision(True, f"promoted: {comparison}")
    return PromotionDecision(False, f"kept the champion: {comparison}")


def register(store: TrackingStore, model: ModelToRegister) -> str:
    """Register a logged model as a new version with its tags; the version number."""
    from mlflow.exceptions import MlflowException

    client, name = store.client, store.settings.model_name
    try:
        client.get_registered_model(name)
    except MlflowException:
        client.create_registered_model(
            name, description="Predicts the probability that a customer churns next month.")
    model_id = model.model_uri.removeprefix("models:/")
    # The artifact location, not the models:/ URI: MLflow would resolve that URI through
    # the process-wide tracking URI, which this code never sets.
    source = client.get_logged_model(model_id).artifact_location
    tags = {"decision_threshold": str(model.threshold), "candidate": model.candidate,
            "data_hash": model.data_hash, "feature_spec_version": SPEC_VERSION}
    version = client.create_model_version(name, source=source, run_id=model.run_id, tags=tags,
                                          model_id=model_id)
    client.set_tag(model.run_id, "registered_version", str(version.version))
    return str(version.version)


def apply_promotion(settings: Settings, challenger_version: str, holdout: pd.DataFrame,
                    margin: float | None = None) -> PromotionOutcome:
    """Judge ``challenger_version`` against the champion on ``holdout``; move the aliases.

    Promoted: it becomes ``champion`` and ``challenger`` is cleared. Kept: it stays (or
    becomes) ``challenger``. The decision is logged on the challenger's run and version.
    """
    margin = settings.policy.promotion_margin if margin is None else margin
    version = str(challenger_version)
    store = open_store(settings, create=False)
    client, name = store.client, settings.model_name
    challenger = client.get_model_version(name, version)
    champion = version_by_alias(settings, CHAMPION, store)
    champion_version = None if champion is None else str(champion.version)
    challenger_score = roc_auc_on(load_version(store, version), holdout)
    champion_score = None if champion_version is None else roc_auc_on(
        load_version(store, champion_version), holdout)
    if champion_version == version:
        decision = PromotionDecision(False, f"version {version} is the champion")
    else:
        decision = decide_promotion(champion_score, challenger_score, margin)
    outcome = PromotionOutcome(
        decision=decision, challenger_version=version, champion_version=champion_version,
        challenger_score=challenger_score, champion_score=champion_score, margin=margin,
        holdout_rows=len(holdout))
    if decision.promote:
        client.set_registered_model_alias(name, CHAMPION, version)
        if CHALLENGER in (challenger.aliases or []):
            client.delete_registered_model_alias(name, CHALLENGER)
    elif champion_version != version:
        client.set_registered_model_alias(name, CHALLENGER, version)
    # The decision, on the challenger's run and version, where a reviewer looks for it.
    verdict = "promoted" if decision.promote else "kept_champion"
    for key, value in {"decision": verdict, "reason": decision.reason}.items():
        client.set_tag(challenger.run_id, f"promotion.{key}", value)
        client.set_model_version_tag(name, version, f"promotion_{key}", value)
    client.log_dict(challenger.run_id, outcome.to_dict(), "promotion/decision.json")
    return outcome


def register_and_promote(settings: Settings, model: ModelToRegister, holdout: pd.DataFrame,
                         margin: float | None = None) -> PromotionOutcome:
    """Register ``model`` as a new version, then let the policy judge it on ``holdout``."""
    version = register(open_store(settings), model)
    return apply_promotion(settings, version, holdout, margin)


def promote_challenger(settings: Settings, margin: float | None = None) -> PromotionOutcome:
    """Re-apply the policy to the current challenger, on the test rows it was trained with."""
    found = require_alias(settings, CHALLENGER)
    holdout = recorded_test_split(open_store(settings, create=False), found.run_id)
    return apply_promotion(settings, str(found.version), holdout, margin)

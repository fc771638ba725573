"""The model registry: versions, the ``champion`` and ``challenger`` aliases, and promotion.

Serving asks for ``models:/churn-classifier@champion``, never for a version number, so
promoting a model is moving an alias. (MLflow's older "stages" are deprecated; aliases are
the current way.) A new model never replaces the champion by default: it becomes the
challenger, and is promoted only if it beats the champion on the same held-out rows by a
stated margin.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from demo.errors import ModelError
from demo.feature_spec import SPEC_VERSION
from demo.model_layer.split import features, label_vector
from demo.model_layer.tracking import use_workspace_tracking
from demo.settings import Settings

CHAMPION = "champion"
CHALLENGER = "challenger"
DEFAULT_MARGIN = 0.005  # ROC AUC a challenger must gain to replace the champion
COMPARISON_METRIC = "roc_auc"
LINEAGE_TAGS = ("data_hash", "rows_total", "rows_train", "rows_validation", "rows_test",
                "feature_spec_version", "git_commit", "generator_seed", "holdout_hash")


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
        data = asdict(self)
        data["decision"] = asdict(self.decision)
        data["serving_version"] = self.serving_version
        return data


@dataclass(frozen=True)
class LoadedModel:
    """A registered model ready to predict, with what the registry knows about it."""

    model: Any  # the fitted scikit-learn Pipeline
    version: str
    run_id: str
    alias: str
    threshold: float
    metrics: dict[str, float]
    lineage: dict[str, str]
    model_name: str = ""

    @property
    def uri(self) -> str:
        return f"models:/{self.model_name}@{self.alias}"


def decide_promotion(
    champion_score: float | None, challenger_score: float, margin: float = DEFAULT_MARGIN
) -> PromotionDecision:
    """The promotion policy: promote only a clear improvement on the same rows."""
    if champion_score is None:
        return PromotionDecision(True, "no champion yet: the first registered model serves")
    gain = challenger_score - champion_score
    comparison = (
        f"challenger {COMPARISON_METRIC} {challenger_score:.4f} vs champion "
        f"{champion_score:.4f} (gain {gain:+.4f}, margin {margin:.4f})"
    )
    if gain >= margin:
        return PromotionDecision(True, f"promoted: {comparison}")
    return PromotionDecision(False, f"kept the champion: {comparison}")


@contextmanager
def _trusted_model_loading() -> Iterator[None]:
    """Allow MLflow to deserialize a model for the duration of one load.

    MLflow 3.17 refuses to deserialize any scikit-learn model, skops included, unless
    MLFLOW_ALLOW_PICKLE_DESERIALIZATION is true, because a model file could be crafted. The
    models here come from the workspace's own store, written by this code: trusted. The flag
    is restored afterwards so nothing else in the process loads models silently.
    """
    key = "MLFLOW_ALLOW_PICKLE_DESERIALIZATION"
    previous = os.environ.get(key)
    os.environ[key] = "true"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = previous


def _client(settings: Settings, create: bool) -> Any:
    from mlflow.tracking import MlflowClient

    use_workspace_tracking(settings, create=create)
    return MlflowClient()


def version_by_alias(settings: Settings, alias: str) -> Any | None:
    """The ``ModelVersion`` holding ``alias``, or None."""
    from mlflow.exceptions import MlflowException

    client = _client(settings, create=False)
    try:
        return client.get_model_version_by_alias(settings.model_name, alias)
    except MlflowException:
        return None


def require_alias(settings: Settings, alias: str) -> Any:
    """The ``ModelVersion`` holding ``alias``, or a ``ModelError`` naming the store."""
    found = version_by_alias(settings, alias)
    if found is None:
        raise ModelError(
            f"no model registered as '{alias}' in {settings.mlflow_db}: "
            "run `python -m demo train` first"
        )
    return found


def load_model(settings: Settings, alias: str = CHAMPION) -> LoadedModel:
    """Load ``models:/<model_name>@<alias>`` from the workspace's registry."""
    import mlflow.sklearn

    found = require_alias(settings, alias)
    from mlflow.exceptions import MlflowException

    uri = f"models:/{settings.model_name}@{alias}"
    try:
        with _trusted_model_loading():
            model = mlflow.sklearn.load_model(uri)
    except (MlflowException, OSError) as exc:
        raise ModelError(
            f"cannot load {uri} (version {found.version}) from {settings.artifacts_dir}: "
            f"{str(exc).splitlines()[0]}"
        ) from exc
    run = mlflow.tracking.MlflowClient().get_run(found.run_id)
    lineage = {k: v for k, v in run.data.tags.items() if k in LINEAGE_TAGS}
    lineage.update({k: v for k, v in found.tags.items() if k != "decision_threshold"})
    return LoadedModel(
        model=model,
        version=str(found.version),
        run_id=found.run_id,
        alias=alias,
        threshold=float(found.tags.get("decision_threshold", "0.5")),
        metrics=dict(run.data.metrics),
        lineage=lineage,
        model_name=settings.model_name,
    )


def register(settings: Settings, model_uri: str, run_id: str, tags: dict[str, str]) -> str:
    """Register a logged model (``models:/m-...``) as a new version with its tags.

    Uses the client API rather than ``mlflow.register_model``, which prints to the terminal.
    """
    from mlflow.exceptions import MlflowException

    client = _client(settings, create=True)
    name = settings.model_name
    try:
        client.get_registered_model(name)
    except MlflowException:
        client.create_registered_model(
            name, description="Predicts the probability that a customer churns next month."
        )
    model_id = model_uri.removeprefix("models:/") if model_uri.startswith("models:/m-") else None
    version = client.create_model_version(
        name, source=model_uri, run_id=run_id, tags=tags, model_id=model_id
    )
    client.set_tag(run_id, "registered_version", str(version.version))
    return str(version.version)


def version_tags(candidate: str, threshold: float, data_hash: str) -> dict[str, str]:
    """The tags every registered version carries (the serving side reads them)."""
    return {
        "decision_threshold": str(threshold),
        "candidate": candidate,
        "data_hash": data_hash,
        "feature_spec_version": SPEC_VERSION,
    }


def _score(model: Any, holdout: pd.DataFrame) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(label_vector(holdout), model.predict_proba(features(holdout))[:, 1]))


def apply_promotion(
    settings: Settings, challenger_version: str, holdout: pd.DataFrame,
    margin: float = DEFAULT_MARGIN,
) -> PromotionOutcome:
    """Judge ``challenger_version`` against the champion on ``holdout``; move the aliases.

    Promoted: it becomes ``champion`` and ``challenger`` is cleared. Kept: it stays (or
    becomes) ``challenger``. The decision and its reasons are logged on the challenger's run
    (tags and ``promotion/decision.json``) and on the version's tags.
    """
    import mlflow.sklearn

    client = _client(settings, create=False)
    name = settings.model_name
    challenger = client.get_model_version(name, challenger_version)
    champion = version_by_alias(settings, CHAMPION)
    with _trusted_model_loading():
        challenger_model = mlflow.sklearn.load_model(f"models:/{name}/{challenger_version}")
        champion_model = (
            mlflow.sklearn.load_model(f"models:/{name}/{champion.version}")
            if champion is not None else None
        )
    champion_score = None if champion_model is None else _score(champion_model, holdout)
    challenger_score = _score(challenger_model, holdout)
    if champion is not None and str(champion.version) == str(challenger_version):
        decision = PromotionDecision(False, f"version {challenger_version} is the champion")
    else:
        decision = decide_promotion(champion_score, challenger_score, margin)
    outcome = PromotionOutcome(
        decision=decision,
        challenger_version=str(challenger_version),
        champion_version=None if champion is None else str(champion.version),
        challenger_score=challenger_score,
        champion_score=champion_score,
        margin=margin,
        holdout_rows=len(holdout),
    )
    if decision.promote:
        client.set_registered_model_alias(name, CHAMPION, str(challenger_version))
        if CHALLENGER in (challenger.aliases or []):
            client.delete_registered_model_alias(name, CHALLENGER)
    elif champion is None or str(champion.version) != str(challenger_version):
        client.set_registered_model_alias(name, CHALLENGER, str(challenger_version))
    _record(client, challenger.run_id, name, str(challenger_version), outcome)
    return outcome


def _record(client: Any, run_id: str, name: str, version: str, outcome: PromotionOutcome) -> None:
    """Log the decision where a reviewer looks for it: the run and the model version."""
    verdict = "promoted" if outcome.decision.promote else "kept_champion"
    client.set_tag(run_id, "promotion.decision", verdict)
    client.set_tag(run_id, "promotion.reason", outcome.decision.reason)
    client.log_text(run_id, json.dumps(outcome.to_dict(), indent=2), "promotion/decision.json")
    client.set_model_version_tag(name, version, "promotion_decision", verdict)
    client.set_model_version_tag(name, version, "promotion_reason", outcome.decision.reason)

"""The registry: version tags, aliases, loading by alias, and both outcomes of the policy."""

from __future__ import annotations

import numpy as np
import pytest

from demo.errors import ModelError
from demo.feature_spec import SPEC_VERSION
from demo.model_layer.registry import (
    CHALLENGER,
    CHAMPION,
    apply_promotion,
    decide_promotion,
    load_model,
    register,
    version_by_alias,
    version_tags,
)
from demo.model_layer.runner import register_and_promote
from demo.model_layer.train import TrainingConfig, train_candidates
from demo.settings import Settings
from tests.model_layer.conftest import SessionModels, gold_frame


def test_policy_promotes_only_a_clear_win() -> None:
    assert decide_promotion(None, 0.7, 0.005).promote
    win = decide_promotion(0.80, 0.81, 0.005)
    assert win.promote and "gain +0.0100" in win.reason
    tie = decide_promotion(0.80, 0.803, 0.005)
    assert not tie.promote and "kept the champion" in tie.reason and "margin 0.0050" in tie.reason


def test_first_model_becomes_champion_with_its_tags(session_models: SessionModels) -> None:
    outcome = session_models.outcome
    assert outcome.decision.promote and outcome.champion_version is None
    champion = version_by_alias(session_models.settings, CHAMPION)
    assert str(champion.version) == session_models.version
    best = session_models.training.best
    assert champion.tags["candidate"] == best.name
    assert champion.tags["decision_threshold"] == str(best.threshold)
    assert champion.tags["data_hash"] == session_models.training.data_hash
    assert champion.tags["feature_spec_version"] == SPEC_VERSION
    assert champion.tags["promotion_decision"] == "promoted"
    assert version_by_alias(session_models.settings, CHALLENGER) is None


def test_load_model_by_alias(session_models: SessionModels) -> None:
    loaded = load_model(session_models.settings)
    best = session_models.training.best
    assert loaded.version == session_models.version and loaded.alias == CHAMPION
    assert loaded.run_id == best.run_id
    assert loaded.threshold == best.threshold
    assert loaded.metrics["test_roc_auc"] == pytest.approx(best.test["roc_auc"])
    assert loaded.lineage["data_hash"] == session_models.training.data_hash
    assert loaded.lineage["git_commit"]
    assert loaded.uri == "models:/churn-classifier@champion"
    test = session_models.training.split.test
    np.testing.assert_allclose(loaded.model.predict_proba(test)[:, 1],
                               best.model.predict_proba(test)[:, 1])


def test_missing_alias_is_a_clear_error(session_models: SessionModels) -> None:
    with pytest.raises(ModelError, match="no model registered as 'challenger' in .*mlflow.db"):
        load_model(session_models.settings, CHALLENGER)


@pytest.mark.slow
def test_both_outcomes_of_the_promotion_policy(settings: Settings) -> None:
    gold = gold_frame(1_500, seed=2)
    config = TrainingConfig(candidates=("baseline", "logistic_regression"), trials=1)
    training = train_candidates(settings, gold, config)
    first, outcome = register_and_promote(settings, training)
    assert outcome.decision.promote and version_by_alias(settings, CHAMPION).version == int(first)

    baseline = training.candidates["baseline"]
    tags = version_tags("baseline", baseline.threshold, training.data_hash)
    weaker = register(settings, baseline.model_uri, baseline.run_id, tags)
    kept = apply_promotion(settings, weaker, training.split.test, margin=0.005)
    assert not kept.decision.promote
    assert kept.challenger_score == pytest.approx(0.5)
    assert kept.champion_score == pytest.approx(training.best.test["roc_auc"])
    assert str(version_by_alias(settings, CHAMPION).version) == first
    assert str(version_by_alias(settings, CHALLENGER).version) == weaker
    import mlflow

    run = mlflow.tracking.MlflowClient().get_run(baseline.run_id)
    assert run.data.tags["promotion.decision"] == "kept_champion"
    assert "challenger roc_auc 0.5000" in run.data.tags["promotion.reason"]

    # A challenger that loses by less than a negative margin is promoted: the policy, not
    # the scores, decides; the challenger alias is then cleared.
    promoted = apply_promotion(settings, weaker, training.split.test, margin=-1.0)
    assert promoted.decision.promote
    assert str(version_by_alias(settings, CHAMPION).version) == weaker
    assert version_by_alias(settings, CHALLENGER) is None
    assert load_model(settings).version == weaker

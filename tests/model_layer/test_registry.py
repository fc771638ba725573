"""The registry: version tags, aliases, loading by alias, and both outcomes of the policy."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from demo.errors import ModelError
from demo.feature_spec import SPEC_VERSION
from demo.model_layer.loading import load_model
from demo.model_layer.registry import (
    CHALLENGER,
    CHAMPION,
    apply_promotion,
    decide_promotion,
    register_and_promote,
    version_by_alias,
)
from demo.model_layer.steps import best_to_register, train_and_track
from demo.model_layer.store import open_store
from demo.model_layer.train import TrainingConfig
from demo.settings import Settings
from tests.model_layer.conftest import SessionModels, checkout_commit, gold_frame


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
    assert champion.tags["data_hash"] == session_models.tracked.data_hash
    assert champion.tags["feature_spec_version"] == SPEC_VERSION
    assert champion.tags["promotion_decision"] == "promoted"
    assert version_by_alias(session_models.settings, CHALLENGER) is None


def test_load_model_by_alias(session_models: SessionModels) -> None:
    loaded = load_model(session_models.settings)
    best = session_models.training.best
    assert loaded.version == session_models.version and loaded.alias == CHAMPION
    assert loaded.run_id == session_models.tracked.run_ids[best.name]
    assert loaded.threshold == best.threshold
    assert loaded.metrics["test_roc_auc"] == pytest.approx(best.test["roc_auc"])
    assert loaded.lineage["data_hash"] == session_models.tracked.data_hash
    assert loaded.lineage["git_commit"] == checkout_commit()
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
    tracked = train_and_track(settings, gold, config)
    training = tracked.training
    outcome = register_and_promote(settings, best_to_register(tracked), training.split.test)
    first = outcome.challenger_version
    assert outcome.decision.promote and version_by_alias(settings, CHAMPION).version == int(first)

    baseline = best_to_register(tracked, "baseline")
    kept = register_and_promote(settings, baseline, training.split.test, margin=0.005)
    weaker = kept.challenger_version
    assert not kept.decision.promote
    assert kept.challenger_score == pytest.approx(0.5)
    assert kept.champion_score == pytest.approx(training.best.test["roc_auc"])
    assert str(version_by_alias(settings, CHAMPION).version) == first
    assert str(version_by_alias(settings, CHALLENGER).version) == weaker
    run = open_store(settings).client.get_run(baseline.run_id)
    assert run.data.tags["promotion.decision"] == "kept_champion"
    assert "challenger roc_auc 0.5000" in run.data.tags["promotion.reason"]

    # A challenger that loses by less than a negative margin is promoted: the policy, not
    # the scores, decides; the challenger alias is then cleared. The margin comes from the
    # settings' policy (params.toml, here overridden as `--set` would).
    lenient = settings.with_policy(["promotion.margin=-1.0"])
    promoted = apply_promotion(lenient, weaker, training.split.test)
    assert promoted.margin == -1.0
    assert promoted.decision.promote
    assert str(version_by_alias(settings, CHAMPION).version) == weaker
    assert version_by_alias(settings, CHALLENGER) is None
    assert load_model(settings).version == weaker


def test_loading_needs_no_process_wide_switch(session_models: SessionModels,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Models load with this code's skops allow-list; MLflow's global flag is left alone."""
    import mlflow

    monkeypatch.setenv("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "false")
    loaded = load_model(session_models.settings)
    assert loaded.version == session_models.version
    assert os.environ["MLFLOW_ALLOW_PICKLE_DESERIALIZATION"] == "false"
    assert mlflow.get_tracking_uri() != session_models.settings.tracking_uri


def test_concurrent_loads_all_succeed_and_agree(session_models: SessionModels) -> None:
    test = session_models.training.split.test
    with ThreadPoolExecutor(max_workers=4) as pool:
        loaded = list(pool.map(lambda _: load_model(session_models.settings), range(4)))
    reference = loaded[0].model.predict_proba(test)[:, 1]
    for other in loaded[1:]:
        np.testing.assert_array_equal(other.model.predict_proba(test)[:, 1], reference)


def test_a_model_not_saved_with_skops_is_refused(settings: Settings, tmp_path) -> None:
    """A pickle runs whatever code it carries: the loader refuses it instead of loading it."""
    import mlflow.sklearn
    from mlflow.entities import LoggedModelStatus

    from demo.model_layer.candidates import build_pipeline
    from demo.model_layer.registry import ModelToRegister, register
    from demo.model_layer.split import features, label_vector
    from demo.model_layer.tracking import log_run

    gold = gold_frame(300, seed=5)
    model = build_pipeline("logistic_regression").fit(features(gold), label_vector(gold))
    store = open_store(settings)
    run_id = log_run(store, "pickled")
    logged = store.client.create_logged_model(store.experiment_id, name="model",
                                              source_run_id=run_id)
    mlflow.sklearn.save_model(model, str(tmp_path / "model"), serialization_format="cloudpickle")
    store.client.log_model_artifacts(logged.model_id, str(tmp_path / "model"))
    store.client.finalize_logged_model(logged.model_id, LoggedModelStatus.READY)
    version = register(store, ModelToRegister("logistic_regression",
                                              f"models:/{logged.model_id}", run_id, 0.5, "x"))
    store.client.set_registered_model_alias(settings.model_name, CHAMPION, version)
    with pytest.raises(ModelError, match="is not saved with skops .'cloudpickle'.: refusing"):
        load_model(settings)

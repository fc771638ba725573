"""The retraining loop: a challenger from reference + newly labelled data, judged fairly.

The newly labelled batch is split once: a stratified share becomes a *fresh holdout* that
neither model has seen, the rest joins the training data. The model layer trains the
challenger (same recipe as the champion), registers it, and its promotion policy compares
champion and challenger on that same holdout. A running API picks up a promotion through
``POST /admin/reload``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from demo.feature_spec import ID_COLUMN, INPUT_COLUMNS, LABEL_COLUMN
from demo.settings import Settings

DEFAULT_CANDIDATE = "hist_gradient_boosting"
_COLUMNS = [ID_COLUMN, *INPUT_COLUMNS, LABEL_COLUMN]


def split_new_data(new_labelled: pd.DataFrame, seed: int,
                   share: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows to train on, fresh holdout): stratified on churn, seeded; ``share`` is the
    policy's ``retraining.holdout_share``."""
    from sklearn.model_selection import train_test_split

    from demo.model_layer.split import label_vector

    train, holdout = train_test_split(new_labelled, test_size=share, random_state=seed,
                                      stratify=label_vector(new_labelled))
    return train.reset_index(drop=True), holdout.reset_index(drop=True)


def retrain(settings: Settings, reference: pd.DataFrame, new_labelled: pd.DataFrame,
            candidate: str | None = None, trials: int = 1) -> dict[str, Any]:
    """Train, register and judge a challenger like the champion (its ``candidate`` tag, unless
    ``candidate`` is given); the promotion policy moves the aliases. What it decided, as the
    retrain step records it."""
    from demo.model_layer.loading import require_alias
    from demo.model_layer.registry import register_and_promote
    from demo.model_layer.steps import best_to_register, train_and_track
    from demo.model_layer.train import TrainingConfig

    candidate = candidate or str(require_alias(settings, "champion").tags.get(
        "candidate", DEFAULT_CANDIDATE))
    new_train, holdout = split_new_data(new_labelled[_COLUMNS], settings.seed,
                                        settings.policy.retraining_holdout_share)
    training_frame = pd.concat([reference[_COLUMNS], new_train], ignore_index=True)
    config = TrainingConfig.from_settings(settings, candidates=(candidate,), trials=trials)
    tracked = train_and_track(settings, training_frame, config, holdout=holdout)
    outcome = register_and_promote(settings, best_to_register(tracked), holdout)
    return {"challenger_version": outcome.challenger_version,
            "champion_version": outcome.champion_version, "promoted": outcome.decision.promote,
            "reason": outcome.decision.reason, "champion_score": outcome.champion_score,
            "challenger_score": outcome.challenger_score, "metric": outcome.metric,
            "training_rows": len(training_frame), "holdout_rows": len(holdout),
            "serving_version": outcome.serving_version}

"""The candidate models: a trivial baseline, a simple model and a stronger one.

Each candidate is one scikit-learn ``Pipeline``: preprocessing built from the feature
specification, then a classifier. Preprocessing lives inside the model, so the API, batch
scoring and the registry all get the same transformation with no copy to drift apart.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from demo.errors import ModelError
from demo.feature_spec import CATEGORICAL_INPUTS, FEATURES_BY_NAME, NUMERIC_INPUTS

Params = dict[str, Any]


def build_preprocessor() -> Any:
    """Scale the numeric inputs; one-hot the categorical ones with the spec's categories.

    Fixing the categories from the specification (not from the training rows) means a
    category missing from one training set still gets its column, and
    ``handle_unknown="ignore"`` turns a value never seen into all zeros instead of an error.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    categories = [list(FEATURES_BY_NAME[name].allowed or ()) for name in CATEGORICAL_INPUTS]
    one_hot = OneHotEncoder(categories=categories, handle_unknown="ignore", sparse_output=False)
    return ColumnTransformer([("numeric", StandardScaler(), list(NUMERIC_INPUTS)),
                              ("categorical", one_hot, list(CATEGORICAL_INPUTS))])


@dataclass(frozen=True)
class Candidate:
    """A model recipe: its scikit-learn classifier, defaults, and the space a search samples
    (a list: one of its values; a ``(low, high)`` tuple: log-uniform between the two)."""

    name: str
    description: str
    classifier: str  # the class's full name, imported only when a pipeline is built
    defaults: Params
    search_space: Params = field(default_factory=dict)


CANDIDATES: dict[str, Candidate] = {
    c.name: c
    for c in (
        Candidate(
            "baseline",
            "predicts the training churn rate for everyone: the bar any model must clear",
            "sklearn.dummy.DummyClassifier",
            {"strategy": "prior"},
        ),
        Candidate(
            "logistic_regression",
            "a linear model on scaled and one-hot features: simple, fast, explainable",
            "sklearn.linear_model.LogisticRegression",
            {"C": 1.0, "max_iter": 1000, "class_weight": None},
            {"C": (1e-3, 1e2), "class_weight": [None, "balanced"]},
        ),
        Candidate(
            "hist_gradient_boosting",
            "gradient-boosted trees: captures interactions and non-linear effects",
            "sklearn.ensemble.HistGradientBoostingClassifier",
            {"learning_rate": 0.1, "max_iter": 100, "max_leaf_nodes": 31,
             "min_samples_leaf": 20, "l2_regularization": 0.0, "early_stopping": True},
            {"learning_rate": (0.02, 0.3), "max_iter": [50, 100, 200],
             "max_leaf_nodes": [7, 15, 31], "min_samples_leaf": [20, 50, 100],
             "l2_regularization": (1e-4, 10.0)},
        ),
    )
}


def get_candidate(name: str) -> Candidate:
    """The candidate called ``name``, or a ``ModelError`` listing the known ones."""
    try:
        return CANDIDATES[name]
    except KeyError:
        known = ", ".join(CANDIDATES)
        raise ModelError(f"unknown model '{name}': choose one of {known}") from None


def build_pipeline(name: str, params: Mapping[str, Any] | None = None, seed: int = 42) -> Any:
    """An unfitted ``Pipeline(preprocess -> classifier)`` with the candidate's defaults updated
    by ``params``; unknown names and invalid values fail here, not in fit."""
    from sklearn.pipeline import Pipeline
    from sklearn.utils._param_validation import InvalidParameterError

    candidate = get_candidate(name)
    unknown = sorted(set(params or {}) - set(candidate.defaults))
    if unknown:
        raise ModelError(f"unknown hyperparameter(s) {', '.join(unknown)} for model '{name}': "
                         f"it takes {', '.join(sorted(candidate.defaults))}")
    module, _, class_name = candidate.classifier.rpartition(".")
    make_classifier = getattr(importlib.import_module(module), class_name)
    try:
        classifier = make_classifier(random_state=seed, **{**candidate.defaults, **(params or {})})
        classifier._validate_params()
    except (InvalidParameterError, TypeError, ValueError) as exc:
        raise ModelError(f"invalid hyperparameter for model '{name}': {exc}") from None
    return Pipeline([("preprocess", build_preprocessor()), ("classifier", classifier)])


def sample_params(name: str, trials: int, seed: int) -> list[Params]:
    """``trials`` hyperparameter sets for a randomised search; the defaults always come first.

    Trying the defaults first means tuning can only match or beat the untuned model.
    """
    from scipy.stats import loguniform
    from sklearn.model_selection import ParameterSampler

    if trials < 1:
        raise ModelError(f"trials must be at least 1, got {trials}")
    candidate = get_candidate(name)
    space = {key: loguniform(*values) if isinstance(values, tuple) else values
             for key, values in candidate.search_space.items()}
    sampled: list[Params] = [dict(candidate.defaults)]
    if space and trials > 1:
        for drawn in ParameterSampler(space, n_iter=trials - 1, random_state=seed):
            # numpy scalars -> Python numbers, so parameters log and round-trip as JSON
            sampled.append({**candidate.defaults,
                            **{k: v.item() if hasattr(v, "item") else v for k, v in drawn.items()}})
    return sampled

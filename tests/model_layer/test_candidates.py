"""Candidates: built from the feature spec; bad model names and hyperparameters refused."""

from __future__ import annotations

import numpy as np
import pytest

from demo.commands import parse_param
from demo.errors import ModelError
from demo.feature_spec import CATEGORICAL_INPUTS, FEATURES_BY_NAME, NUMERIC_INPUTS, UNKNOWN
from demo.model_layer.candidates import CANDIDATES, build_pipeline, sample_params
from tests.model_layer.conftest import gold_frame


def test_the_three_candidates_exist() -> None:
    assert list(CANDIDATES) == ["baseline", "logistic_regression", "hist_gradient_boosting"]


def test_preprocessing_comes_from_the_feature_spec() -> None:
    pipeline = build_pipeline("logistic_regression")
    preprocess = pipeline.named_steps["preprocess"]
    columns = {name: cols for name, _, cols in preprocess.transformers}
    assert columns["numeric"] == list(NUMERIC_INPUTS)
    assert columns["categorical"] == list(CATEGORICAL_INPUTS)
    # unfitted, yet the categories are already fixed: they come from the spec, not the data
    one_hot = {name: step for name, step, _ in preprocess.transformers}["categorical"]
    assert one_hot.handle_unknown == "ignore"
    assert one_hot.categories[CATEGORICAL_INPUTS.index("contract")] == list(
        FEATURES_BY_NAME["contract"].allowed)


def test_unseen_and_unknown_categories_are_scored_not_refused() -> None:
    gold = gold_frame(600, seed=3)
    model = build_pipeline("logistic_regression").fit(gold, gold["churn"])
    odd = gold.head(3).copy()
    odd["payment_method"] = ["Bitcoin", UNKNOWN, "Mailed check"]
    probabilities = model.predict_proba(odd)[:, 1]
    assert np.all((probabilities > 0) & (probabilities < 1))


def test_unknown_model_name_is_refused_with_the_known_names() -> None:
    with pytest.raises(ModelError, match="unknown model 'xgboost'.*logistic_regression"):
        build_pipeline("xgboost")


def test_unknown_hyperparameter_is_refused() -> None:
    with pytest.raises(ModelError, match="unknown hyperparameter.*depth.*logistic_regression"):
        build_pipeline("logistic_regression", {"depth": 3})


@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        ("logistic_regression", {"C": -1.0}, "'C'"),
        ("hist_gradient_boosting", {"learning_rate": 0}, "learning_rate"),
        ("hist_gradient_boosting", {"max_iter": "many"}, "max_iter"),
        ("baseline", {"strategy": "guess"}, "strategy"),
    ],
)
def test_invalid_hyperparameter_values_are_refused(name: str, params: dict,
                                                   expected: str) -> None:
    with pytest.raises(ModelError, match=f"invalid hyperparameter for model '{name}'.*{expected}"):
        build_pipeline(name, params)


def test_search_starts_from_the_defaults_and_is_seeded() -> None:
    first = sample_params("hist_gradient_boosting", 4, seed=1)
    assert first[0] == CANDIDATES["hist_gradient_boosting"].defaults
    assert first == sample_params("hist_gradient_boosting", 4, seed=1)
    assert first != sample_params("hist_gradient_boosting", 4, seed=2)
    assert len(first) == 4 and all(set(p) == set(first[0]) for p in first)
    assert sample_params("baseline", 5, seed=1) == [{"strategy": "prior"}]
    with pytest.raises(ModelError, match="trials must be at least 1"):
        sample_params("logistic_regression", 0, seed=1)


def test_cli_params_parse_as_json_values() -> None:
    assert parse_param("logistic_regression.C=0.5") == ("logistic_regression", "C", 0.5)
    assert parse_param("logistic_regression.class_weight=balanced")[2] == "balanced"
    assert parse_param("hist_gradient_boosting.max_iter=50")[2] == 50
    with pytest.raises(ModelError, match="expected MODEL.NAME=VALUE"):
        parse_param("C=0.5")

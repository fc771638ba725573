"""The split (stratified, seeded, recorded), bad training tables, and the cost threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from demo.errors import ModelError
from demo.feature_spec import CATEGORICAL_INPUTS, FEATURES_BY_NAME, MODEL_INPUTS, NUMERIC_INPUTS
from demo.model_layer.candidates import build_pipeline
from demo.model_layer.evaluate import (
    BusinessCosts,
    choose_threshold,
    classification_metrics,
    evaluation_figures,
    expected_cost,
    permutation_importance_table,
    transformed_blocks,
)
from demo.model_layer.split import (
    check_trainable,
    features,
    label_vector,
    split_gold,
)
from tests.model_layer.conftest import gold_frame


@pytest.fixture(scope="module")
def gold() -> pd.DataFrame:
    return gold_frame(2_000, seed=5)


def test_split_is_stratified_disjoint_complete_and_seeded(gold: pd.DataFrame) -> None:
    split = split_gold(gold, seed=3)
    sizes = split.sizes()
    assert sum(sizes.values()) == len(gold)
    assert sizes == {"train": 1200, "validation": 400, "test": 400}
    ids = [set(frame["customer_id"]) for frame in split.frames().values()]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    rate = gold["churn"].mean()
    for frame in split.frames().values():
        assert abs(frame["churn"].mean() - rate) < 0.01
    again = split_gold(gold, seed=3)
    assert again.test["customer_id"].tolist() == split.test["customer_id"].tolist()
    assert split_gold(gold, seed=4).test["customer_id"].tolist() != split.test[
        "customer_id"].tolist()
    manifest = split.manifest()
    assert sorted(manifest["customer_id"]) == sorted(gold["customer_id"])
    assert manifest["split"].value_counts().to_dict() == sizes


def test_split_does_not_modify_its_input(gold: pd.DataFrame) -> None:
    before = gold.copy()
    split_gold(gold, seed=1)
    pd.testing.assert_frame_equal(gold, before)


def test_holdout_split_keeps_the_given_rows_as_test(gold: pd.DataFrame) -> None:
    split = split_gold(gold.iloc[:1500], seed=1, holdout=gold.iloc[1500:])
    assert split.test["customer_id"].tolist() == gold["customer_id"].iloc[1500:].tolist()
    assert len(split.train) + len(split.validation) == 1500


def test_empty_table_is_refused(gold: pd.DataFrame) -> None:
    with pytest.raises(ModelError, match="training table is empty"):
        check_trainable(gold.iloc[:0])


def test_single_class_table_is_refused(gold: pd.DataFrame) -> None:
    stayers = gold[gold["churn"] == 0]
    with pytest.raises(ModelError, match=f"single class: all {len(stayers)} customers stayed"):
        check_trainable(stayers)


def test_too_few_rows_of_a_class_is_refused(gold: pd.DataFrame) -> None:
    few = pd.concat([gold[gold["churn"] == 0], gold[gold["churn"] == 1].head(3)])
    with pytest.raises(ModelError, match="only 3 row"):
        check_trainable(few)


def test_missing_column_and_bad_labels_are_named(gold: pd.DataFrame) -> None:
    with pytest.raises(ModelError, match="missing model input column.*tenure"):
        check_trainable(gold.drop(columns="tenure"))
    with pytest.raises(ModelError, match="no 'churn' column"):
        check_trainable(gold.drop(columns="churn"))
    bad = gold.assign(churn=gold["churn"].astype(str).replace({"1": "maybe"}))
    with pytest.raises(ModelError, match="'churn' has .* not 0/1.*'maybe'"):
        check_trainable(bad)


def test_expected_cost_matches_a_hand_count() -> None:
    costs = BusinessCosts(offer_cost=50, lost_customer_cost=500, offer_success_rate=0.5)
    labels = np.array([1, 1, 0, 0])
    flagged = np.array([True, False, True, False])
    # two offers (100) + one unflagged churner (500) + one offered churner who leaves anyway
    # half the time (250) = 850 over 4 customers
    assert expected_cost(labels, flagged, costs) == pytest.approx(212.5)


def test_threshold_follows_the_costs() -> None:
    rng = np.random.default_rng(0)
    probabilities = rng.random(5_000)
    labels = (rng.random(5_000) < probabilities).astype(int)  # calibrated scores
    cheap, _ = choose_threshold(labels, probabilities, BusinessCosts(10, 500, 0.5))
    dear, _ = choose_threshold(labels, probabilities, BusinessCosts(200, 500, 0.5))
    # with calibrated scores the optimum is offer / (success rate * lost value)
    assert cheap == pytest.approx(10 / 250, abs=0.03)
    assert dear == pytest.approx(200 / 250, abs=0.06)


def test_metrics_and_figures_cover_the_required_set() -> None:
    labels = np.array([0, 0, 1, 1, 0, 1, 0, 1])
    probabilities = np.array([0.1, 0.4, 0.35, 0.8, 0.2, 0.9, 0.6, 0.7])
    values = classification_metrics(labels, probabilities, 0.5, BusinessCosts())
    for name in ("roc_auc", "pr_auc", "f1", "precision", "recall", "log_loss", "brier",
                 "expected_cost_per_customer"):
        assert np.isfinite(values[name]), name
    assert values["roc_auc"] == pytest.approx(14 / 16)  # 14 of 16 churner-stayer pairs in order
    assert values["precision"] == pytest.approx(0.75) and values["recall"] == pytest.approx(0.75)
    importance = pd.DataFrame({"feature": ["a", "b"], "importance_mean": [0.1, 0.0],
                               "importance_std": [0.01, 0.0]})
    figures = evaluation_figures(labels, probabilities, 0.5, importance, "test")
    assert set(figures) == {"confusion_matrix.png", "roc_curve.png", "pr_curve.png",
                            "calibration_curve.png", "permutation_importance.png"}



def test_permutation_importance_shuffles_each_raw_column_as_one_block() -> None:
    gold = gold_frame(1_500, seed=8)
    model = build_pipeline("logistic_regression").fit(features(gold), label_vector(gold))
    preprocess = model.named_steps["preprocess"]
    blocks = transformed_blocks(preprocess)
    assert list(blocks) == [*NUMERIC_INPUTS, *CATEGORICAL_INPUTS]
    assert len(blocks["contract"]) == len(FEATURES_BY_NAME["contract"].allowed)
    width = preprocess.transform(features(gold.head(2))).shape[1]
    assert sorted(i for block in blocks.values() for i in block) == list(range(width))
    table = permutation_importance_table(model, features(gold), label_vector(gold), seed=1)
    assert set(table["feature"]) == {f.name for f in MODEL_INPUTS}
    importance = dict(zip(table["feature"], table["importance_mean"], strict=True))
    assert table["feature"].iloc[0] == "contract"  # the strongest driver in the generator
    assert importance["contract"] > 0.05 > abs(importance["gender"])

"""Tests for exercise 06 (best practices): a threshold from costs, a leaking feature, models
against a baseline, the simplest model that is good enough, which tracked runs can be
rebuilt, an incident of training/serving skew, and a drift alarm to tell from a broken
release."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from demo.data_layer.clean import clean
from demo.data_layer.features import build_gold
from demo.data_layer.ingest import to_bronze
from demo.labs import (
    PRODUCTION_DRIFT_FILE,
    SERVED_FILE,
    break_drift,
    break_skew,
    served_features,
)
from demo.model_layer.evaluate import BusinessCosts
from demo.settings import Settings
from demo.synthetic.scenarios import generate_batch
from grading.labs import (
    FIX_FOR_KIND,
    POINTS_FOR_REPAIR,
    Incident,
    diagnosed,
    diagnosis_test,
    incidents,
)
from grading.quiz import quiz_test

# A fixed ingestion time: the reference's expected scores are kept per batch, by their inputs,
# and the clock would make every student's gold table (and so every answer) new.
INGESTED_AT = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def gold() -> pd.DataFrame:
    bronze = to_bronze(generate_batch(2500, seed=12), "batch.csv", ingested_at=INGESTED_AT)
    return build_gold(clean(bronze).silver)


def as_matrix(costs: BusinessCosts) -> dict[str, float]:
    """The model layer's business costs written as a cost matrix."""
    lost = costs.lost_customer_cost
    return {"tp": costs.offer_cost + (1 - costs.offer_success_rate) * lost,
            "fp": costs.offer_cost, "fn": lost, "tn": 0.0}


def scored_sample(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels drawn from known probabilities: a calibrated model's output."""
    rng = np.random.default_rng(seed)
    probabilities = rng.beta(2, 5, 4000)
    return (rng.random(4000) < probabilities).astype(int), probabilities


# Cost matrices a retention team could face: the model layer's business costs, and two it
# cannot state (a cost for every customer left alone, a reward for a saved churner).
COST_MATRICES = (
    as_matrix(BusinessCosts()),
    as_matrix(BusinessCosts(offer_cost=200.0, offer_success_rate=0.3)),
    as_matrix(BusinessCosts(offer_cost=10.0, lost_customer_cost=100.0)),
    {"tp": 120.0, "fp": 40.0, "fn": 300.0, "tn": 15.0},
    {"tp": -80.0, "fp": 60.0, "fn": 250.0, "tn": 0.0},
)


@pytest.mark.question("q1")
@pytest.mark.points(2)
def test_threshold_is_the_cheapest_for_each_cost_matrix(nb, reference, variant_seed) -> None:
    """For each cost matrix, the threshold with the lowest average cost per customer."""
    labels, probabilities = scored_sample(variant_seed(1))
    for costs in COST_MATRICES:
        expected = reference.best_threshold(labels, probabilities, costs)
        got = nb.best_threshold(labels, probabilities, costs)
        assert isinstance(got, float), f"best_threshold should return a float, got {type(got).__name__}"
        assert got == pytest.approx(expected), (
            f"with costs {costs} the cheapest threshold is {expected}, got {got}"
        )


@pytest.mark.question("q1")
@pytest.mark.points(1)
def test_threshold_for_symmetric_costs(nb) -> None:
    """When both mistakes cost the same, a calibrated model's threshold is about 0.5."""
    labels, probabilities = scored_sample(2)
    got = nb.best_threshold(labels, probabilities, {"tp": 0.0, "fp": 1.0, "fn": 1.0, "tn": 0.0})
    assert 0.4 <= got <= 0.6, f"with equal costs the threshold should be near 0.5, got {got}"
    got = nb.best_threshold(labels, probabilities, {"tp": 1.0, "fp": 1.0, "fn": 0.0, "tn": 0.0})
    grid = np.round(np.arange(0.01, 1.0, 0.01), 2)
    expected = float(grid[grid > probabilities.max()][0])
    assert got == pytest.approx(expected), (
        f"when only flagging costs money, the cheapest threshold flags no one: the smallest "
        f"such threshold is {expected}, got {got}"
    )


@pytest.mark.question("q2")
@pytest.mark.points(1)
def test_no_leak_in_clean_gold(nb, gold: pd.DataFrame) -> None:
    """The gold table itself has no leak; a copy of the label is one."""
    got = nb.find_leaky_feature(gold)
    assert got is None, f"the plain gold table has no leak, but find_leaky_feature said {got!r}"
    copied = gold.assign(churn_copy=gold["churn"].map({1: "left", 0: "stayed"}))
    got = nb.find_leaky_feature(copied)
    assert got == "churn_copy", f"a text copy of the label is a leak: expected 'churn_copy', got {got!r}"


@pytest.mark.question("q2")
@pytest.mark.points(2)
def test_finds_a_text_and_a_numeric_leak(nb, gold: pd.DataFrame) -> None:
    """A text column and a numeric column filled in after churn are both caught."""
    rng = np.random.default_rng(5)
    churned = gold["churn"] == 1
    noise = rng.random(len(gold)) < 0.02
    text_leak = gold.assign(
        retention_status=np.where(churned ^ noise, "closed", "active"),
        support_calls=rng.poisson(2, len(gold)),
    )
    got = nb.find_leaky_feature(text_leak)
    assert got == "retention_status", f"expected the leak 'retention_status', got {got!r}"
    numeric_leak = gold.assign(
        days_since_cancellation=np.where(churned, rng.integers(1, 30, len(gold)), 0)
        + rng.normal(0, 0.5, len(gold)),
    )
    got = nb.find_leaky_feature(numeric_leak)
    assert got == "days_since_cancellation", (
        f"expected the leak 'days_since_cancellation', got {got!r}"
    )


@pytest.mark.question("q2")
@pytest.mark.points(1)
def test_leak_can_point_either_way_and_uses_other_label_names(nb, gold: pd.DataFrame) -> None:
    """A column that separates in reverse is a leak too, whatever the label is called."""
    frame = gold.rename(columns={"churn": "left"})
    frame["months_active_after"] = np.where(frame["left"] == 1, 0.0, 6.0)
    got = nb.find_leaky_feature(frame, label="left")
    assert got == "months_active_after", f"expected the leak 'months_active_after', got {got!r}"


@pytest.fixture(scope="module")
def baseline_scores(nb, gold: pd.DataFrame) -> dict[str, float]:
    with threadpool_limits(1):
        return nb.compare_to_baseline(gold, seed=3)


@pytest.mark.slow
@pytest.mark.question("q3")
@pytest.mark.points(3)
def test_models_scored_against_the_baseline(baseline_scores: dict[str, float], reference,
                                            gold: pd.DataFrame) -> None:
    """The three candidates are scored on the same held-out rows; the baseline's AUC is 0.5."""
    names = ["baseline", "logistic_regression", "hist_gradient_boosting"]
    assert isinstance(baseline_scores, dict) and sorted(baseline_scores) == sorted(names), (
        f"compare_to_baseline should return a dict with the keys {names}, got {baseline_scores!r}"
    )
    with threadpool_limits(1):
        expected = reference.compare_to_baseline(gold, seed=3)
    for name in names:
        assert baseline_scores[name] == pytest.approx(expected[name], abs=1e-6), (
            f"the {name} ROC AUC should be {expected[name]:.4f} with the recipe in the "
            f"instructions, got {baseline_scores[name]}"
        )


@pytest.mark.question("q4")
@pytest.mark.points(2)
def test_choose_model_prefers_the_simplest_good_enough(nb) -> None:
    """The first model within the margin of the best wins."""
    cases = [
        ({"baseline": 0.5, "logistic_regression": 0.84, "hist_gradient_boosting": 0.845}, 0.01,
         "logistic_regression"),
        ({"baseline": 0.5, "logistic_regression": 0.80, "hist_gradient_boosting": 0.86}, 0.01,
         "hist_gradient_boosting"),
        ({"baseline": 0.5, "logistic_regression": 0.80, "hist_gradient_boosting": 0.86}, 0.1,
         "logistic_regression"),
        ({"rules": 0.70, "small_tree": 0.75, "forest": 0.74, "deep_net": 0.76}, 0.01,
         "small_tree"),
        ({"only": 0.6}, 0.0, "only"),
    ]
    for scores, margin, expected in cases:
        got = nb.choose_model(scores, margin=margin)
        assert got == expected, f"choose_model({scores}, margin={margin}) should be {expected!r}, got {got!r}"


@pytest.mark.question("q4")
@pytest.mark.points(1)
def test_choose_model_default_margin(nb) -> None:
    """The default margin is 0.01."""
    scores = {"simple": 0.835, "complex": 0.8449}
    got = nb.choose_model(scores)
    assert got == "simple", f"0.835 is within 0.01 of 0.8449, so 'simple' should win; got {got!r}"


# -- q5: which tracked runs can be rebuilt (takeaway 2). Runs are built from a complete record
# and each given at most one defect, so the expected ids are known by construction.

DATA_HASH = "4a8d42ee6cd43892"


def complete_run(run_id: str, rng: np.random.Generator) -> dict:
    candidate = str(rng.choice(["logistic_regression", "hist_gradient_boosting"]))
    return {"run_id": run_id, "status": "FINISHED",
            "params": {"candidate": candidate, "seed": str(int(rng.integers(0, 10_000))),
                       "hp.max_iter": "1000", "cost.offer_cost": "50",
                       "cost.lost_customer_cost": "500", "cost.offer_success_rate": "0.5"},
            "tags": {"data_hash": DATA_HASH, "git_commit": f"{int(rng.integers(1 << 28)):07x}",
                     "mlflow.runName": candidate}}


DEFECTS = {  # what a record can lack, and how the run is changed to lack it
    "failed run": lambda run: run.update(status="FAILED"),
    "no seed": lambda run: run["params"].pop("seed"),
    "no candidate": lambda run: run["params"].pop("candidate"),
    "a cost not recorded": lambda run: run["params"].pop("cost.offer_success_rate"),
    "other data": lambda run: run["tags"].update(data_hash="77e1c0b2" + DATA_HASH[8:]),
    "code version unknown": lambda run: run["tags"].update(git_commit="unknown"),
    "no code version": lambda run: run["tags"].pop("git_commit"),
}


def tracked_runs(seed: int) -> tuple[list[dict], list[str], dict[str, str]]:
    """(runs, the ids a correct answer returns, the defect of each other run)."""
    rng = np.random.default_rng(seed)
    runs, good, broken = [], [], {}
    defects = [*DEFECTS, *DEFECTS]  # each defect at least twice, in a random order
    kinds = [None] * 5 + defects
    rng.shuffle(kinds)
    for index, kind in enumerate(kinds):
        run = complete_run(f"run-{index:02d}-{int(rng.integers(1 << 20)):05x}", rng)
        if kind is None:
            good.append(run["run_id"])
        else:
            DEFECTS[kind](run)
            broken[run["run_id"]] = kind
        runs.append(run)
    return runs, good, broken


@pytest.mark.question("q5")
@pytest.mark.points(3)
def test_rebuildable_runs_are_told_from_the_others(nb, variant_seed) -> None:
    """Only the runs whose record alone rebuilds them on this data are named"""
    for public in (5, 6):
        runs, good, broken = tracked_runs(variant_seed(public))
        got = nb.rebuildable(runs, DATA_HASH)
        assert type(got) is list and all(type(i) is str for i in got), (
            f"rebuildable should return a list of run ids, got {type(got).__name__}")
        wrong = [f"{i} ({broken[i]})" for i in got if i in broken]
        assert not wrong, (
            f"{len(wrong)} of these runs cannot be rebuilt from their record, e.g. {wrong[:2]}")
        missed = [i for i in good if i not in got]
        assert not missed, f"these runs have everything a rebuild needs: {missed[:2]}"


@pytest.mark.question("q5")
@pytest.mark.points(1)
def test_rebuildable_keeps_the_order_and_the_input(nb) -> None:
    """The ids come in the order given, and nothing rebuilds on an empty list"""
    runs, good, _ = tracked_runs(7)
    got = nb.rebuildable(runs, DATA_HASH)
    assert got == good, f"expected the rebuildable ids in the order given: {good}, got {got}"
    assert nb.rebuildable([], DATA_HASH) == [], "no runs, no ids"


# -- q6: an incident lab (demo/labs.py, "skew"). Workspaces are broken here, with seeds the
# learner does not see when grading; the test knows the answer because it chose the break.


def skewed_serving(folder: Path, seed: int) -> Incident:
    injection = break_skew(Settings.from_env(folder), seed)
    return Incident(folder, injection, healthy=served_features(seed)[0])


@pytest.fixture(scope="module")
def skew_incidents(variant_seed, tmp_path_factory) -> list[Incident]:
    return incidents(skewed_serving, tmp_path_factory, variant_seed, "skew")


@pytest.fixture(scope="module")
def skew_diagnoses(nb, skew_incidents) -> list:
    return diagnosed(nb, skew_incidents)


# The layer, its owner, an artifact that shows it, the feature and the fix.
test_skew_incident_is_diagnosed = diagnosis_test(
    "q6", "skew_diagnoses", lambda incident: {
        "layer": "deployment", "owner": {"MLOps engineer", "software developer"},
        "artifact": {"drift report", "served features"},
        "culprit": incident.injection.culprit,
        "fix": FIX_FOR_KIND[incident.injection.detail["kind"]]})


@pytest.mark.question("q6")
@pytest.mark.points(POINTS_FOR_REPAIR)
def test_skew_incident_is_repaired(nb, skew_incidents) -> None:
    """After the repair the served feature is the one training computed; nothing else moved"""
    for incident in skew_incidents:
        workspace = nb.files.put_folder(incident.folder, "incident")
        nb.repair(workspace)
        served = nb.files.read_parquet(workspace / SERVED_FILE)
        healthy, column = incident.healthy, incident.injection.culprit
        assert type(served) is pd.DataFrame and list(served.columns) == list(healthy.columns), (
            "the served table should keep its columns, in their order")
        assert len(served) == len(healthy), "the repair added or dropped rows"
        others = [c for c in healthy.columns if c != column]
        pd.testing.assert_frame_equal(served[others].reset_index(drop=True),
                                      healthy[others].reset_index(drop=True),
                                      check_dtype=False, obj="the other served columns")
        if incident.injection.detail["kind"] == "unit":
            same = np.allclose(served[column].astype(float), healthy[column].astype(float))
        else:
            same = served[column].astype(str).tolist() == healthy[column].astype(str).tolist()
        assert same, f"the repaired {column} is not what training computed"


# -- q7: an incident lab (demo/labs.py, "drift"): the drift monitor alarms on a production
# batch; either the customers changed or a release broke one column of the gold table.


def drifted_production(folder: Path, seed: int, story: str) -> Incident:
    settings = Settings.from_env(folder)
    injection = break_drift(settings, seed, story=story)
    silver = pd.read_parquet(next(settings.silver_dir.glob("*.parquet")))
    return Incident(folder, injection, healthy=build_gold(silver))  # what the code should make


@pytest.fixture(scope="module")
def drift_incidents(variant_seed, tmp_path_factory) -> list[Incident]:
    # one workspace a release broke, one whose customers truly drifted: both stories, always
    return incidents(drifted_production, tmp_path_factory, variant_seed, "drift",
                     stories=("broken", "drift"))


@pytest.fixture(scope="module")
def drift_diagnoses(nb, drift_incidents) -> list:
    return diagnosed(nb, drift_incidents, "diagnose_drift")


def expected_drift_diagnosis(incident: Incident) -> dict[str, str | set[str]]:
    accepted = set(incident.injection.detail["accepted"])
    if incident.injection.detail["kind"] == "drift":  # the world moved: the model must follow
        return {"layer": {"model", "deployment"}, "owner": {"data scientist", "MLOps engineer"},
                "artifact": "drift report", "culprit": accepted, "fix": "retrain the model"}
    return {"layer": "data", "owner": "data engineer",  # the code moved: undo it
            "artifact": {"gold table", "silver table"}, "culprit": accepted,
            "fix": "roll back the code"}


# Real drift or a broken release: the layer, the owner, an artifact, the feature, the fix.
test_drift_incident_is_diagnosed = diagnosis_test("q7", "drift_diagnoses",
                                                  expected_drift_diagnosis)


@pytest.mark.question("q7")
@pytest.mark.points(POINTS_FOR_REPAIR)
def test_drift_incident_is_repaired(nb, drift_incidents) -> None:
    """After the repair the gold table is what the feature code makes of the batch: a broken
    column rebuilt, a batch that truly drifted left as it is"""
    for incident in drift_incidents:
        report = json.loads((incident.folder / PRODUCTION_DRIFT_FILE).read_text())
        workspace = nb.files.put_folder(incident.folder, "incident")
        nb.repair_drift(workspace)
        gold = nb.files.read_parquet(workspace / report["current"])
        healthy = incident.healthy
        assert type(gold) is pd.DataFrame and list(gold.columns) == list(healthy.columns), (
            "the repaired gold table should keep its columns, in their order")
        features = [c for c in healthy.columns if not c.startswith("_")]
        pd.testing.assert_frame_equal(gold[features].reset_index(drop=True),
                                      healthy[features].reset_index(drop=True),
                                      check_dtype=False, obj="the repaired gold table")


# -- quiz: the lesson's knowledge check (its key and explanations: solutions/…/quiz.toml) ----

test_quiz = quiz_test("06_best_practices")

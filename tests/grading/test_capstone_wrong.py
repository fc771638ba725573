"""Plausible wrong capstone submissions lose exactly the points of what they got wrong.

- the data contract's gate switched off (the limit raised to 100 %): the broken export
  reaches gold, so ``contract_refuses`` is lost and nothing else;
- a champion no better than Northwind's rule, and an API that disagrees with batch scoring:
  judged by the same functions the checker uses, on the hidden labels.
"""

from __future__ import annotations

import pandas as pd
import pytest

from grading.capstone import (
    PRACTICE_SEED,
    api_evidence,
    beats_baseline,
    champion_scores,
    draw_data,
    load_rubric,
)
from tests.grading.capstone_support import SOLUTION, check, copy_submission

AUTO = {c.id: c.points for c in load_rubric() if c.kind == "auto"}


@pytest.fixture(scope="module")
def gate_switched_off(tmp_path_factory):
    root = tmp_path_factory.mktemp("no_gate")
    submission = copy_submission(SOLUTION, root / "no_gate")
    pipeline = submission / "pipeline.py"
    source = pipeline.read_text()
    assert "MAX_QUARANTINE_SHARE = 0.35" in source
    pipeline.write_text(source.replace("MAX_QUARANTINE_SHARE = 0.35",
                                       "MAX_QUARANTINE_SHARE = 1.0"))
    return check(submission, root / "work")


def test_a_pipeline_without_the_gate_loses_only_the_refusal(gate_switched_off):
    expected = {**AUTO, "contract_refuses": 0.0}
    assert gate_switched_off.earned == expected, gate_switched_off.evidence
    assert gate_switched_off.evidence["contract_refuses"] == (
        "a gold table was written for the broken export")


@pytest.fixture(scope="module")
def hidden(tmp_path_factory):
    return draw_data(tmp_path_factory.mktemp("data"), PRACTICE_SEED)


def test_a_champion_no_better_than_the_rule_does_not_beat_the_baseline(hidden):
    as_probabilities = 0.25 + 0.5 * hidden.rule_scores  # the rule itself, as a "model"
    beats, evidence = beats_baseline(hidden, as_probabilities)
    assert not beats, evidence


def test_the_true_churn_probability_beats_the_baseline(hidden):
    from demo.synthetic.customers import churn_probability
    from demo.synthetic.scenarios import NORTHWIND_CHURN

    customers = pd.read_csv(hidden.folder / "hidden_customers.csv")
    truth = pd.Series(churn_probability(customers, NORTHWIND_CHURN),
                      index=customers["customer_id"].astype(str))
    beats, evidence = beats_baseline(hidden, truth)
    assert beats, evidence


def test_scores_for_only_some_hidden_customers_are_refused(hidden):
    some = {i: 0.5 for i in list(hidden.hidden_labels.index)[:100]}
    scores, why = champion_scores({"probabilities": some}, hidden)
    assert scores is None and "expected all" in why


def _report(scores: pd.Series, **api_changes: object) -> dict:
    first = list(scores.index[:20])
    api = {"ready_status": 200, "predict_status": 200, "invalid_request_status": 422,
           "predictions": [{"customer_id": i, "churn_probability": float(scores[i]),
                            "version": "1"} for i in first]}
    return {"champion_version": "1", "api": {**api, **api_changes}}


def test_an_api_that_disagrees_with_batch_scoring_earns_nothing(hidden):
    scores = pd.Series(0.3, index=hidden.hidden_labels.index)
    assert api_evidence(_report(scores), scores)[0]
    shifted = _report(scores)
    shifted["api"]["predictions"][3]["churn_probability"] += 1e-3
    assert not api_evidence(shifted, scores)[0]
    assert not api_evidence(_report(scores, invalid_request_status=200), scores)[0]
    other_model = _report(scores)
    other_model["api"]["predictions"][0]["version"] = "2"
    assert not api_evidence(other_model, scores)[0]

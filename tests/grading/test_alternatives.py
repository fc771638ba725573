"""Answers that differ from the solution's: a correct alternative earns every point of its
question, and a plausible wrong one earns none of the check it gets wrong."""

from __future__ import annotations

import pandas as pd
from mlflow.models import infer_signature

from demo import feature_spec
from grading.check import check_question

INPUTS = [feature.name for feature in feature_spec.MODEL_INPUTS]


def signature_with_integers(gold: pd.DataFrame, model):
    """What the pipeline logs (demo/model_layer/tracking.py): tenure and senior_citizen as
    integers, which refuse a decimal tenure."""
    return infer_signature(gold[INPUTS], model.predict_proba(gold[INPUTS])[:, 1])


def signature_with_integer_charges(gold: pd.DataFrame, model):
    """Wrong: amounts as integers would refuse cents."""
    inputs = gold[INPUTS].astype({"monthly_charges": "int64", "total_charges": "int64"})
    return infer_signature(inputs, model.predict_proba(gold[INPUTS])[:, 1])


def test_the_pipelines_own_integer_signature_earns_full_points():
    said = check_question("03_roles", "q2", {"churn_signature": signature_with_integers})
    assert said.startswith("q2: all checks passed (4/4 points)"), said


def test_charges_declared_as_integers_lose_the_types_check():
    said = check_question("03_roles", "q2", {"churn_signature": signature_with_integer_charges})
    assert said.startswith("q2: 2 of 3 checks passed (3/4 points)"), said
    assert "input 'monthly_charges' (float) should be one of ['double', 'float'], got long" in said

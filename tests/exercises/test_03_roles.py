"""Tests for exercise 03 (roles and hand-offs): the RACI matrix, the signature, the schema,
and owners for a small team's system."""

from __future__ import annotations

import pandas as pd
import pytest

from demo import feature_spec
from demo.data_layer.clean import clean
from demo.data_layer.features import build_gold
from demo.data_layer.ingest import to_bronze
from demo.paths import DATASETS_DIR
from demo.synthetic.scenarios import generate_batch
from grading.design import Brief, design_tests
from grading.exports import Recipe, refused_fields
from grading.quiz import quiz_test

STEPS = ["ingest", "clean", "validate", "features", "train", "register", "serve", "monitor",
         "retrain"]
LETTERS = {"R", "A", "AR", "C", "I", ""}
INPUT_NAMES = [feature.name for feature in feature_spec.MODEL_INPUTS]


def role_names() -> list[str]:
    return list(pd.read_csv(DATASETS_DIR / "roles.csv")["role"])


def role_named(word: str) -> str:
    """The role in roles.csv whose name contains ``word`` (e.g. 'engineer' words)."""
    matches = [role for role in role_names() if word.lower() in role.lower()]
    assert len(matches) == 1, f"roles.csv should have one role matching {word!r}"
    return matches[0]


@pytest.fixture
def raci(nb) -> pd.DataFrame:
    matrix = nb.build_raci()
    assert isinstance(matrix, pd.DataFrame), (
        f"build_raci() should return a pandas DataFrame, got {type(matrix).__name__}"
    )
    missing_steps = [step for step in STEPS if step not in matrix.index]
    missing_roles = [role for role in role_names() if role not in matrix.columns]
    assert not missing_steps and not missing_roles, (
        f"the matrix needs a row per step and a column per role; missing rows "
        f"{missing_steps or 'none'}, missing columns {missing_roles or 'none'}"
    )
    return matrix


@pytest.mark.question("q1")
@pytest.mark.points(1)
def test_raci_has_steps_and_roles(raci: pd.DataFrame) -> None:
    """The matrix has the pipeline's steps as rows and the roles as columns."""
    assert list(raci.index) == STEPS, (
        f"the rows should be the pipeline steps in order {STEPS}, got {list(raci.index)}"
    )
    assert sorted(raci.columns) == sorted(role_names()), (
        f"the columns should be the roles of roles.csv {role_names()}, got {list(raci.columns)}"
    )
    odd = sorted({str(v) for v in raci.to_numpy().ravel()} - LETTERS)
    assert not odd, f"cells may only hold R, A, AR, C, I or an empty string; found {odd}"


@pytest.mark.question("q1")
@pytest.mark.points(1)
def test_raci_one_accountable_and_a_responsible_per_step(raci: pd.DataFrame) -> None:
    """Each step has exactly one accountable role and a responsible one."""
    for step in STEPS:
        row = raci.loc[step]
        accountable = [role for role, cell in row.items() if "A" in str(cell)]
        responsible = [role for role, cell in row.items() if "R" in str(cell)]
        assert len(accountable) == 1, (
            f"step '{step}' should have exactly one accountable role, got {accountable or 'none'}"
        )
        assert responsible, f"step '{step}' has no responsible role"


@pytest.mark.question("q1")
@pytest.mark.points(2)
def test_raci_owners_follow_the_missions(raci: pd.DataFrame) -> None:
    """Each role is responsible for the steps its mission covers."""
    owners = {
        role_named("data engineer"): ["ingest", "clean", "validate"],
        role_named("data scientist"): ["features", "train"],
        role_named("mlops"): ["register", "monitor", "retrain"],
    }
    for role, steps in owners.items():
        for step in steps:
            cell = str(raci.loc[step, role])
            assert "R" in cell, f"the {role} should be responsible for '{step}', got {cell!r}"
    serving = {role_named("mlops"), role_named("developer")}
    serve_responsible = {role for role, cell in raci.loc["serve"].items() if "R" in str(cell)}
    assert serve_responsible & serving, (
        f"'serve' should have the MLOps engineer or the software developer as responsible, "
        f"got {sorted(serve_responsible)}"
    )


@pytest.mark.question("q1")
@pytest.mark.points(1)
def test_raci_business_analyst_and_everyone_take_part(raci: pd.DataFrame) -> None:
    """The business analyst is involved, and no role is idle."""
    analyst = role_named("analyst")
    on_train = str(raci.loc["train", analyst])
    assert on_train in {"C", "A", "AR"}, (
        f"the {analyst} should be consulted or accountable on 'train', got {on_train!r}"
    )
    assert str(raci.loc["monitor", analyst]) != "", (
        f"the {analyst} should at least be informed on 'monitor'"
    )
    idle = [role for role in raci.columns if (raci[role].astype(str) == "").all()]
    assert not idle, f"every role should take part in at least one step; idle: {idle}"


def gold_sample(rows: int, seed: int) -> pd.DataFrame:
    """A gold table made by the data layer from a generated raw batch."""
    return build_gold(clean(to_bronze(generate_batch(rows, seed), "batch.csv")).silver)


@pytest.fixture(scope="module")  # asked once: the three tests read the same signature
def signature(nb):
    from mlflow.models import ModelSignature

    gold = gold_sample(200, seed=3)
    model = Recipe("prior_classifier", gold[INPUT_NAMES], gold["churn"])
    exported = nb.exported("signature", "churn_signature", gold, model)
    assert exported["is_signature"], (
        f"churn_signature should return an mlflow ModelSignature, got {exported['type']}"
    )
    assert 0 not in nb.changed_arguments, (
        "churn_signature changed the gold table it was given; work on a copy")
    return ModelSignature.from_dict(exported["signature"])


@pytest.mark.question("q2")
@pytest.mark.points(2)
def test_signature_inputs_are_the_model_inputs(signature) -> None:
    """The signature's inputs are exactly the model inputs."""
    names = signature.inputs.input_names()
    assert names == INPUT_NAMES, (
        f"the signature's inputs should be the {len(INPUT_NAMES)} model inputs in the spec's "
        f"order (no id, label or lineage); got {names}"
    )


@pytest.mark.question("q2")
@pytest.mark.points(1)
def test_signature_input_types(signature) -> None:
    """Categories are strings; whole-number inputs are integers or doubles; amounts are doubles."""
    types = {name: getattr(kind, "name", str(kind))
             for name, kind in zip(signature.inputs.input_names(), signature.inputs.input_types())}
    whole = {"integer", "long", "float", "double"}  # integers refuse decimals; doubles accept them
    for name in feature_spec.CATEGORICAL_INPUTS:
        assert types.get(name) == "string", f"input '{name}' should be string, got {types.get(name)}"
    for name in feature_spec.NUMERIC_INPUTS:
        kind = feature_spec.FEATURES_BY_NAME[name].kind
        allowed = whole if kind in ("integer", "binary") else {"float", "double"}
        assert types.get(name) in allowed, (
            f"input '{name}' ({kind}) should be one of {sorted(allowed)}, got {types.get(name)}"
            + (": an integer type would refuse cents" if kind == "float" else ""))


@pytest.mark.question("q2")
@pytest.mark.points(1)
def test_signature_output_is_one_probability(signature) -> None:
    """The output is one probability per customer."""
    assert signature.outputs is not None, "the signature has no output: pass the probabilities"
    spec = signature.outputs.to_dict()
    assert len(spec) == 1, f"the signature should have one output, got {len(spec)}"
    kind = spec[0].get("type")
    dtype = str(spec[0].get("tensor-spec", {}).get("dtype", ""))
    shape = spec[0].get("tensor-spec", {}).get("shape", [-1])
    assert kind == "double" or (dtype == "float64" and len(shape) == 1), (
        f"the output should be one float64 probability per row, got {spec[0]}"
    )


def request_schema(nb) -> dict:
    """The JSON schema of the learner's request model (checked here, not on their side)."""
    exported = nb.exported("request_model", "make_request_model")
    assert exported["is_model"], (
        f"make_request_model() should return a pydantic model class, got {exported['type']}"
    )
    return exported["schema"]


@pytest.mark.question("q3")
@pytest.mark.points(1)
def test_request_fields_are_the_model_inputs(nb) -> None:
    """The request has one required field per model input."""
    schema = request_schema(nb)
    fields = list(schema.get("properties", {}))
    assert sorted(fields) == sorted(INPUT_NAMES), (
        f"the request should have one field per model input {INPUT_NAMES}, got {fields}"
    )
    optional = [name for name in fields if name not in schema.get("required", [])]
    assert not optional, f"every field should be required; optional: {optional}"


@pytest.mark.question("q3")
@pytest.mark.points(1)
def test_request_accepts_real_customers(nb) -> None:
    """Realistic customers are accepted."""
    example = feature_spec.example_customer()
    records = gold_sample(50, seed=5)[INPUT_NAMES].to_dict(orient="records")
    records = [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()} for r in records]
    schema = request_schema(nb)
    first, *others = [refused_fields(schema, payload) for payload in [example, *records]]
    assert first == [], (
        f"the spec's example customer should be valid, but these fields were refused: {first}"
    )
    for record, refused in zip(records, others):
        assert not refused, f"a realistic customer was refused on {refused}: {record}"


@pytest.mark.question("q3")
@pytest.mark.points(2)
def test_request_rejects_values_outside_the_spec(nb) -> None:
    """Values outside the spec are refused on their field."""
    cases = [("contract", "Weekly"), ("internet_service", "fiber optic"), ("tenure", 73),
             ("tenure", -1), ("monthly_charges", 250.5), ("senior_citizen", 2)]
    payloads = [{**feature_spec.example_customer(), field: value} for field, value in cases]
    schema = request_schema(nb)
    for (field, value), payload in zip(cases, payloads):
        refused = refused_fields(schema, payload)
        assert field in refused, (
            f"a request with {field}={value!r} should be refused on '{field}', "
            f"got refusals on {refused or 'nothing'}"
        )


@pytest.mark.question("q3")
@pytest.mark.points(1)
def test_request_rejects_missing_and_unknown_fields(nb) -> None:
    """Missing and unknown fields are refused."""
    missing = {k: v for k, v in feature_spec.example_customer().items() if k != "tenure"}
    extra = {**feature_spec.example_customer(), "customer_id": "0000-AAAAA"}
    schema = request_schema(nb)
    without_tenure, with_id = (refused_fields(schema, p) for p in (missing, extra))
    assert "tenure" in without_tenure, "a request without 'tenure' was accepted"
    assert "customer_id" in with_id, (
        "a request with the unknown field 'customer_id' was accepted; forbid extra fields"
    )


# -- q4: owners for Hollow Pines Energy's small team (grading/design.py holds the checks).
# The reasons are not scored here: make grade lists them on the rubric sheet.

HOLLOW_PINES = Brief(
    platform="databricks",
    needs={
        "batch scoring": "the retention manager reads a weekly list",
        "model registry": "the scoring job must find the approved model by name",
        "monitoring": "nobody watches the system full-time, so it must raise its own alarm",
    },
    rules_out={"managed endpoints": "nobody needs a score within a request"},
    team=("business analyst", "data engineer", "data scientist"),
)
(test_owners_cover_every_stage, test_owners_meet_the_brief,
 test_owners_services_exist_on_the_platform, test_owners_fit_their_roles,
 test_rubric_owner_reasons) = design_tests("q4", HOLLOW_PINES)


# -- quiz: the lesson's knowledge check (its key and explanations: solutions/…/quiz.toml) ----

test_quiz = quiz_test("03_roles")

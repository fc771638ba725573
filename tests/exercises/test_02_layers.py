"""Tests for exercise 02 (the three layers): a cleaning rule, an expectation, the PSI, the
layers laid out for a brief, and an incident to diagnose and repair."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from demo import feature_spec
from demo.data_layer.clean import clean
from demo.data_layer.ingest import read_raw_csv, to_bronze
from demo.labs import INCOMING_FILE, break_contract, contract_delivery
from demo.paths import SAMPLE_RAW_CSV
from demo.settings import Settings
from demo.synthetic.scenarios import generate_batch
from grading.design import Brief, design_tests
from grading.exports import passes_expectation, rebuilt_expectation
from grading.labs import (
    FIX_FOR_KIND,
    POINTS_FOR_REPAIR,
    Incident,
    diagnosed,
    diagnosis_test,
    incidents,
)
from grading.quiz import quiz_test


def bronze_rows(rows: list[tuple[str, str | None, str | None]]) -> pd.DataFrame:
    """A tiny bronze table: (customer_id, tenure, total_charges) as text."""
    frame = pd.DataFrame(rows, columns=["customer_id", "tenure", "total_charges"], dtype="str")
    frame["monthly_charges"] = "50.0"
    return frame


CASES = [
    ("A-1", "12", "600.5", 600.5, None),
    ("A-2", "0", " ", 0.0, None),
    ("A-3", " 0 ", "", 0.0, None),
    ("A-4", "0", None, 0.0, None),
    ("A-5", "30", " ", None, "total_charges missing"),
    ("A-6", None, " ", None, "total_charges missing"),
    ("A-7", "5", "abc", None, "total_charges not a number"),
    ("A-8", "24", "-120.75", None, "total_charges negative"),
    ("A-9", "3", " 150.25 ", 150.25, None),
]


def cleaned(nb, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    result = nb.clean_total_charges(frame)
    assert isinstance(result, tuple) and len(result) == 2, (
        f"clean_total_charges should return a pair (repaired, quarantined), got {type(result).__name__}"
    )
    repaired, quarantined = result
    for name, part in (("repaired", repaired), ("quarantined", quarantined)):
        assert isinstance(part, pd.DataFrame), f"{name} should be a DataFrame, got {type(part).__name__}"
    assert 0 not in nb.changed_arguments, (
        "clean_total_charges changed the bronze table it was given; work on a copy")
    return repaired, quarantined


@pytest.mark.question("q1")
@pytest.mark.points(2)
def test_cleaning_rule_repairs_what_it_can(nb) -> None:
    """Numbers become floats and a new customer's blank becomes 0.0."""
    repaired, _ = cleaned(nb, bronze_rows([case[:3] for case in CASES]))
    assert pd.api.types.is_float_dtype(repaired["total_charges"]), (
        f"repaired total_charges should be floats, got dtype {repaired['total_charges'].dtype}"
    )
    got = dict(zip(repaired["customer_id"], repaired["total_charges"]))
    for customer, tenure, total, expected, _ in CASES:
        if expected is None:
            continue
        assert customer in got, (
            f"the row with tenure={tenure!r}, total_charges={total!r} should be repaired, "
            "but it is not in `repaired`"
        )
        assert got[customer] == pytest.approx(expected), (
            f"tenure={tenure!r}, total_charges={total!r} should become {expected}, got {got[customer]}"
        )


@pytest.mark.question("q1")
@pytest.mark.points(2)
def test_cleaning_rule_quarantines_with_reasons(nb) -> None:
    """The other rows are quarantined with their original values and one reason each."""
    frame = bronze_rows([case[:3] for case in CASES])
    _, quarantined = cleaned(nb, frame)
    assert "quarantine_reason" in quarantined.columns, "quarantined has no 'quarantine_reason' column"
    reasons = dict(zip(quarantined["customer_id"], quarantined["quarantine_reason"]))
    for customer, tenure, total, _, reason in CASES:
        if reason is None:
            assert customer not in reasons, (
                f"tenure={tenure!r}, total_charges={total!r} can be repaired; it should not be "
                f"quarantined (got reason {reasons.get(customer)!r})"
            )
        else:
            assert reasons.get(customer) == reason, (
                f"tenure={tenure!r}, total_charges={total!r} should be quarantined with "
                f"reason {reason!r}, got {reasons.get(customer, 'not quarantined')!r}"
            )
    originals = frame.set_index("customer_id")["total_charges"]
    for customer, value in zip(quarantined["customer_id"], quarantined["total_charges"]):
        assert value == originals[customer], (
            f"a quarantined row keeps its original total_charges {originals[customer]!r}, "
            f"got {value!r}"
        )


@pytest.mark.question("q1")
@pytest.mark.points(2)
def test_cleaning_rule_accounts_for_every_row_of_the_sample(nb) -> None:
    """On the real sample file, every bronze row lands in exactly one of the two tables."""
    bronze = to_bronze(read_raw_csv(SAMPLE_RAW_CSV), SAMPLE_RAW_CSV.name).frame
    repaired, quarantined = cleaned(nb, bronze)
    assert len(repaired) + len(quarantined) == len(bronze), (
        f"{len(bronze)} rows went in but {len(repaired)} repaired + {len(quarantined)} "
        f"quarantined = {len(repaired) + len(quarantined)} came out"
    )
    together = repaired.index.append(quarantined.index)
    assert together.is_unique and set(together) == set(bronze.index), (
        "both tables should keep the input's index, each row in exactly one of them"
    )
    assert set(bronze.columns) <= set(repaired.columns), "repaired lost some of the input's columns"
    assert repaired["total_charges"].ge(0).all(), "repaired has a negative total_charges"
    expected = {"total_charges missing", "total_charges negative"}
    found = set(quarantined["quarantine_reason"])
    assert expected <= found, (
        f"the sample has blank totals for old customers and negative totals; expected the "
        f"reasons {sorted(expected)}, found {sorted(found)}"
    )


def clean_silver(rows: int) -> pd.DataFrame:
    """Clean customers as silver holds them: categories as text, numbers as numbers."""
    frame = generate_batch(rows, seed=4, dirty=False)
    return frame.astype({name: "str" for name in feature_spec.CATEGORICAL_INPUTS})


DEFECTS = [("contract", "Weekly"), ("internet_service", "fiber optic"), ("tenure", 99),
           ("monthly_charges", -5.0), ("senior_citizen", 2)]


def learners_expectation(nb, feature: str):
    """The learner's expectation for ``feature``, rebuilt here from its class and arguments."""
    exported = nb.exported("expectation", "expectation_for", feature)
    assert exported["is_expectation"], (
        f"expectation_for({feature!r}) should return a Great Expectations expectation, "
        f"got {exported['type']}"
    )
    expectation = rebuilt_expectation(exported)
    assert expectation is not None, f"{exported['type']} is not a Great Expectations expectation"
    return expectation


@pytest.mark.slow
@pytest.mark.question("q2")
@pytest.mark.points(1)
def test_expectation_is_about_the_feature(nb) -> None:
    """The expectation is a Great Expectations expectation on the feature's column."""
    for feature, _ in DEFECTS:
        expectation = learners_expectation(nb, feature)
        assert getattr(expectation, "column", None) == feature, (
            f"expectation_for({feature!r}) should be about column {feature!r}, "
            f"got {getattr(expectation, 'column', None)!r}"
        )


@pytest.mark.slow
@pytest.mark.question("q2")
@pytest.mark.points(3)
def test_expectation_passes_clean_data_and_catches_the_defect(nb) -> None:
    """The expectation passes on clean data and fails when one value breaks the spec."""
    silver = clean_silver(300)
    for feature, bad_value in DEFECTS:
        expectation = learners_expectation(nb, feature)
        assert passes_expectation(expectation, silver), (
            f"the expectation for {feature!r} fails on clean data; it should pass"
        )
        broken = silver.copy()
        broken.loc[broken.index[7], feature] = bad_value
        assert not passes_expectation(expectation, broken), (
            f"one row with {feature}={bad_value!r} breaks the spec, but the expectation passed"
        )


def charges(scenario: str, seed: int) -> np.ndarray:
    return generate_batch(3000, seed, scenario, dirty=False)["monthly_charges"].to_numpy()


@pytest.mark.question("q3")
@pytest.mark.points(1)
def test_psi_of_a_sample_with_itself_is_zero(nb) -> None:
    """A sample compared with itself has a PSI of 0, a shifted one does not."""
    sample = charges("baseline", 1)
    got = nb.psi(sample, sample)
    assert isinstance(got, float), f"psi should return a float, got {type(got).__name__}"
    assert got == pytest.approx(0.0, abs=1e-9), f"psi(x, x) should be 0, got {got}"
    shifted = nb.psi(sample, sample + 20.0)
    assert shifted > 0.2, f"a sample shifted by $20 should give a PSI above 0.2, got {shifted}"


@pytest.mark.question("q3")
@pytest.mark.points(2)
def test_psi_reads_the_drift_right(nb, reference) -> None:
    """Same population: stable; a 15 % price rise: a significant shift."""
    training = charges("baseline", 1)
    for scenario, reading in (("baseline", "below 0.1"), ("price_rise", "above 0.2")):
        traffic = charges(scenario, 2)
        got = nb.psi(training, traffic)
        expected = reference.psi(training, traffic)
        assert got == pytest.approx(expected, rel=0.05, abs=0.005), (
            f"PSI of monthly_charges, baseline vs {scenario}: expected about {expected:.3f} "
            f"({reading}), got {got}"
        )


@pytest.mark.question("q3")
@pytest.mark.points(1)
def test_psi_handles_empty_bins(nb, reference) -> None:
    """A bin one sample never reaches counts as a share of 0.0001."""
    expected_sample = np.arange(1000, dtype=float)
    actual_sample = np.full(500, 10.0)
    got = nb.psi(expected_sample, actual_sample, bins=4)
    want = reference.psi(expected_sample, actual_sample, bins=4)
    assert np.isfinite(got) and got == pytest.approx(want, rel=0.01), (
        f"with all new values in one bin the PSI should be about {want:.2f}, got {got}"
    )


# -- q4: the three layers for Kestrel Broadband's brief (grading/design.py holds the checks).
# The reasons are not scored here: make grade lists them on the rubric sheet.

KESTREL_BROADBAND = Brief(
    platform="aws",
    needs={
        "managed endpoints": "the score is needed while the agent is on the call",
        "feature store": "the same features feed nightly training and the live score",
        "monitoring": "prices change often, and drift should trigger retraining",
    },
    rules_out={"Kubernetes": "nobody on the team runs a cluster, and a managed endpoint "
                             "serves without one"},
)
(test_layers_cover_every_stage, test_layers_meet_the_brief,
 test_layers_services_exist_on_the_platform, test_layers_owners_fit_their_roles,
 test_rubric_layer_reasons) = design_tests("q4", KESTREL_BROADBAND)


# -- q5: an incident lab (demo/labs.py, "contract"). Workspaces are broken here, with seeds the
# learner does not see when grading; the test knows the answer because it chose the break.


def broken_delivery(folder: Path, seed: int) -> Incident:
    injection = break_contract(Settings.from_env(folder), seed)
    return Incident(folder, injection, healthy=contract_delivery(seed)[0])


@pytest.fixture(scope="module")
def contract_incidents(variant_seed, tmp_path_factory) -> list[Incident]:
    return incidents(broken_delivery, tmp_path_factory, variant_seed, "contract")


@pytest.fixture(scope="module")
def contract_diagnoses(nb, contract_incidents) -> list:
    return diagnosed(nb, contract_incidents)


# The layer, its owner, an artifact that shows it, the column and the fix.
test_contract_incident_is_diagnosed = diagnosis_test(
    "q5", "contract_diagnoses", lambda incident: {
        "layer": "data", "owner": "data engineer",
        "artifact": {"quarantine table", "data-layer summary"},
        "culprit": incident.injection.culprit,
        "fix": FIX_FOR_KIND[incident.injection.detail["kind"]]})


@pytest.mark.question("q5")
@pytest.mark.points(POINTS_FOR_REPAIR)
def test_contract_incident_is_repaired(nb, contract_incidents, tmp_path: Path) -> None:
    """After the repair the data layer keeps every row, with the values upstream meant"""
    for index, incident in enumerate(contract_incidents):
        workspace = nb.files.put_folder(incident.folder, "incident")
        nb.repair(workspace)
        repaired = tmp_path / f"repaired-{index}.csv"
        repaired.write_bytes(nb.files.read_bytes(workspace / INCOMING_FILE))
        cleaned = clean(to_bronze(read_raw_csv(repaired), repaired.name))
        assert cleaned.rows_quarantined == 0, (
            f"the data layer still quarantines {cleaned.rows_quarantined} rows of the repaired "
            "delivery")
        column = incident.injection.culprit
        expected = incident.healthy.set_index("customer_id")[column]
        got = cleaned.silver.set_index("customer_id")[column].reindex(expected.index)
        if incident.injection.detail["kind"] == "unit":
            same = np.allclose(got.astype(float), expected.astype(float))
        else:
            same = bool((got.astype(str) == expected.astype(str)).all())
        assert same, f"the repaired {column} does not hold the values the upstream system meant"


# -- quiz: the lesson's knowledge check (its key and explanations: solutions/…/quiz.toml) ----

test_quiz = quiz_test("02_layers")

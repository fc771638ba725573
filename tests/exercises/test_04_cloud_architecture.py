"""Tests for exercise 04 (cloud architecture): where artifacts go under a configuration, one
pipeline in two workspaces, and a design for a brief."""

from __future__ import annotations

import pandas as pd
import pytest

from demo.synthetic.scenarios import generate_batch
from grading.design import Brief, design_tests
from grading.quiz import quiz_test

LOCATION_KEYS = {"storage", "experiment tracking", "model registry", "artifacts",
                 "prediction log"}


@pytest.mark.question("q1")
@pytest.mark.points(2)
def test_locations_follow_the_workspace(nb) -> None:
    """Every location lies inside the workspace it was given."""
    workspace = nb.files.folder("locations") / "team-workspace"
    found = nb.locations(workspace)
    assert isinstance(found, dict) and set(found) == LOCATION_KEYS, (
        f"locations() should return a dict with the keys {sorted(LOCATION_KEYS)}, "
        f"got {sorted(found) if isinstance(found, dict) else type(found).__name__}"
    )
    root = str(workspace.resolve())
    for key, value in found.items():
        assert isinstance(value, str), f"'{key}' should be a string, got {type(value).__name__}"
        assert root in value, f"'{key}' should be inside {root}, got {value!r}"
    assert not nb.files.exists(workspace), "locations() should not create the workspace folder"


@pytest.mark.question("q1")
@pytest.mark.points(2)
def test_locations_are_the_pipelines_settings(nb) -> None:
    """Each location is the one the pipeline itself uses."""
    from demo.settings import Settings

    workspace = nb.files.folder("settings") / "ws"
    settings = Settings.from_env(workspace)
    expected = {
        "storage": str(settings.lake_dir),
        "experiment tracking": settings.tracking_uri,
        "model registry": settings.tracking_uri,
        "artifacts": str(settings.artifacts_dir),
        "prediction log": str(settings.prediction_log),
    }
    found = nb.locations(workspace)
    for key, value in expected.items():
        assert found.get(key) == value, f"'{key}' should be {value!r}, got {found.get(key)!r}"


@pytest.fixture(scope="module")
def two_runs(nb):
    """The learner's gold tables from two workspaces on one raw file, and the gold files
    each run left in its workspace (read back from the learner's side)."""
    folder = nb.files.folder("two-configurations")
    raw_path = folder / "batch.csv"
    nb.files.write_text(raw_path, generate_batch(600, seed=21).to_csv(index=False))
    tables, written = [], []
    for workspace in (folder / "laptop", folder / "team"):
        tables.append(nb.gold_under(workspace, raw_path))
        files = nb.files.glob(workspace / "lake" / "gold", "*.parquet")
        written.append((workspace, nb.files.read_parquet(files[-1]) if files else None))
    return tables, written


@pytest.mark.question("q2")
@pytest.mark.points(2)
def test_gold_is_written_in_each_workspace(two_runs) -> None:
    """Each run writes its gold table inside its own workspace."""
    tables, written = two_runs
    for table, (workspace, gold_file) in zip(tables, written):
        assert isinstance(table, pd.DataFrame), (
            f"gold_under should return a DataFrame, got {type(table).__name__}"
        )
        assert gold_file is not None, f"no gold Parquet file was written under {workspace}"
        assert len(table) == len(gold_file), (
            "the returned table should be the gold table the run wrote"
        )


@pytest.mark.question("q2")
@pytest.mark.points(2)
def test_gold_is_the_same_under_both_configurations(two_runs) -> None:
    """The same raw file gives the same gold rows under both configurations."""
    from demo.data_layer.clean import clean
    from demo.data_layer.features import build_gold
    from demo.data_layer.ingest import to_bronze

    (first, second), _ = two_runs
    expected = build_gold(clean(to_bronze(generate_batch(600, seed=21), "batch.csv")).silver)
    inputs = [c for c in expected.columns if not c.startswith("_")]  # lineage aside
    assert isinstance(first, pd.DataFrame) and list(first.columns) == list(expected.columns), (
        "gold_under should return the gold table the data layer builds (its columns: "
        f"{', '.join(expected.columns)})")
    assert first[inputs].reset_index(drop=True).equals(expected[inputs]), (
        f"expected the {len(expected)} gold rows the data layer builds from this batch, "
        f"got {len(first)} rows that differ")
    left, right = (t.drop(columns="_ingested_at", errors="ignore") for t in (first, second))
    assert left.equals(right), (
        "the two gold tables differ beyond their ingestion time; the configuration should "
        "only move where files go"
    )


# -- q3: a design for Fjord Telecom's brief (grading/design.py holds the checks). The reasons
# are not scored here: make grade lists them on the rubric sheet.

FJORD_TELECOM = Brief(
    platform="gcp",
    needs={"batch scoring": "the call-centre tool imports a scored file once a month"},
    rules_out={"managed endpoints": "no prediction is needed within a request, so an online "
                                    "endpoint would be paid for and never called"},
    regulated=True,
    team=("business analyst", "data engineer", "data scientist", "MLOps engineer"),
)
(test_design_covers_every_stage, test_design_meets_the_brief,
 test_design_services_exist_on_the_platform, test_design_owners_fit_their_roles,
 test_rubric_design_reasons) = design_tests("q3", FJORD_TELECOM)


# -- quiz: the lesson's knowledge check (its key and explanations: solutions/…/quiz.toml) ----

test_quiz = quiz_test("04_cloud_architecture")

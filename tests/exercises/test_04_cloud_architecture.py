"""Tests for exercise 04 (cloud architecture): provider lookups, translation between
providers, where artifacts go under a configuration, one pipeline in two workspaces, and a
design for a brief."""

from __future__ import annotations

import pandas as pd
import pytest

from demo.paths import DATASETS_DIR
from demo.synthetic.scenarios import generate_batch
from grading.design import Brief, design_tests
from grading.quiz import quiz_test

PROVIDERS = ["databricks", "azure", "gcp", "aws"]
LOCATION_KEYS = {"storage", "experiment tracking", "model registry", "artifacts",
                 "prediction log"}


def services() -> pd.DataFrame:
    return pd.read_csv(DATASETS_DIR / "cloud_services.csv")


def cell(component: str, provider: str) -> str:
    table = services()
    return str(table.loc[table["component"] == component, provider].iloc[0])


def raises_value_error(call, *args) -> str | None:
    """The ValueError's message, or None when the call did not raise one."""
    try:
        call(*args)
    except ValueError as error:
        return str(error)
    return None


@pytest.mark.question("q1")
@pytest.mark.points(2)
def test_service_for_reads_the_table(nb) -> None:
    """Each component's service is read from the right cell, whatever the case."""
    for component, provider in [("storage", "aws"), ("model registry", "azure"),
                                ("experiment tracking", "gcp"), ("monitoring", "databricks"),
                                ("storage", "local")]:
        expected = cell(component, provider)
        for asked_component, asked_provider in [(component, provider),
                                                (component.title(), provider.upper())]:
            got = nb.service_for(services(), asked_component, asked_provider)
            assert got == expected, (
                f"service_for(services, {asked_component!r}, {asked_provider!r}) should be "
                f"{expected!r}, got {got!r}"
            )


@pytest.mark.question("q1")
@pytest.mark.points(1)
def test_service_for_refuses_unknown_names(nb) -> None:
    """An unknown component or provider raises a ValueError that names it."""
    assert nb.service_for(services(), "storage", "aws") == cell("storage", "aws"), (
        "service_for(services, 'storage', 'aws') should return the service, not raise"
    )
    for component, provider, named in [("quantum storage", "aws", "quantum storage"),
                                       ("storage", "oracle", "oracle")]:
        message = raises_value_error(nb.service_for, services(), component, provider)
        assert message is not None, (
            f"service_for(services, {component!r}, {provider!r}) should raise ValueError"
        )
        assert named in message, f"the error should name {named!r}; it says {message!r}"


def unique_products() -> list[tuple[str, str]]:
    """(product, component) pairs: a provider's whole cell that no other row mentions."""
    table = services()
    pairs = []
    for component in ("storage", "experiment tracking", "model registry", "data pipelines"):
        for provider in ("aws", "gcp"):
            product = cell(component, provider)
            mentions = table[PROVIDERS].apply(
                lambda column, p=product: column.fillna("").str.lower().str.contains(
                    p.lower(), regex=False)
            ).any(axis=1)
            if mentions.sum() == 1:
                pairs.append((product, component))
    return pairs


@pytest.mark.question("q2")
@pytest.mark.points(2)
def test_equivalent_translates_between_providers(nb) -> None:
    """A product on one provider maps to the same component's service on another."""
    pairs = unique_products()
    assert pairs, "cloud_services.csv has no unambiguous products to test with"
    for product, component in pairs:
        for target in ("azure", "databricks", "local"):
            expected = cell(component, target)
            for asked in (product, product.upper()):
                got = nb.equivalent(services(), asked, target)
                assert got == expected, (
                    f"equivalent(services, {asked!r}, {target!r}) should be the {component} "
                    f"service on {target}, {expected!r}; got {got!r}"
                )


@pytest.mark.question("q2")
@pytest.mark.points(1)
def test_equivalent_refuses_unknown_and_ambiguous_products(nb) -> None:
    """No match and several matches both raise a ValueError."""
    product, component = unique_products()[0]
    assert nb.equivalent(services(), product, "aws") == cell(component, "aws"), (
        f"equivalent(services, {product!r}, 'aws') should return the service, not raise"
    )
    message = raises_value_error(nb.equivalent, services(), "Snowflake Cortex", "aws")
    assert message is not None, "a product nobody offers should raise ValueError"
    table = services()
    vague = table[PROVIDERS].apply(
        lambda column: column.fillna("").str.contains("Vertex AI", regex=False)).any(axis=1)
    assert vague.sum() > 1, "the test expects 'Vertex AI' in several rows of cloud_services.csv"
    message = raises_value_error(nb.equivalent, services(), "Vertex AI", "aws")
    assert message is not None, (
        "'Vertex AI' appears for several components; equivalent should raise ValueError"
    )
    matched = list(table.loc[vague, "component"])
    assert any(component in message for component in matched), (
        f"the ambiguity error should name the components that matched ({matched}); "
        f"it says {message!r}"
    )


@pytest.mark.question("q3")
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


@pytest.mark.question("q3")
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


@pytest.mark.question("q4")
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


@pytest.mark.question("q4")
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


# -- q5: a design for Fjord Telecom's brief (grading/design.py holds the checks). The reasons
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
 test_rubric_design_reasons) = design_tests("q5", FJORD_TELECOM)


# -- quiz: the lesson's knowledge check (its key and explanations: solutions/…/quiz.toml) ----

test_quiz = quiz_test("04_cloud_architecture")

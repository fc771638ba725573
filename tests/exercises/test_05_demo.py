"""Tests for exercise 05 (the demo pipeline): a new feature, an incident in the model
registry, and a label leak in the gold table."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from demo.catalog import Catalog
from demo.labs import LEAK_GOLD_FILE, break_champion, break_leak
from demo.model_layer.store import open_store
from demo.pipeline import run_pipeline
from demo.settings import Settings
from demo.synthetic.scenarios import generate_batch
from grading.labs import (
    DIAGNOSIS_ANSWERS,
    POINTS_FOR_REPAIR,
    Incident,
    diagnosed,
    diagnosis_test,
    incidents,
)
from grading.quiz import quiz_test


@pytest.fixture(scope="module")
def data_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, Path]:
    """The data steps run on a generated 3,000-row raw batch; (its gold table, raw file)."""
    folder = tmp_path_factory.mktemp("exercise-05")
    raw_path = folder / "batch.csv"
    generate_batch(3000, seed=5).to_csv(raw_path, index=False)
    settings = Settings.from_env(folder / "workspace")
    run_pipeline(settings, raw_path, options={"contract": {"skip": True}}, until="features")
    return Catalog(settings).load("gold"), raw_path


@pytest.mark.question("q1")
@pytest.mark.points(2)
def test_new_feature_values(nb) -> None:
    """total_per_month is total / tenure, and the monthly price for tenure 0."""
    gold = pd.DataFrame({"customer_id": ["a", "b", "c"], "tenure": [10, 0, 4],
                         "monthly_charges": [50.0, 70.0, 20.0],
                         "total_charges": [480.0, 0.0, 90.0], "churn": [0, 1, 0]})
    enriched = nb.add_total_per_month(gold)
    assert 0 not in nb.changed_arguments, (
        "add_total_per_month changed the gold table it was given; work on a copy")
    assert isinstance(enriched, pd.DataFrame) and "total_per_month" in enriched.columns, (
        "add_total_per_month should return a DataFrame with a 'total_per_month' column"
    )
    got = [float(v) for v in enriched["total_per_month"]]
    assert got == pytest.approx([48.0, 70.0, 22.5]), f"expected [48.0, 70.0, 22.5], got {got}"


@pytest.mark.question("q1")
@pytest.mark.points(1)
def test_new_feature_keeps_the_table(nb, data_run) -> None:
    """Every other column and row of a real gold table is unchanged."""
    gold = data_run[0]
    enriched = nb.add_total_per_month(gold)
    assert list(enriched.columns) == [*gold.columns, "total_per_month"], (
        f"expected the gold columns plus 'total_per_month' at the end, got {list(enriched.columns)}"
    )
    pd.testing.assert_frame_equal(enriched[gold.columns], gold, obj="the other gold columns")
    assert enriched["total_per_month"].notna().all(), "total_per_month has missing values"


# -- q2: an incident lab (demo/labs.py, "champion"). Registries are broken here, with seeds the
# learner does not see when grading; the test knows the answer because it chose the break.


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory) -> Callable[[Path], Settings]:
    """Settings on a folder given an empty tracking store, copied: creating one takes seconds."""
    made: list[Path] = []

    def settings_with_store(folder: Path) -> Settings:
        if not made:
            template = Settings.from_env(tmp_path_factory.mktemp("empty-store"))
            open_store(template)
            made.append(template.mlflow_db)
        shutil.copy(made[0], folder / "mlflow.db")
        return Settings.from_env(folder)

    return settings_with_store


@pytest.fixture(scope="module")
def champion_incidents(variant_seed, tmp_path_factory, empty_store) -> list[Incident]:
    def broken_registry(folder: Path, seed: int) -> Incident:
        return Incident(folder, break_champion(empty_store(folder), seed))

    return incidents(broken_registry, tmp_path_factory, variant_seed, "champion")


@pytest.fixture(scope="module")
def champion_diagnoses(nb, champion_incidents) -> list:
    return diagnosed(nb, champion_incidents)


def registry_state(store: Path) -> dict[str, object]:
    """The aliases and versions of the lab's registered model, read with MLflow."""
    import mlflow

    settings = Settings.from_env(store.parent)
    client = mlflow.MlflowClient(f"sqlite:///{store}")
    versions = client.search_model_versions(f"name='{settings.model_name}'")
    aliases = client.get_registered_model(settings.model_name).aliases
    return {"aliases": {str(k): str(v) for k, v in aliases.items()},
            "versions": sorted(str(v.version) for v in versions)}


# The layer, owner, artifact, the version serving, the fix, and the version the policy chose.
test_champion_incident_is_diagnosed = diagnosis_test(
    "q2", "champion_diagnoses", lambda incident: {
        "layer": {"model", "deployment"}, "owner": "MLOps engineer",
        "artifact": "model registry", "culprit": incident.injection.culprit,
        "fix": "move the alias back",
        "version": str(incident.injection.detail["policy_champion"])},
    answers=(*DIAGNOSIS_ANSWERS, "version"))


@pytest.mark.question("q2")
@pytest.mark.points(POINTS_FOR_REPAIR)
def test_champion_incident_is_repaired(nb, champion_incidents, tmp_path: Path) -> None:
    """After the repair the policy's version is champion, and nothing else changed"""
    for index, incident in enumerate(champion_incidents):
        before = registry_state(incident.folder / "mlflow.db")
        workspace = nb.files.put_folder(incident.folder, "incident")
        nb.repair(workspace)
        copy = tmp_path / f"repaired-{index}" / "mlflow.db"
        copy.parent.mkdir()
        copy.write_bytes(nb.files.read_bytes(workspace / "mlflow.db"))
        after = registry_state(copy)
        expected = str(incident.injection.detail["policy_champion"])
        assert after["aliases"].get("champion") == expected, (
            f"champion points at version {after['aliases'].get('champion')}, not at the "
            "version the promotion policy chose")
        assert after["versions"] == before["versions"], "the repair added or removed versions"
        others = {k: v for k, v in after["aliases"].items() if k != "champion"}
        assert others == {k: v for k, v in before["aliases"].items() if k != "champion"}, (
            "the repair moved another alias too")


# -- q3: an incident lab (demo/labs.py, "leak"): a gold table with the CRM's columns, one of
# them filled in after a customer has left, and the tracked run that first used them.


@pytest.fixture(scope="module")
def leak_incidents(variant_seed, tmp_path_factory, empty_store) -> list[Incident]:
    def leaky_workspace(folder: Path, seed: int) -> Incident:
        injection = break_leak(empty_store(folder), seed)
        gold = pd.read_parquet(folder / LEAK_GOLD_FILE)  # as written: its ingestion times too
        return Incident(folder, injection, healthy=gold.drop(columns=injection.culprit))

    return incidents(leaky_workspace, tmp_path_factory, variant_seed, "leak")


@pytest.fixture(scope="module")
def leak_diagnoses(nb, leak_incidents) -> list:
    return diagnosed(nb, leak_incidents, "diagnose_leak")


# The layer, its owner, an artifact that shows it, the leaking column and the fix.
test_leak_incident_is_diagnosed = diagnosis_test(
    "q3", "leak_diagnoses", lambda incident: {
        "layer": {"data", "model"}, "owner": {"data scientist", "data engineer"},
        "artifact": {"tracking runs", "gold table"}, "culprit": incident.injection.culprit,
        "fix": "drop the column"})


@pytest.mark.question("q3")
@pytest.mark.points(POINTS_FOR_REPAIR)
def test_leak_incident_is_repaired(nb, leak_incidents) -> None:
    """After the repair the gold table has lost the leaking column and nothing else"""
    for incident in leak_incidents:
        workspace = nb.files.put_folder(incident.folder, "incident")
        nb.repair_leak(workspace)
        gold = nb.files.read_parquet(workspace / LEAK_GOLD_FILE)
        healthy = incident.healthy
        assert type(gold) is pd.DataFrame and list(gold.columns) == list(healthy.columns), (
            "the repaired gold table should keep every column but the leaking one, in order")
        pd.testing.assert_frame_equal(gold.reset_index(drop=True),
                                      healthy.reset_index(drop=True), check_dtype=False,
                                      obj="the repaired gold table")


# -- quiz: the lesson's knowledge check (its key and explanations: solutions/…/quiz.toml) ----

test_quiz = quiz_test("05_demo")

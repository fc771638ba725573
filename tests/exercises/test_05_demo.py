"""Tests for exercise 05 (the demo pipeline): a new feature, a model re-trained with it, and
an incident in the model registry."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from demo.data_layer.ingest import INGESTED_AT, SOURCE_FILE
from demo.data_layer.runner import DataLayerResult, run_data_layer
from demo.labs import break_champion
from demo.model_layer.store import open_store
from demo.settings import Settings
from demo.synthetic.scenarios import generate_batch
from grading.labs import Incident, assert_diagnosed, incidents
from grading.quiz import quiz_test


@pytest.fixture(scope="module")
def data_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[DataLayerResult, Path]:
    """The data layer run on a generated 3,000-row raw batch; (result, raw file)."""
    folder = tmp_path_factory.mktemp("exercise-05")
    raw_path = folder / "batch.csv"
    generate_batch(3000, seed=5).to_csv(raw_path, index=False)
    return run_data_layer(Settings.from_env(folder / "workspace"), raw_path, validate=False), raw_path


def fixed_lineage(gold: pd.DataFrame) -> pd.DataFrame:
    """``gold`` as if the pipeline had read ``batch.csv`` at a fixed time.

    The reference's expected scores are kept per batch, by their inputs; the real lineage
    names this judge's own folder and clock, so every student's gold would differ and the
    reference notebook would be loaded and run again for each of them.
    """
    stamp = pd.Series(pd.Timestamp(datetime(2026, 1, 1, tzinfo=UTC)), index=gold.index)
    return gold.assign(**{SOURCE_FILE: pd.Categorical(["batch.csv"] * len(gold)),
                          INGESTED_AT: stamp.astype(gold[INGESTED_AT].dtype)})


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
    gold = data_run[0].gold
    enriched = nb.add_total_per_month(gold)
    assert list(enriched.columns) == [*gold.columns, "total_per_month"], (
        f"expected the gold columns plus 'total_per_month' at the end, got {list(enriched.columns)}"
    )
    pd.testing.assert_frame_equal(enriched[gold.columns], gold, obj="the other gold columns")
    assert enriched["total_per_month"].notna().all(), "total_per_month has missing values"


@pytest.mark.question("q2")
@pytest.mark.points(3)
def test_compare_with_feature_scores_both_models(nb, reference, data_run) -> None:
    """Both scores are the ROC AUC of the recipe, on the same held-out rows."""
    gold = fixed_lineage(data_run[0].gold)
    got = nb.compare_with_feature(gold, seed=7)
    assert isinstance(got, dict) and set(got) == {"without", "with"}, (
        f"compare_with_feature should return a dict with keys 'without' and 'with', got {got!r}"
    )
    expected = reference.compare_with_feature(gold, seed=7)
    for key in ("without", "with"):
        assert got[key] == pytest.approx(expected[key], abs=1e-6), (
            f"the '{key}' ROC AUC should be {expected[key]:.4f} with the recipe in the "
            f"instructions, got {got[key]}"
        )


# -- q3: an incident lab (demo/labs.py, "champion"). Registries are broken here, with seeds the
# learner does not see when grading; the test knows the answer because it chose the break.


@pytest.fixture(scope="module")
def champion_incidents(variant_seed, tmp_path_factory) -> list[Incident]:
    empty: list[Path] = []  # one empty tracking store, copied: creating one takes seconds

    def broken_registry(folder: Path, seed: int) -> Incident:
        if not empty:
            template = Settings.from_env(tmp_path_factory.mktemp("empty-store"))
            open_store(template)
            empty.append(template.mlflow_db)
        shutil.copy(empty[0], folder / "mlflow.db")
        return Incident(folder, break_champion(Settings.from_env(folder), seed))

    return incidents(broken_registry, tmp_path_factory, variant_seed, "champion")


def registry_state(store: Path) -> dict[str, object]:
    """The aliases and versions of the lab's registered model, read with MLflow."""
    import mlflow

    settings = Settings.from_env(store.parent)
    client = mlflow.MlflowClient(f"sqlite:///{store}")
    versions = client.search_model_versions(f"name='{settings.model_name}'")
    aliases = client.get_registered_model(settings.model_name).aliases
    return {"aliases": {str(k): str(v) for k, v in aliases.items()},
            "versions": sorted(str(v.version) for v in versions)}


@pytest.mark.question("q3")
@pytest.mark.points(3)
def test_champion_incident_is_diagnosed(nb, champion_incidents) -> None:
    """The layer, owner, artifact, version serving, fix and the policy's version are named"""
    assert_diagnosed(nb, champion_incidents, lambda incident: {
        "layer": {"model", "deployment"}, "owner": "MLOps engineer",
        "artifact": "model registry", "culprit": incident.injection.culprit,
        "fix": "move the alias back",
        "version": str(incident.injection.detail["policy_champion"])})


@pytest.mark.question("q3")
@pytest.mark.points(2)
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


# -- quiz: the lesson's knowledge check (its key and explanations: solutions/…/quiz.toml) ----

test_quiz = quiz_test("05_demo")

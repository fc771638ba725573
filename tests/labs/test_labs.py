"""The failure-injection labs (demo/labs.py): each break breaks what it says, the seed picks
the culprit, the workspace never tells, and undoing the break heals the pipeline."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from demo.cli import main
from demo.data_layer.clean import clean
from demo.data_layer.ingest import read_raw_csv, to_bronze
from demo.deployment_layer.monitoring import psi_by_feature
from demo.errors import DemoError
from demo.labs import (
    DRIFT_FILE,
    INCOMING_FILE,
    LABS,
    SERVED_FILE,
    break_champion,
    break_contract,
    break_skew,
    break_workspace,
    contract_delivery,
    served_features,
)
from demo.model_layer.store import open_store
from demo.settings import Settings

SEEDS = range(8)


def workspace_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def test_a_contract_break_changes_one_column_from_one_line_on(settings: Settings) -> None:
    injection = break_contract(settings, seed=3)
    healthy, delivered, _ = contract_delivery(3)
    changed = [c for c in healthy.columns if not healthy[c].equals(delivered[c])]
    assert changed == [injection.culprit]
    differs = np.flatnonzero(healthy[injection.culprit] != delivered[injection.culprit])
    assert differs.min() > len(healthy) // 4, "the change starts part-way through the file"
    on_disk = read_raw_csv(settings.workspace / INCOMING_FILE)
    assert len(on_disk) == len(delivered)
    quarantine = pd.read_parquet(next((settings.quarantine_dir).glob("*.parquet")))
    assert len(quarantine) > 0
    assert quarantine["quarantine_reason"].str.startswith(f"{injection.culprit} ").all()


def test_different_seeds_break_different_things() -> None:
    contract = {contract_delivery(seed)[2].culprit for seed in SEEDS}
    skew = {served_features(seed)[2].culprit for seed in SEEDS}
    kinds = {contract_delivery(seed)[2].detail["kind"] for seed in SEEDS}
    assert len(contract) >= 3 and len(skew) >= 3 and kinds == {"unit", "spelling"}


def test_the_workspace_does_not_say_what_broke(tmp_path: Path) -> None:
    for name in ("contract", "skew", "drift"):
        folder = tmp_path / name
        injection = break_workspace(name, Settings.from_env(folder), seed=5)
        text = workspace_bytes(folder)
        assert injection.change.encode() not in text
        assert b"seed" not in text.lower()


def test_repairing_the_delivery_heals_the_data_layer(settings: Settings) -> None:
    injection = break_contract(settings, seed=4)
    healthy, _, _ = contract_delivery(4)
    assert injection.culprit in healthy.columns
    healthy.to_csv(settings.workspace / INCOMING_FILE, index=False)
    cleaned = clean(to_bronze(read_raw_csv(settings.workspace / INCOMING_FILE), "repaired"))
    assert cleaned.rows_quarantined == 0


def test_a_skew_shows_as_severe_drift_in_that_feature_only(settings: Settings) -> None:
    injection = break_skew(settings, seed=6)
    import json

    report = json.loads((settings.workspace / DRIFT_FILE).read_text())
    severe = [row["feature"] for row in report["features"] if row["level"] == "severe"]
    assert severe == [injection.culprit]
    reference = pd.read_parquet(settings.workspace / report["reference"])
    healthy = served_features(6)[0]
    assert pd.read_parquet(settings.workspace / SERVED_FILE).shape == healthy.shape
    repaired = psi_by_feature(reference, healthy)
    assert (repaired["level"] != "severe").all(), "undoing the skew removes the drift"


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    settings = Settings.from_env(tmp_path_factory.mktemp("empty"))
    open_store(settings)  # creating a store takes seconds: copy this one
    return settings.mlflow_db


def registry(empty_store: Path, folder: Path) -> Settings:
    folder.mkdir(parents=True)
    shutil.copy(empty_store, folder / "mlflow.db")
    return Settings.from_env(folder)


def test_a_champion_break_points_the_alias_away_from_the_policys_choice(
        empty_store: Path, tmp_path: Path) -> None:
    culprits = set()
    for seed in (1, 6):
        settings = registry(empty_store, tmp_path / str(seed))
        injection = break_champion(settings, seed)
        client = open_store(settings).client
        name = settings.model_name
        serving = client.get_model_version_by_alias(name, "champion")
        chosen = injection.detail["policy_champion"]
        assert str(serving.version) == injection.culprit != chosen
        promoted = [v for v in client.search_model_versions(f"name='{name}'")
                    if v.tags["promotion_decision"] == "promoted"]
        assert str(max(int(v.version) for v in promoted)) == chosen
        culprits.add(int(injection.culprit) < int(chosen))
        client.set_registered_model_alias(name, "champion", chosen)  # the repair
        assert str(client.get_model_version_by_alias(name, "champion").version) == chosen
    assert culprits == {True, False}, "a stale rollback and a rejected version both occur"


def test_a_registry_with_one_version_cannot_be_broken(empty_store: Path, tmp_path: Path) -> None:
    settings = registry(empty_store, tmp_path / "one")
    from demo.labs import registry_history

    registry_history(settings, seed=0, versions=1)
    with pytest.raises(DemoError, match="only version 1"):
        break_champion(settings, seed=0)


def test_the_command_line_lists_breaks_and_never_tells(tmp_path: Path, capsys) -> None:
    assert main(["lab", "list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in LABS)
    workspace = tmp_path / "mine"
    assert main(["lab", "break", "contract", "--seed", "2", "--workspace", str(workspace)]) == 0
    said = capsys.readouterr().out
    injection = contract_delivery(2)[2]
    assert "incoming/customers.csv" in said and injection.culprit not in said
    assert (workspace / INCOMING_FILE).exists()
    assert main(["lab", "break", "nonsense", "--workspace", str(workspace)]) == 2
    assert "no lab named 'nonsense'" in capsys.readouterr().err


def test_a_registry_without_a_champion_cannot_be_broken(empty_store: Path, tmp_path: Path) -> None:
    settings = registry(empty_store, tmp_path / "none")
    from demo.labs import registry_history

    registry_history(settings, seed=1, versions=2)
    open_store(settings).client.delete_registered_model_alias(settings.model_name, "champion")
    with pytest.raises(DemoError, match="no champion to break"):
        break_champion(settings, seed=1)


def test_a_leak_is_one_crm_column_that_gives_churn_away_and_the_seed_picks_it() -> None:
    from sklearn.metrics import roc_auc_score

    from demo.labs import CRM_COLUMNS, leaky_gold

    leaks = set()
    for seed in SEEDS:
        gold, injection = leaky_gold(seed)
        leaks.add(injection.culprit)
        for column in CRM_COLUMNS:
            values = gold[column]
            if not pd.api.types.is_numeric_dtype(values):
                values = gold.groupby(column)["churn"].transform("mean")
            auc = roc_auc_score(gold["churn"], values.astype(float))
            separates = max(auc, 1 - auc) > 0.9
            assert separates == (column == injection.culprit), (seed, column, auc)
    assert leaks == set(CRM_COLUMNS)


def test_a_leak_break_tracks_a_run_too_good_to_be_true(empty_store: Path, tmp_path: Path) -> None:
    from demo.labs import break_leak

    settings = registry(empty_store, tmp_path / "leak")
    injection = break_leak(settings, seed=2)
    store = open_store(settings)
    runs = store.client.search_runs([store.experiment_id], order_by=["attributes.start_time"])
    scores = {r.info.run_name: r.data.metrics["holdout_roc_auc"] for r in runs}
    assert scores["weekly-5-crm"] > 0.98 > max(v for k, v in scores.items() if "crm" not in k)
    gold = pd.read_parquet(next(settings.gold_dir.glob("*.parquet")))
    assert injection.culprit in gold.columns


def test_drift_is_real_or_the_feature_code_broke_and_silver_tells_which(tmp_path: Path) -> None:
    import json

    from demo.labs import PRODUCTION_DRIFT_FILE, break_drift

    kinds = set()
    for seed in range(6):
        settings = Settings.from_env(tmp_path / str(seed))
        injection = break_drift(settings, seed)
        kinds.add(injection.detail["kind"])
        report = json.loads((settings.workspace / PRODUCTION_DRIFT_FILE).read_text())
        assert report["features"][0]["feature"] in injection.detail["accepted"]
        assert report["features"][0]["level"] != "none"
        gold = pd.read_parquet(settings.workspace / report["current"])
        silver = pd.read_parquet(next(settings.silver_dir.glob("*.parquet")))
        differs = [c for c in silver.columns if c in gold.columns and c[0] != "_" and c != "churn"
                   and gold[c].astype(str).tolist() != silver[c].astype(str).tolist()]
        assert differs == ([injection.culprit] if injection.detail["kind"] == "broken" else [])
    assert kinds == {"drift", "broken"}


def test_a_drift_story_can_be_chosen(tmp_path: Path) -> None:
    from demo.labs import break_drift

    for story in ("drift", "broken"):
        injection = break_drift(Settings.from_env(tmp_path / story), seed=3, story=story)
        assert injection.detail["kind"] == story

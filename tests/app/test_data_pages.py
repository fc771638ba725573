"""The data layer's pages: cleaning and quarantine, the data contract, features."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from demo.settings import Settings
from demo.walkthrough import completed_steps, load_record
from tests.app.conftest import open_page, run_steps, texts


def test_cleaning_before_the_raw_file_says_what_to_run(app_workspace: Settings) -> None:
    app = open_page("views/cleaning.py")
    assert "needs the output of **Raw data**" in texts(app.info)
    assert app.get("page_link")  # a link to the raw data page
    assert "run_clean" not in [b.key for b in app.button]  # nothing to run yet


def test_cleaning_accounts_for_every_row(app_workspace: Settings) -> None:
    run_steps(app_workspace, until="raw")
    app = open_page("views/cleaning.py")
    app.button(key="run_clean").click().run()
    assert not app.exception and not app.error
    metrics = {m.label: int(m.value.replace(",", "")) for m in app.metric
               if m.label in ("Rows read", "Silver", "Quarantined", "Duplicates dropped")}
    assert metrics["Rows read"] == 2_000
    assert metrics["Silver"] + metrics["Quarantined"] + metrics["Duplicates dropped"] == 2_000
    assert metrics["Quarantined"] > 0  # the dirty preset injects defects cleaning cannot repair
    assert "Every row accounted for" in texts(app.caption)
    quarantine = pd.read_parquet(load_record(app_workspace)["clean"]["artifacts"][2])
    assert quarantine["quarantine_reason"].notna().all()
    assert any("demo.data_layer.clean.clean" in e.label for e in app.expander)


@pytest.mark.slow
def test_contract_and_features_run_in_order(app_workspace: Settings) -> None:
    run_steps(app_workspace, until="clean")
    app = open_page("views/features.py")
    assert "needs the output of **Data contract**" in texts(app.info)
    app.switch_page("views/contract.py").run()
    app.button(key="run_contract").click().run()
    assert not app.exception
    assert "The contract holds" in texts(app.success)
    assert len(app.dataframe) >= 1  # every expectation, one row each
    app.switch_page("views/features.py").run()
    app.button(key="run_features").click().run()
    assert not app.exception and not app.error
    gold = pd.read_parquet(load_record(app_workspace)["features"]["artifacts"][0])
    assert {"customer_id", "tenure", "churn"} <= set(gold.columns)
    assert {m.label: m.value for m in app.metric}["Rows"] == f"{len(gold):,}"
    assert completed_steps(app_workspace) == ["raw", "clean", "contract", "features"]
    run_id = load_record(app_workspace)["features"]["summary"]["run_id"]  # silver's run
    assert f"<workspace>/lake/gold/{run_id}.parquet" in texts(app.code)


@pytest.mark.slow
def test_every_step_page_names_its_layer_role_function_and_cloud(
    ready_workspace: Settings,
) -> None:
    expected = {  # page: (layer, role, the demo function), in the talk's order
        "views/cleaning.py": ("Data layer", "Data engineer", "demo.data_layer.clean.clean"),
        "views/contract.py": ("Data layer", "Data engineer",
                              "demo.data_layer.contract.validate_silver"),
        "views/features.py": ("Data layer", "Data scientist",
                              "demo.data_layer.features.build_gold"),
        "views/training.py": ("Model layer", "Data scientist",
                              "demo.model_layer.train.fit_candidates"),
        "views/registry.py": ("Model layer", "MLOps engineer",
                              "demo.model_layer.registry.register_and_promote"),
        "views/serving.py": ("Deployment layer", "Software developer",
                             "demo.deployment_layer.api.create_app"),
        "views/monitoring.py": ("Deployment layer", "MLOps engineer",
                                "demo.deployment_layer.monitoring_runner.monitor_frame"),
        "views/retraining.py": ("Deployment layer", "MLOps engineer",
                                "demo.deployment_layer.retrain.retrain"),
    }
    step_keys = ["clean", "contract", "features", "train", "registry", "serve", "monitor",
                 "retrain"]
    for key, (page, (layer, role, function)) in zip(step_keys, expected.items(), strict=True):
        app = open_page(page)
        metrics = {m.label: m.value for m in app.metric}
        assert (metrics["Layer"], metrics["Owned by"]) == (layer, role), page
        assert any(function in e.label for e in app.expander), page
        assert "<workspace>/" in texts(app.code), page  # where the artifact lies
        cloud = app.table[-1].value  # the managed equivalents
        assert list(cloud.index) == ["Databricks", "Azure", "GCP", "AWS",
                                     "This course (local)"], page
        assert all(Path(p).exists() for p in load_record(ready_workspace)[key]["artifacts"])


@pytest.mark.parametrize(
    ("page", "missing"),
    [("views/contract.py", "Cleaning and quarantine"),
     ("views/registry.py", "Training and tracking"),
     ("views/serving.py", "Registry and promotion"),
     ("views/monitoring.py", "Features"),  # the earliest missing step is named first
     ("views/retraining.py", "Features")],
)
def test_a_step_before_its_prerequisite_says_what_to_run(
    app_workspace: Settings, page: str, missing: str
) -> None:
    app = open_page(page)
    assert f"needs the output of **{missing}**" in texts(app.info)
    assert not app.error and not app.get("form")

"""The model layer's pages: training and tracking, registry and promotion."""

from __future__ import annotations

import pytest

from demo.settings import Settings
from demo.walkthrough import load_record
from tests.app.conftest import open_page, run_steps, texts


def test_training_before_features_says_what_to_run(app_workspace: Settings) -> None:
    app = open_page("views/training.py")
    assert "needs the output of **Features**" in texts(app.info)
    assert not app.get("form")


@pytest.mark.slow
def test_training_with_chosen_candidates_and_parameters(app_workspace: Settings) -> None:
    run_steps(app_workspace, until="features")
    app = open_page("views/training.py")
    app.multiselect(key="train_candidates").set_value(["baseline", "logistic_regression"])
    app.radio(key="train_mode").set_value("Set by hand")
    app.number_input(key="train_c").set_value(0.5)
    app.button(key="FormSubmitter:train-Train and track").click().run()
    assert not app.exception and not app.error
    summary = load_record(app_workspace)["train"]["summary"]
    assert set(summary["candidates"]) == {"baseline", "logistic_regression"}
    assert summary["candidates"]["logistic_regression"]["params"]["C"] == 0.5
    assert "Best on validation ROC AUC: **logistic_regression**" in texts(app.success)
    assert app.get("imagelist") or app.get("image")  # the plots logged with each run
    runs = app.dataframe[-1].value  # runs compared: both candidate runs are tracked
    assert len(runs) == 2 and set(runs["run"]) == {"baseline", "logistic_regression"}


@pytest.mark.slow
def test_training_without_a_candidate_asks_for_one(app_workspace: Settings) -> None:
    run_steps(app_workspace, until="features")
    app = open_page("views/training.py")
    app.multiselect(key="train_candidates").set_value([])
    app.button(key="FormSubmitter:train-Train and track").click().run()
    assert "Choose at least one candidate" in texts(app.warning)
    assert "train" not in load_record(app_workspace)


@pytest.mark.slow
def test_registry_shows_versions_and_registers_another(ready_workspace: Settings) -> None:
    app = open_page("views/registry.py")
    versions = app.dataframe[-1].value
    assert "champion" in set(versions["aliases"])
    before = len(versions)
    app.selectbox(key="register_candidate").set_value("baseline")
    app.button(key="FormSubmitter:register-Register and apply the promotion policy").click()
    app.run()
    assert not app.exception and not app.error
    assert len(app.dataframe[-1].value) == before + 1
    # the baseline cannot beat the champion: it waits as challenger
    assert "kept the champion" in texts(app.warning)
    assert load_record(ready_workspace)["registry"]["summary"]["decision"]["promote"] is False

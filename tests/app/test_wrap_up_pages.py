"""The wrap-up pages: the cloud mapping and the measured best practices; run all."""

from __future__ import annotations

import pytest

from demo.settings import Settings
from demo.walkthrough import STEPS, completed_steps
from tests.app.conftest import open_page, texts


def test_cloud_mapping_shows_every_step_on_the_chosen_platform(
    app_workspace: Settings,
) -> None:
    app = open_page("views/cloud_mapping.py")
    app.get("button_group")[0].set_value("AWS").run()
    mapping = app.table[0].value
    assert list(mapping.index) == [s.title for s in STEPS]
    assert "AWS" in mapping.columns and "here" in mapping.columns
    assert mapping.loc["Data contract", "AWS"] == "AWS Glue Data Quality"
    assert "source" in app.dataframe[0].value.columns  # every fact with its source


def test_best_practices_before_the_pipeline_says_what_to_run(app_workspace: Settings) -> None:
    app = open_page("views/best_practices.py")
    assert "needs the output of **Features**" in texts(app.info)
    assert len(app.main.header) == 5  # the five takeaways


@pytest.mark.slow
def test_best_practices_prices_the_decision_thresholds(ready_workspace: Settings) -> None:
    app = open_page("views/best_practices.py")
    app.button(key="practice_thresholds").click().run()
    assert not app.exception and not app.error
    labels = [m.label for m in app.metric]
    assert any(label.startswith("Cheapest threshold") for label in labels)
    assert "Runs" in labels  # what MLflow tracked


@pytest.mark.slow
def test_run_all_from_the_sidebar(app_workspace: Settings) -> None:
    app = open_page()
    app.sidebar.radio(key="preset_data").set_value("Clean data (ground truth)")
    app.sidebar.number_input(key="preset_rows").set_value(1000)
    app.sidebar.button(key="run_all").click().run()
    assert not app.exception and not app.sidebar.error
    assert completed_steps(app_workspace) == [s.key for s in STEPS]


def test_the_room_page_without_a_server_says_how_to_start_one(app_workspace: Settings) -> None:
    app = open_page("views/class_room.py")
    app.text_input(key="room_tracking_url").set_value("http://127.0.0.1:9").run()
    assert "No tracking server answers at http://127.0.0.1:9" in texts(app.info)
    assert "make platform" in texts(app.info)

"""The deployment layer's pages: serving through the real API, monitoring, retraining."""

from __future__ import annotations

import pytest

from demo.paths import SAMPLE_RAW_CSV
from demo.settings import Settings
from demo.steps import run_step
from demo.walkthrough import load_record
from tests.app.conftest import open_page, texts

pytestmark = pytest.mark.slow  # every test here starts from a workspace where all steps ran


def test_serving_answers_the_form_with_latency_and_model(ready_workspace: Settings) -> None:
    app = open_page("views/serving.py")
    assert "Serving champion version" in texts(app.caption)
    app.number_input(key="serve_tenure").set_value(3)
    app.button(key="FormSubmitter:customer-Ask the API").click().run()
    assert not app.exception and not app.error
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Customers answered"] == "1"
    assert metrics["Latency"].endswith(" ms")
    answers = load_record(ready_workspace)["serve"]["summary"]["answers"]
    assert answers[-1] == {**answers[-1], "kind": "form", "status": 200, "rows": 1}


def test_serving_form_with_invalid_values_shows_the_api_reasons(
    ready_workspace: Settings,
) -> None:
    app = open_page("views/serving.py")
    app.number_input(key="serve_tenure").set_value(500)
    app.text_input(key="serve_customer_id").set_value("")
    app.button(key="FormSubmitter:customer-Ask the API").click().run()
    assert not app.exception
    message = texts(app.error)
    assert "HTTP 422" in message and "tenure" in message and "customer_id" in message
    assert "Correct the value" in message


def test_serving_scores_an_uploaded_batch_with_the_ab_share(ready_workspace: Settings) -> None:
    run_step("registry", ready_workspace, candidate="baseline")  # waits as challenger
    head = b"".join(SAMPLE_RAW_CSV.open("rb").readlines()[:301])
    app = open_page("views/serving.py")
    assert "challenger version" in texts(app.caption)
    app.slider(key="serve_share").set_value(0.5).run()
    app.file_uploader(key="serve_upload").set_value(("customers.csv", head, "text/csv"))
    app.run()
    app.button(key="serve_send_upload").click().run()
    assert not app.exception and not app.error
    assert "300 rows read" in texts(app.caption)
    answered = load_record(ready_workspace)["serve"]["summary"]["answers"][-1]["by_alias"]
    share = answered["challenger"] / (answered["challenger"] + answered["champion"])
    assert 0.35 < share < 0.65  # customers are routed by a hash of their id: about half


def test_serving_refuses_an_unusable_upload(ready_workspace: Settings) -> None:
    app = open_page("views/serving.py")
    app.file_uploader(key="serve_upload").set_value(("notes.csv", b"just some words\n",
                                                     "text/csv"))
    app.run()
    app.button(key="serve_send_upload").click().run()
    assert not app.exception
    assert "notes.csv" in texts(app.error)


def test_monitoring_plots_psi_per_feature_for_a_chosen_scenario(
    ready_workspace: Settings,
) -> None:
    app = open_page("views/monitoring.py")
    app.selectbox(key="monitor_scenario").set_value("fibre_rollout")
    app.slider(key="monitor_rows").set_value(1000)
    app.button(key="FormSubmitter:monitor-Run the drift monitor").click().run()
    assert not app.exception and not app.error
    summary = load_record(ready_workspace)["monitor"]["summary"]
    assert summary["scenario"] == "fibre_rollout"
    assert "internet_service" in summary["drifted_features"]
    assert "Scenario **fibre_rollout**" in texts(app.warning)
    assert app.get("vega_lite_chart")  # PSI per feature, with the 0.1 / 0.2 lines
    assert "retrain" not in load_record(ready_workspace)  # a new batch makes it stale


def test_a_batch_given_to_the_monitor_is_named_by_its_file(
    ready_workspace: Settings, tmp_path
) -> None:
    """``python -m demo monitor --batch FILE`` runs the monitor step on a file, which has no
    scenario: the monitoring and retraining pages name the file instead."""
    from demo.synthetic.export import write_csv
    from demo.synthetic.scenarios import generate_batch

    batch = tmp_path / "march.csv"
    write_csv(generate_batch(800, seed=25, id_start=10**6), batch)
    run_step("monitor", ready_workspace, batch=batch)
    monitoring = open_page("views/monitoring.py")
    assert "Batch **march.csv**" in texts(monitoring.success) + texts(monitoring.warning)
    assert "the monitored batch **march.csv**" in texts(open_page("views/retraining.py").caption)


def test_retraining_trains_judges_and_reports(ready_workspace: Settings) -> None:
    app = open_page("views/retraining.py")
    app.button(key="FormSubmitter:retrain-Retrain and judge the challenger").click().run()
    assert not app.exception and not app.error
    summary = load_record(ready_workspace)["retrain"]["summary"]
    assert summary["challenger_version"] == "3"  # versions 1 and 2 came from the first run
    outcome = texts(app.success) + texts(app.warning)
    assert f"Version {summary['challenger_version']}" in outcome
    assert {m.label: m.value for m in app.metric}["Serving now"] == (
        f"version {summary['serving_version']}")


def test_serving_sends_the_presets_traffic_through_the_serve_step(
    ready_workspace: Settings,
) -> None:
    app = open_page("views/serving.py")
    app.button(key="serve_send_traffic").click().run()
    assert not app.exception and not app.error
    summary = load_record(ready_workspace)["serve"]["summary"]
    assert summary["scenario"] == "price_rise"  # the sidebar's default traffic
    assert summary["answers"] and {a["kind"] for a in summary["answers"]} == {"batch"}
    assert sum(summary["served_by_alias"].values()) == summary["answers"][0]["rows"]

"""The overview, the raw data page and the sidebar's workshop helpers."""

from __future__ import annotations

from demo.catalog import Catalog
from demo.settings import Settings
from demo.walkthrough import completed_steps, load_record
from tests.app.conftest import open_page, texts


def test_overview_shows_the_architecture_and_where_you_are(app_workspace: Settings) -> None:
    app = open_page()
    assert app.title[0].value.startswith("AI/ML Architecture")
    diagram = app.get("graphviz_chart")[0].proto.spec
    for layer in ("Data layer", "Model layer", "Deployment layer"):
        assert layer in diagram
    assert "0 of 9 steps done. Next: **Raw data**" in texts(app.info)
    assert len(app.dataframe) >= 1  # the three layers (and the roles when the table exists)


def test_raw_page_before_anything_ran_says_what_to_do(app_workspace: Settings) -> None:
    app = open_page("views/raw_data.py")
    assert app.title[0].value == "Raw data"
    assert "No raw file yet" in texts(app.info)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Layer"] == "Data layer" and metrics["Owned by"] == "Data engineer"


def test_raw_page_generates_a_dirty_file_with_its_defect_log(app_workspace: Settings) -> None:
    app = open_page("views/raw_data.py")
    app.number_input(key="raw_rows").set_value(500)
    app.button(key="FormSubmitter:make_raw-Make the raw file").click().run()
    assert not app.exception and not app.error
    assert Catalog(app_workspace).location("raw").exists()
    assert {m.label: m.value for m in app.metric}["Lines"] == "500"
    assert "Defects injected" in texts(app.subheader)
    assert "<workspace>/raw/customers_raw.csv" in texts(app.code)
    assert completed_steps(app_workspace) == ["raw"]


def test_clean_preset_writes_the_ground_truth(app_workspace: Settings) -> None:
    app = open_page()
    app.sidebar.radio(key="preset_data").set_value("Clean data (ground truth)").run()
    app.switch_page("views/raw_data.py").run()  # the preset survives the page switch
    assert "clean ground truth" in texts(app.markdown)
    app.number_input(key="raw_rows").set_value(300)
    app.button(key="FormSubmitter:make_raw-Make the raw file").click().run()
    summary = load_record(app_workspace)["raw"]["summary"]
    assert summary["dirty"] is False and summary["defects"] == []
    assert "customer_id" in summary["columns"]  # canonical headers: nothing to repair


def test_upload_that_is_not_a_csv_gets_a_clear_message(app_workspace: Settings) -> None:
    app = open_page("views/raw_data.py")
    app.file_uploader(key="raw_upload").set_value(("photo.csv", b"\x89PNG\x00\x00", "text/csv"))
    app.run()
    app.button(key="use_upload").click().run()
    assert not app.exception
    assert "photo.csv" in texts(app.error) and "not a text file" in texts(app.error)
    assert completed_steps(app_workspace) == []


def test_upload_without_the_customer_columns_is_refused(app_workspace: Settings) -> None:
    app = open_page("views/raw_data.py")
    app.file_uploader(key="raw_upload").set_value(("sales.csv", b"a,b\n1,2\n", "text/csv"))
    app.run()
    app.button(key="use_upload").click().run()
    assert "sales.csv" in texts(app.error) and "missing the column" in texts(app.error)


def test_a_usable_upload_becomes_the_raw_file(app_workspace: Settings) -> None:
    from demo.paths import SAMPLE_RAW_CSV

    head = b"".join(SAMPLE_RAW_CSV.open("rb").readlines()[:201])
    app = open_page("views/raw_data.py")
    app.file_uploader(key="raw_upload").set_value(("export.csv", head, "text/csv"))
    app.run()
    app.button(key="use_upload").click().run()
    assert not app.error
    assert load_record(app_workspace)["raw"]["summary"]["lines"] == 200


def test_reset_removes_every_artifact(app_workspace: Settings) -> None:
    app = open_page("views/raw_data.py")
    app.button(key="FormSubmitter:make_raw-Make the raw file").click().run()
    assert Catalog(app_workspace).location("raw").exists()
    app.sidebar.button(key="reset").click().run()
    assert not Catalog(app_workspace).location("raw").exists()
    assert completed_steps(app_workspace) == []
    assert "Workspace reset" in texts(app.sidebar.success)

"""The pipeline's steps and catalog: names that exist, inputs checked, one orchestrator.

The command line, the app's "Run all" and each app page run the steps through
``demo.steps``; the last tests prove it by behaviour, with a step swapped for a spy.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from demo import steps
from demo.catalog import NAMES, Catalog
from demo.errors import DemoError
from demo.model_layer.registry import version_by_alias
from demo.settings import Settings
from demo.step_record import load_record
from demo.walkthrough import STEPS as PAGES
from demo.walkthrough import Presets

SMALL_ROWS = 1_500


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.delenv("DEMO_PROFILE", raising=False)
    return Settings.from_env(tmp_path / "workspace")


@pytest.mark.parametrize("pipeline", [steps.STEPS, steps.SPARK_STEPS], ids=["pandas", "spark"])
def test_every_declared_input_and_output_is_a_catalog_name(pipeline) -> None:
    for step in pipeline:
        assert set(step.inputs) | set(step.outputs) <= set(NAMES), step.key
        made_before = {name for earlier in pipeline[:pipeline.index(step)]
                       for name in earlier.outputs}
        assert set(step.inputs) <= made_before, f"{step.key} reads what no earlier step makes"


def test_the_app_has_one_page_per_step_in_the_same_order() -> None:
    assert [page.key for page in PAGES] == [step.key for step in steps.STEPS]


def test_a_catalog_path_resolves_the_newest_run_and_names_what_is_missing(
        settings: Settings) -> None:
    catalog = Catalog(settings)
    with pytest.raises(DemoError, match="no silver table"):
        catalog.path("silver")
    spark_run = settings.silver_dir / "20240101T000000000000Z.spark"
    spark_run.mkdir(parents=True)  # a Spark run is a folder, older than the next one
    newest = settings.silver_dir / "20250101T000000000000Z.parquet"
    newest.write_bytes(b"")
    assert catalog.path("silver") == newest
    assert catalog.model_uri("champion") == f"models:/{settings.model_name}@champion"
    with pytest.raises(KeyError, match="no dataset called 'golden'"):
        catalog.location("golden")


def test_a_raw_file_outside_the_workspace_is_read_where_it_is(
        settings: Settings, tmp_path: Path) -> None:
    from demo.synthetic.scenarios import generate_batch

    export = tmp_path / "export.csv"
    generate_batch(50, seed=3).to_csv(export, index=False)
    before = export.read_bytes()
    steps.run_step("raw", settings, source=export)
    entry = steps.run_step("clean", settings)
    assert Catalog(settings).path("raw") == export.resolve()
    assert entry["summary"]["source_file"] == str(export.resolve())  # the lineage names it
    assert export.read_bytes() == before
    steps.run_step("raw", settings, rows=100)  # generated: the workspace's own file again
    assert Catalog(settings).path("raw") == Catalog(settings).location("raw")


@pytest.mark.parametrize(("key", "first"), [("clean", "raw"), ("train", "features"),
                                            ("retrain", "features")])
def test_run_step_refuses_missing_inputs_and_names_the_step_to_run_first(
        settings: Settings, key: str, first: str) -> None:
    with pytest.raises(DemoError, match=f"run '{first}' first"):
        steps.run_step(key, settings)
    assert load_record(settings) == {}


def test_rerunning_a_step_forgets_the_steps_that_used_its_old_output(
        settings: Settings) -> None:
    steps.run_step("raw", settings, rows=300)
    steps.run_step("clean", settings)
    assert list(load_record(settings)) == ["raw", "clean"]
    steps.run_step("raw", settings, rows=300, dirty=False)
    assert list(load_record(settings)) == ["raw"]
    with pytest.raises(DemoError, match="run 'clean' first"):
        steps.run_step("contract", settings)


@pytest.mark.slow
def test_run_all_on_a_small_generated_file_makes_every_output(settings: Settings) -> None:
    options = Presets(rows=SMALL_ROWS).step_options()
    options["train"]["candidates"] = ("baseline", "logistic_regression")
    seen: list[str] = []
    results = steps.run_all(settings, options, on_step=lambda step, index: seen.append(step.key))
    assert seen == list(results) == [step.key for step in steps.STEPS]
    catalog = Catalog(settings)
    for step in steps.STEPS:
        for name in step.outputs:
            if name in ("champion", "challenger"):
                assert version_by_alias(settings, name) is not None, name
            elif name != "candidates":  # candidates live in MLflow: the train record's runs
                assert catalog.exists(name), f"{step.key} did not make {name}"
    assert results["train"]["summary"]["candidates"].keys() == {"baseline",
                                                                "logistic_regression"}
    clean = results["clean"]["summary"]
    assert clean["rows_read"] == SMALL_ROWS
    assert len(catalog.load("gold")) == clean["rows_silver"]


def spy_on_raw(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Swap the raw step for one that notes its options and stops the run."""
    calls: list[dict] = []

    def raw(catalog: Catalog, **options: object) -> steps.Done:
        calls.append(options)
        raise DemoError("the spy stopped the run")

    spied = dataclasses.replace(steps.RAW, function=raw)
    monkeypatch.setattr(steps, "STEPS", (spied, *steps.STEPS[1:]))
    return calls


def test_the_command_line_runs_the_steps_of_demo_steps(
        settings: Settings, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from demo.cli import main
    from demo.paths import SAMPLE_RAW_CSV

    calls = spy_on_raw(monkeypatch)
    assert main(["run", "--workspace", str(settings.workspace)]) == 2
    assert calls == [{"source": SAMPLE_RAW_CSV}]
    assert "the spy stopped the run" in capsys.readouterr().err


@pytest.mark.slow
def test_the_app_runs_the_steps_of_demo_steps(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from demo.settings import WORKSPACE_ENV
    from tests.app.conftest import open_page, texts

    monkeypatch.setenv(WORKSPACE_ENV, str(settings.workspace))
    calls = spy_on_raw(monkeypatch)
    app = open_page()
    app.sidebar.button(key="run_all").click().run()  # the sidebar's "Run all"
    assert "the spy stopped the run" in texts(app.error)
    app.switch_page("views/raw_data.py").run()  # and the raw page's own button
    app.button(key="FormSubmitter:make_raw-Make the raw file").click().run()
    assert "the spy stopped the run" in texts(app.error)
    assert calls[0] == Presets().step_options()["raw"]
    assert calls[1]["rows"] == Presets().rows and len(calls) == 2

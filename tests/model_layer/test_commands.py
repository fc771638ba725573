"""The command line: train and promote, and every bad input as one line and exit code 2."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from demo.catalog import Catalog
from demo.cli import main
from demo.errors import ContractError, TrackingStoreError
from demo.model_layer.loading import load_model
from demo.model_layer.steps import contract_verdict
from demo.settings import Settings
from demo.step_record import save_step
from tests.model_layer.conftest import gold_frame

FAST = ["--candidates", "baseline", "logistic_regression", "--set", "training.trials=1"]


def run_cli(settings: Settings, *args: str) -> int:
    return main([args[0], "--workspace", str(settings.workspace), *args[1:]])


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "Traceback" not in err, err
    return " ".join(err.split())  # the console may wrap a long line


def write_gold(settings: Settings, frame: pd.DataFrame, run_id: str = "20260101T000000Z") -> Path:
    """A gold table in the catalog, recorded as the features step's output."""
    path = Catalog(settings).save("gold", frame, run_id)
    save_step(settings, "features", [path], {"run_id": run_id, "rows": len(frame)})
    return path


@pytest.mark.slow
def test_train_then_promote_from_the_command_line(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    write_gold(settings, gold_frame(1_500, seed=4))
    assert run_cli(settings, "promote") == 2
    assert "no MLflow tracking store at" in one_line_error(capsys)

    assert run_cli(settings, "train", *FAST) == 0
    out = capsys.readouterr().out
    assert "logistic_regression" in out and "as champion" in out
    summary = json.loads((settings.reports_dir / "run_summary.json").read_text())
    trained, registered = summary["train"], summary["registry"]
    assert set(trained["candidates"]) == {"baseline", "logistic_regression"}
    assert trained["candidates"]["logistic_regression"]["test"]["roc_auc"] > 0.75
    assert registered["version"] == "1" and registered["alias"] == "champion"
    assert registered["decision"]["promote"] is True
    assert trained["parent_run_id"] and trained["data_hash"]

    assert run_cli(settings, "promote") == 2
    assert "no model registered as 'challenger'" in one_line_error(capsys)

    assert run_cli(settings, "train", *FAST) == 0  # same data, same seed: an equal model
    registered = json.loads((settings.reports_dir / "run_summary.json").read_text())["registry"]
    assert registered["alias"] == "challenger" and registered["serving_version"] == "1"
    assert "kept the champion" in registered["decision"]["reason"]
    capsys.readouterr()
    assert run_cli(settings, "promote", "--set", "promotion.margin=-0.01") == 0
    assert "champion is version 2" in capsys.readouterr().out
    assert load_model(settings).version == "2"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--candidates", "xgboost"], "unknown model 'xgboost': choose one of baseline"),
        (["--param", "logistic_regression.C=-1"],
         "invalid hyperparameter for model 'logistic_regression'"),
        (["--param", "logistic_regression.depth=3"], "unknown hyperparameter(s) depth"),
        (["--set", "training.trials=0"], "'training.trials' must be at least 1"),
        (["--set", "costs.offer_success_rate=2"],
         "'costs.offer_success_rate' must be between 0 and 1, got 2.0"),
        (["--set", "promotion.margn=0.1"], "unknown policy setting 'promotion.margn'"),
        (["--set", "promotion.margin"], "expected SECTION.NAME=VALUE"),
    ],
)
def test_bad_training_options(settings: Settings, capsys: pytest.CaptureFixture[str],
                              args: list[str], message: str) -> None:
    write_gold(settings, gold_frame(300, seed=1))
    assert run_cli(settings, "train", *args) == 2
    assert message in one_line_error(capsys)
    assert not settings.mlflow_db.exists()  # refused before anything was tracked


@pytest.mark.parametrize(
    ("make_table", "message"),
    [
        (lambda g: g.iloc[:0], "the training table is empty"),
        (lambda g: g.assign(churn=0), "single class: all 300 customers stayed"),
        (lambda g: g.drop(columns="contract"), "missing model input column(s): contract"),
    ],
)
def test_untrainable_gold_tables(settings: Settings, capsys: pytest.CaptureFixture[str],
                                 make_table, message: str) -> None:
    write_gold(settings, make_table(gold_frame(300, seed=1)))
    assert run_cli(settings, "train") == 2
    assert message in one_line_error(capsys)


def test_no_gold_table(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(settings, "train") == 2
    assert "needs gold" in (error := one_line_error(capsys)) and "run 'features' first" in error


def test_failed_contract_is_refused_unless_forced(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    gold = write_gold(settings, gold_frame(300, seed=1), run_id="20260101T000000Z")
    report = {"run_id": "20260102T000000Z",
              "summary": {"success": False, "critical_failures": ["tenure outside 0..72"]}}
    (settings.reports_dir / "validation.json").write_text(json.dumps(report))
    assert run_cli(settings, "train") == 2
    error = one_line_error(capsys)
    assert "data contract run (20260102T000000Z) failed on: tenure outside 0..72" in error
    assert "from an earlier run" in error and "--force" in error
    catalog = Catalog(settings)
    assert contract_verdict(catalog, force=True) is None  # let through; not gold's report
    with pytest.raises(ContractError):
        contract_verdict(catalog, force=False)
    passed = {"run_id": gold.stem, "summary": {"success": True}}
    (settings.reports_dir / "validation.json").write_text(json.dumps(passed))
    assert contract_verdict(catalog) == passed


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not a database at all, just some text" * 100, "is corrupt or not a database"),
        (None, "is not an MLflow database (tables missing: experiments"),
    ],
)
def test_corrupt_tracking_store(settings: Settings, capsys: pytest.CaptureFixture[str],
                                content: bytes | None, message: str) -> None:
    settings.workspace.mkdir(parents=True)
    if content is None:
        with sqlite3.connect(settings.mlflow_db) as connection:
            connection.execute("CREATE TABLE customers (id TEXT)")
    else:
        settings.mlflow_db.write_bytes(content)
    write_gold(settings, gold_frame(300, seed=1))
    for command in ("train", "promote"):
        assert run_cli(settings, command) == 2
        error = one_line_error(capsys)
        assert str(settings.mlflow_db) in error and message in error
    with pytest.raises(TrackingStoreError, match=re.escape(message)):
        load_model(settings)


def test_generator_seed_is_recorded_only_when_known() -> None:
    from demo.model_layer.lineage import SAMPLE_GENERATOR_SEED, generator_seed
    from demo.paths import SAMPLE_RAW_CSV

    gold = gold_frame(20, seed=1)
    assert generator_seed(gold.assign(_source_file=str(SAMPLE_RAW_CSV))) == SAMPLE_GENERATOR_SEED
    assert generator_seed(gold.assign(_source_file="/data/export.csv")) is None
    assert generator_seed(gold) is None

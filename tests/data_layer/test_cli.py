"""The command line: a bad file ends in exit code 2 and one line naming it, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from demo.cli import main
from demo.paths import PROJECT_ROOT
from tests.data_layer.conftest import csv_text, customers_as_text


def demo_cli(*args: str, workspace: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEMO_PROGRESS": "0", "COLUMNS": "120"}
    return subprocess.run([sys.executable, "-m", "demo", *args, "--workspace", str(workspace)],
                          capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, timeout=120,
                          check=False)


BAD_FILES = {
    "missing": (None, "no such file"),
    "empty": (b"", "is empty"),
    "binary": (b"\x00\x01\x02\xff" * 64, "is not a text file"),
    "latin-1": ("customer_id,gender\n1,Fémale\n".encode("latin-1"), "line 2 is not UTF-8"),
    "semicolon": (b"customerID;gender\n1;Male\n", "separated by ';' (semicolon)"),
    "no-label": (csv_text(customers_as_text(3).drop(columns="churn")).encode(),
                 "missing required column(s): churn"),
}


def write_bad_file(tmp_path: Path, case: str) -> tuple[Path, str]:
    content, message = BAD_FILES[case]
    path = tmp_path / "input.csv"
    if content is not None:
        path.write_bytes(content)
    return path, message


@pytest.mark.parametrize("case", ["missing", "binary", "no-label"])
def test_bad_file_exits_2_with_one_error_line_naming_it(tmp_path, case: str) -> None:
    """In a real process, as a user meets it."""
    path, message = write_bad_file(tmp_path, case)
    done = demo_cli("ingest", str(path), workspace=tmp_path / "ws")
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert str(path) in lines[0] and message in lines[0]
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_every_bad_file_gets_exit_2_and_one_line_in_process(tmp_path, capsys,
                                                            case: str) -> None:
    path, message = write_bad_file(tmp_path, case)
    assert main(["ingest", str(path), "--workspace", str(tmp_path / "ws")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {path}") and message in err[0]


def test_ingest_prints_the_accounting_and_writes_the_summary(tmp_path, capsys) -> None:
    raw = customers_as_text(30).rename(columns={"customer_id": "customerID"})
    raw.loc[0, "churn"] = "Maybe"
    raw.loc[1, "contract"] = " TWO YEAR "
    path = tmp_path / "raw.csv"
    path.write_text(csv_text(raw))
    workspace = ["--workspace", str(tmp_path / "ws")]
    assert main(["ingest", str(path), "--skip-validation", *workspace]) == 0
    out = capsys.readouterr().out
    assert "rows read" in out and "churn label is not Yes or No" in out
    summary = json.loads((tmp_path / "ws" / "reports" / "run_summary.json").read_text())
    assert (summary["rows_read"], summary["rows_silver"], summary["rows_quarantined"]) == (
        30, 29, 1)
    assert summary["repairs"]["contract spelling normalised"] == 1


def test_unlabelled_batch_is_accepted_with_no_label(tmp_path) -> None:
    path = tmp_path / "batch.csv"
    path.write_text(csv_text(customers_as_text(8).drop(columns="churn")))
    args = ["ingest", str(path), "--no-label", "--skip-validation"]
    assert main([*args, "--workspace", str(tmp_path / "ws")]) == 0


def test_validate_without_a_silver_table_says_to_ingest_first(tmp_path, capsys) -> None:
    assert main(["validate", "--workspace", str(tmp_path / "ws")]) == 2
    err = capsys.readouterr().err
    assert "no silver table" in err and "python -m demo ingest" in err


def test_validate_runs_the_contract_step_on_the_latest_silver(tmp_path, capsys) -> None:
    from demo.catalog import Catalog
    from demo.settings import Settings
    from demo.step_record import load_record

    path, workspace = tmp_path / "customers.csv", tmp_path / "ws"
    path.write_text(csv_text(customers_as_text(200)))
    assert main(["ingest", str(path), "--skip-validation", "--workspace", str(workspace)]) == 0
    settings = Settings.from_env(workspace)
    assert load_record(settings)["contract"]["summary"]["skipped"] is True
    assert main(["validate", "--workspace", str(workspace)]) == 0
    assert "report:" in capsys.readouterr().out
    contract = load_record(settings)["contract"]["summary"]
    validation = Catalog(settings).load("validation")
    assert contract["success"] is True and "skipped" not in contract
    assert validation["run_id"] == Catalog(settings).run_id("silver")
    assert "features" in load_record(settings)  # gold built again: training may follow

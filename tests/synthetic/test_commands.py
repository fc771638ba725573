"""``python -m demo generate``: the committed sample stays in step with the code; bad
arguments end in one ``error:`` line and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from demo.cli import main
from demo.feature_spec import RAW_COLUMNS
from demo.paths import SAMPLE_RAW_CSV


def generate(*args: str) -> int:
    return main(["generate", *args])


def test_committed_sample_equals_a_fresh_generation(tmp_path: Path) -> None:
    out = tmp_path / "sample.csv"
    assert generate("--rows", "7043", "--seed", "42", "--out", str(out)) == 0
    assert out.read_bytes() == SAMPLE_RAW_CSV.read_bytes(), (
        "datasets/telco_churn_raw.csv no longer matches the generator: regenerate it with "
        "python -m demo generate --rows 7043 --seed 42 --out datasets/telco_churn_raw.csv"
    )


def test_clean_unlabelled_output(tmp_path: Path) -> None:
    out = tmp_path / "clean.csv"
    assert generate("--rows", "500", "--seed", "1", "--clean", "--no-label", "--out", str(out)) == 0
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(frame.columns) == [c for c in RAW_COLUMNS if c != "churn"]
    assert len(frame) == 500 and frame["customer_id"].is_unique


def test_default_output_goes_to_the_workspace(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    assert main(["generate", "--workspace", str(workspace), "--rows", "50",
                 "--scenario", "price_rise"]) == 0
    assert (workspace / "batches" / "price_rise_seed42_50.csv").is_file()


def test_non_linear_mode_same_customers_other_churn(tmp_path: Path) -> None:
    frames = {}
    for mode in ("linear", "non_linear"):
        out = tmp_path / f"{mode}.csv"
        assert generate("--rows", "2000", "--seed", "4", "--clean", "--churn-mode", mode,
                        "--out", str(out)) == 0
        frames[mode] = pd.read_csv(out, dtype=str, keep_default_na=False)
    inputs = [c for c in RAW_COLUMNS if c != "churn"]
    pd.testing.assert_frame_equal(frames["linear"][inputs], frames["non_linear"][inputs])
    assert not frames["linear"]["churn"].equals(frames["non_linear"]["churn"])


def test_the_churn_mode_names_the_default_output(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    assert main(["generate", "--workspace", str(workspace), "--rows", "50",
                 "--scenario", "price_rise", "--churn-mode", "non_linear"]) == 0
    assert (workspace / "batches" / "price_rise_non_linear_seed42_50.csv").is_file()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--churn-mode", "wiggly"], "expected one of: linear, non_linear"),
        (["--scenario", "churn_shift", "--churn-mode", "non_linear"], "cannot be combined"),
        (["--rows", "0"], "--rows 0"),
        (["--rows", "-5"], "--rows -5"),
        (["--seed", "-1"], "--seed -1"),
        (["--scenario", "nope"], "expected one of: baseline"),
        (["--id-start", "-3"], "--id-start -3"),
        (["--out", "{tmp}"], "is a directory"),
        (["--out", "{tmp}/batch.txt"], "expected a .csv file name"),
    ],
)
def test_bad_arguments_exit_2_with_one_error_line(
    args: list[str], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert generate(*args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and expected in err[0]
    assert not list(tmp_path.glob("*.csv"))


def test_unwritable_output_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert generate("--rows", "10", "--out", str(blocker / "x.csv")) == 2
    assert capsys.readouterr().err.startswith("error: --out")


def test_non_numeric_rows_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        generate("--rows", "many")
    assert exit_info.value.code == 2
    assert "error: argument --rows: invalid int value: 'many'" in capsys.readouterr().err

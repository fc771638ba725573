"""The notebook test set-up: the sanitize patterns and the per-notebook workspace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from nbval.plugin import get_sanitize_patterns

from demo.course.notebook import WORKSPACES_PREFIX, kernel_environment, notebook_workspace
from demo.paths import PROJECT_ROOT

SANITIZE_FILE = PROJECT_ROOT / "tests" / "nbval_sanitize.cfg"


def sanitize(text: str) -> str:
    for regex, replacement in get_sanitize_patterns(SANITIZE_FILE.read_text()):
        text = re.sub(regex, replacement, text)
    return text


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("run 3656f05414154699a245fc610bfc7477", "run 926e1dbdba174490a92c869e390c21c7"),
        ("at 2026-11-27 11:33:25", "at 2027-01-02T08:00:01.5+00:00"),
        ("lake/gold/20261127T120801649976Z.parquet", "lake/gold/20261128T090000000001Z.parquet"),
        ("<object at 0x7f3a2b1c9d80>", "<object at 0x7f00deadbeef>"),
        ("moving took 8.51 s", "moving took 412 ms"),
        ("/tmp/nbval-workspaces-ab_12/05_demo_01_pipeline/mlflow.db",
         "/home/me/course/nbval-workspaces-x9/05_demo_01_pipeline/mlflow.db"),
        ("request 1b4e28ba-2fa1-11d2-883f-0016d3cca427", "request 6fa459ea-ee8a-3ca4-894e-db77e160355e"),
        ("0    No  /work/main/datasets/telco_churn_raw.csv            2",
         "0    No  /tmp/ci-run/checkout/datasets/telco_churn_raw.csv      2"),
    ],
)
def test_what_changes_between_runs_is_masked(first: str, second: str) -> None:
    assert sanitize(first) == sanitize(second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("test ROC AUC 0.856", "test ROC AUC 0.857"),
        ("7,043 rows read", "7,044 rows read"),
        ("version 1 as 'champion'", "version 2 as 'champion'"),
        ("threshold 0.17", "threshold 0.18"),
        ("data hash 4a8d42ee6cd43892", "data hash 4a8d42ee6cd43893"),
        ("datasets/telco_churn_raw.csv", "datasets/telco_churn_clean.csv"),
    ],
)
def test_results_are_not_masked(first: str, second: str) -> None:
    assert sanitize(first) != sanitize(second)


def test_each_notebook_gets_its_own_workspace(tmp_path: Path) -> None:
    base = tmp_path / f"{WORKSPACES_PREFIX}abc"
    one = notebook_workspace(base, Path("lessons/01_history/01_timeline.ipynb"))
    two = notebook_workspace(base, Path("lessons/05_demo/01_pipeline_step_by_step.ipynb"))
    assert one != two and one.parent == two.parent == base
    environment = kernel_environment(str(one))
    assert environment["DEMO_WORKSPACE"] == str(one)
    assert environment["DEMO_PROGRESS"] == "0"
    assert sanitize(f"{one}/mlflow.db") == sanitize(f"{two}/mlflow.db") == "<WORKSPACE>/mlflow.db"

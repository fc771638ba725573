"""Fixtures for the app's tests: a temporary workspace the app uses, and pages opened in it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from demo.paths import PROJECT_ROOT
from demo.settings import WORKSPACE_ENV, Settings
from demo.steps import run_all
from demo.walkthrough import Presets

APP_SCRIPT = PROJECT_ROOT / "app" / "streamlit_app.py"
# Seconds one script run may take before AppTest gives up: a guard against a hang, not a
# speed check (the app's speed is measured by `make bench`). "Run all" takes about 20 s on a
# quiet 2-core machine and several times that beside other heavy tests.
TIMEOUT = 600
TEST_ROWS = 2_000  # a smaller raw file keeps the walkthrough fast; every step still runs
TEST_CANDIDATES = ("baseline", "logistic_regression")


def open_page(page: str | None = None) -> AppTest:
    """Run the app once, then (when given) switch to ``page`` and run that."""
    app = AppTest.from_file(str(APP_SCRIPT), default_timeout=TIMEOUT).run()
    if page is not None:
        app.switch_page(page).run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def texts(elements: object) -> str:
    """Every value of an element list joined, for 'is this said on the page' checks."""
    return "\n".join(str(e.value) for e in elements)  # type: ignore[attr-defined]


@pytest.fixture
def app_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """An empty workspace that the app under test uses."""
    workspace = tmp_path / "workspace"
    monkeypatch.setenv(WORKSPACE_ENV, str(workspace))
    return Settings.from_env(workspace)


@pytest.fixture(scope="session")
def _pipeline_ready(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workspace = tmp_path_factory.mktemp("app-ready") / "workspace"
    run_steps(Settings.from_env(workspace), until="retrain")
    return workspace


@pytest.fixture
def ready_workspace(
    _pipeline_ready: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """A workspace where every step has run once: a private copy, so a test may change it.

    (MLflow keeps absolute artifact paths, so new artifacts of a copy land beside the
    original's; the registry, the aliases and the walkthrough's record are the copy's own.)
    """
    workspace = tmp_path / "workspace"
    shutil.copytree(_pipeline_ready, workspace)
    monkeypatch.setenv(WORKSPACE_ENV, str(workspace))
    return Settings.from_env(workspace)


def run_steps(settings: Settings, until: str) -> None:
    """Run the pipeline's steps in order up to and including ``until``, as "run all" does
    (the pages need a model, not the slowest candidate)."""
    options = Presets(rows=TEST_ROWS).step_options()
    options["train"]["candidates"] = TEST_CANDIDATES
    run_all(settings, options, until=until)

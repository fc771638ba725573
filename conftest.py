"""How pytest runs the course's notebooks (nbval, strict mode; see pyproject.toml).

Every notebook runs in its own kernel against its own temporary workspace, handed over in
$DEMO_WORKSPACE when the kernel starts, so a test run never touches the learner's
``workspace/``. Outputs are compared after ``tests/nbval_sanitize.cfg`` masks what
legitimately changes between runs (run ids, timestamps, temporary paths, durations).
Notebook cells count as slow tests, so ``make test-fast`` leaves them out.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from demo.course.notebook import WORKSPACES_PREFIX, kernel_environment, notebook_workspace

SANITIZE_FILE = Path(__file__).resolve().parent / "tests" / "nbval_sanitize.cfg"


def _is_notebook_cell(item: pytest.Item) -> bool:
    return item.path.suffix == ".ipynb"


def pytest_configure(config: pytest.Config) -> None:
    option = config.option
    if getattr(option, "nbval", False) and not getattr(option, "nbval_sanitize_with", None):
        option.nbval_sanitize_with = str(SANITIZE_FILE)
    config.stash[_workspaces_key] = {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _is_notebook_cell(item):
            item.add_marker(pytest.mark.slow)


_workspaces_key = pytest.StashKey[dict[Path, Path]]()
_base_key = pytest.StashKey[Path]()


def _workspace_for(config: pytest.Config, notebook: Path) -> Path:
    """A fresh, empty workspace per notebook, created on first use."""
    workspaces = config.stash[_workspaces_key]
    if notebook not in workspaces:
        if _base_key not in config.stash:
            config.stash[_base_key] = Path(tempfile.mkdtemp(prefix=WORKSPACES_PREFIX))
        workspaces[notebook] = notebook_workspace(config.stash[_base_key], notebook)
    return workspaces[notebook]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    """Start each notebook's kernel with its own workspace in the environment."""
    if not _is_notebook_cell(item):
        yield
        return
    overrides = kernel_environment(str(_workspace_for(item.config, item.path)))
    saved = {key: os.environ.get(key) for key in overrides}
    os.environ.update(overrides)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def pytest_unconfigure(config: pytest.Config) -> None:
    base = config.stash.get(_base_key, None)
    if base is not None:
        shutil.rmtree(base, ignore_errors=True)

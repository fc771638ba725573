"""One call at the top of every lesson notebook: quiet, reproducible, offline defaults.

Notebook outputs are committed and re-checked by nbval, so anything that changes between
runs without meaning something (progress bars, library warnings, log lines) is switched off
here, once, instead of in every notebook.
"""

from __future__ import annotations

import logging
import os
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from demo.settings import WORKSPACE_ENV, Settings, configure_offline

# What a lesson's kernel needs in its environment, beside the workspace: no progress bars
# (they differ run to run) and no telemetry.
QUIET_ENV = {
    "DEMO_PROGRESS": "0",
    "TQDM_DISABLE": "1",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "GX_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
}

# Library warnings that say nothing a learner can act on, silenced by name: (message regex,
# module regex, category). Anything else — a ConvergenceWarning, a warning about the learner's
# own data or code — still shows in the notebook.
NOISY_WARNINGS: tuple[tuple[str, str, type[Warning]], ...] = (
    ("Hint: Inferred schema contains integer column", "", UserWarning),  # mlflow signatures
    ("", r"great_expectations(\.|$)", UserWarning),  # the suite's internal configuration notes
    ("Field .* has conflict with protected namespace", "", UserWarning),  # pydantic, via mlflow
    ("Setuptools is replacing distutils", "", UserWarning),  # imported by mlflow
    ("FigureCanvasAgg is non-interactive", "", UserWarning),  # matplotlib outside Jupyter
    ("IProgress not found", "", Warning),  # tqdm, outside widgets
)

# Loggers that speak on stderr at INFO level when a tracking store is created or a suite runs.
# Not "py.warnings": Great Expectations routes every warning through that logger once imported
# (logging.captureWarnings), so quieting it would hide the warnings a learner must see.
NOISY_LOGGERS = ("mlflow", "alembic", "great_expectations", "urllib3", "httpx", "uvicorn",
                 "matplotlib")


# Temporary lesson workspaces live under a folder with this prefix; the nbval sanitize file
# (tests/nbval_sanitize.cfg) masks such paths, so committed outputs do not depend on them.
WORKSPACES_PREFIX = "nbval-workspaces-"


def notebook_workspace(base: Path, notebook: Path) -> Path:
    """The temporary workspace of one notebook under ``base``: one per notebook."""
    return base / f"{notebook.parent.name}_{notebook.stem}"


def kernel_environment(workspace: str) -> dict[str, str]:
    """The environment variables a lesson kernel starts with to use ``workspace``."""
    return {**QUIET_ENV, WORKSPACE_ENV: workspace}


def setup_notebook() -> Settings:
    """Quiet the libraries, set display defaults, and return this run's settings.

    The workspace is $DEMO_WORKSPACE when set (the tests set a temporary one), else the
    repository's ``workspace/`` folder.
    """
    configure_offline()
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)
    quiet_warnings()
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    _display_defaults()
    return Settings.from_env()


def quiet_warnings() -> None:
    """Hide the libraries' deprecation notices and the noisy warnings named above, no more.

    Deprecations concern the libraries' maintainers, not a learner. Every other warning is
    left alone, so a model that did not converge says so in the notebook.
    """
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    for message, module, category in NOISY_WARNINGS:
        warnings.filterwarnings("ignore", message=message, category=category, module=module)


def _display_defaults() -> None:
    import matplotlib
    import pandas as pd

    pd.set_option("display.max_columns", 30)
    pd.set_option("display.width", 120)
    pd.set_option("display.precision", 3)
    pd.set_option("display.max_colwidth", 90)
    matplotlib.rcParams.update(
        {
            "figure.dpi": 96,
            "savefig.dpi": 96,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titleweight": "bold",
            "font.size": 10,
        }
    )
    try:  # inside Jupyter, show figures inline (a no-op in a plain interpreter)
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            shell.run_line_magic("matplotlib", "inline")
    except ImportError:
        pass


@dataclass
class Stopwatch:
    """Wall-clock seconds of a block: ``with stopwatch() as watch: ...; watch.seconds``."""

    seconds: float = 0.0

    def __str__(self) -> str:
        return format_seconds(self.seconds)


@contextmanager
def stopwatch() -> Iterator[Stopwatch]:
    watch = Stopwatch()
    start = time.perf_counter()
    try:
        yield watch
    finally:
        watch.seconds = time.perf_counter() - start


def format_seconds(seconds: float) -> str:
    """A duration as text with its unit, e.g. '1.24 s' or '35 ms'."""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.2f} s"

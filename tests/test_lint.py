"""ruff (whole checkout) and mypy --strict (demo/) pass, as part of ``make test``."""

from __future__ import annotations

import subprocess
import sys

from demo.paths import PROJECT_ROOT


def test_ruff_finds_nothing() -> None:
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format", "concise",
                           "--no-cache", "."], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_mypy_strict_finds_nothing_in_demo() -> None:
    """The pipeline type-checks under ``mypy --strict`` (configured in pyproject.toml)."""
    done = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental"], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]

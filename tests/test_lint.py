"""ruff passes on the whole checkout (code, tests, notebooks), as part of ``make test``."""

from __future__ import annotations

import subprocess
import sys

from demo.paths import PROJECT_ROOT


def test_ruff_finds_nothing() -> None:
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format", "concise",
                           "--no-cache", "."], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]

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


def test_no_pipeline_module_is_over_250_lines() -> None:
    """The teaching path stays readable in pieces: the three layers, the pipeline, the
    catalog and the command line (the fast path is a measured exception, read apart)."""
    demo = PROJECT_ROOT / "demo"
    modules = [*demo.glob("*_layer/*.py"), *(demo / name for name in (
        "pipeline.py", "catalog.py", "steps.py", "step_record.py", "cli.py", "commands.py",
        "head_start.py"))]
    too_long = {str(m.relative_to(demo)): n for m in modules if m.name != "fast_path.py"
                and (n := len(m.read_text().splitlines())) > 250}
    assert len(modules) > 30 and too_long == {}

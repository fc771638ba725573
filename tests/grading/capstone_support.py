"""Shared by the capstone tests: run the checker on a submission folder, sandbox on."""

from __future__ import annotations

import shutil
from pathlib import Path

from demo.paths import PROJECT_ROOT
from grading.capstone import CapstoneResult, check_submission

SOLUTION = PROJECT_ROOT / "solutions" / "capstone"
STARTER = PROJECT_ROOT / "exercises" / "capstone"
TEST_SEED = 424242  # a "secret" seed that is neither the practice seed nor a public one


def copy_submission(source: Path, target: Path) -> Path:
    """A learner's folder: the files of ``source`` (no caches)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def check(submission: Path, work: Path) -> CapstoneResult:
    work.mkdir(parents=True, exist_ok=True)
    return check_submission(submission, work, TEST_SEED, sandbox=True)

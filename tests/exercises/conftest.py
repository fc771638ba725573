"""The ``nb`` fixture of the exercise tests: the namespace of the notebook under test.

Which notebook that is depends on who runs the tests (see ``grading.plugin``): a plain
``pytest`` run loads ``solutions/`` (or ``$COURSE_NOTEBOOKS``), ``check("q1")`` passes the
learner's live notebook, and the class grader passes each student's copy.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import Any

import pytest

from grading.plugin import notebook_for, reference_for, register_markers, unmarked_tests


def pytest_configure(config: pytest.Config) -> None:
    register_markers(config)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    missing = unmarked_tests(items)
    if missing:
        raise pytest.UsageError(
            "every exercise test needs @pytest.mark.question(...) and @pytest.mark.points(...): "
            + ", ".join(missing)
        )


@pytest.fixture(scope="module")
def nb(request: pytest.FixtureRequest) -> Any:
    """The exercise notebook's namespace: ``nb.predict_churn_by_rule`` and so on."""
    return notebook_for(request)


@pytest.fixture(scope="module")
def reference(request: pytest.FixtureRequest) -> Any:
    """The reference solution's namespace (``reference.psi``), on the trusted side only."""
    return reference_for(request)


SECRET_SEED_ENV = "COURSE_SECRET_SEED"


@pytest.fixture(scope="session")
def variant_seed() -> Callable[[int], int]:
    """``variant_seed(public)``: the seed a test draws its inputs from.

    Without a secret (``check()``, a plain run) it is the public seed written in the test;
    under ``make grade --secret-seed N`` (held by the instructor, never in the repository)
    it is derived from the secret, so a submission cannot regenerate the inputs or labels.
    """
    secret = os.environ.get(SECRET_SEED_ENV, "")

    def seed(public: int) -> int:
        if not secret:
            return public
        digest = hashlib.sha256(f"{secret}:{public}".encode()).digest()
        return int.from_bytes(digest[:4], "big")

    return seed

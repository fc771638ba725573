"""The ``nb`` fixture of the exercise tests: the namespace of the notebook under test.

Which notebook that is depends on who runs the tests (see ``grading.plugin``): a plain
``pytest`` run loads ``solutions/`` (or ``$COURSE_NOTEBOOKS``), ``check("q1")`` passes the
learner's live notebook, and the class grader passes each student's copy.
"""

from __future__ import annotations

from typing import Any

import pytest

from grading.plugin import notebook_for, register_markers, unmarked_tests


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

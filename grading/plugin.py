"""The pytest side of grading: markers, the ``nb`` fixture's source, and result recording.

Exercise tests live in ``tests/exercises/test_NN_topic.py``; each is marked
``@pytest.mark.question("q1")`` and ``@pytest.mark.points(2)`` and takes the ``nb`` fixture
(defined in ``tests/exercises/conftest.py``, which calls ``notebook_for``). Which notebook
``nb`` holds is chosen by whoever runs pytest:

- ``check("q1")`` in a notebook hands over the live namespace (``Recorder(namespaces=...)``);
- the class grader hands over notebooks it loaded itself, under time limits;
- a plain ``pytest`` run loads ``$COURSE_NOTEBOOKS/NN_topic/exercise.ipynb`` (default
  ``solutions/``), so ``make test`` proves the solutions pass.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Generator, Iterable
from pathlib import Path
from typing import Any

import pytest

from demo.paths import SOLUTIONS_DIR
from grading.notebook import CappedSink, NotebookNamespace, load_notebook
from grading.outcomes import (
    FLOOD,
    PASSED,
    SKIPPED,
    OutputFlood,
    TestOutcome,
    explain,
    skipped_words,
    title_of,
)

NOTEBOOKS_ENV = "COURSE_NOTEBOOKS"
REFERENCE_ENV = "COURSE_REFERENCE"  # the instructor's reference notebooks (default solutions/)
REFERENCE_CACHE_ENV = "COURSE_REFERENCE_CACHE"  # the batch's folder of expected values
NOTEBOOK_NAME = "exercise.ipynb"
MARKERS = (
    "question(name): the exercise question a test grades, e.g. question('q1')",
    "points(n): how many points a passing test earns",
    "title(text): the test's title in reports, when its docstring is shared (quiz questions)",
)
_PROVIDED = pytest.StashKey[dict[str, Any]]()
_LOADED = pytest.StashKey[dict[Path, Any]]()


def register_markers(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)


def known_exercises(root: Path = SOLUTIONS_DIR) -> list[str]:
    """Exercise names (``01_history`` ...): the folders of ``root`` holding a notebook."""
    return sorted(p.parent.name for p in root.glob(f"*/{NOTEBOOK_NAME}"))


def exercise_of(module: Any) -> str:
    """The exercise a test module grades: its ``EXERCISE`` constant, else its file name
    (``test_01_history.py``, or ``test_01_history_more.py`` for extra tests)."""
    declared = getattr(module, "EXERCISE", None)
    if declared:
        return str(declared)
    stem = Path(module.__file__).stem.removeprefix("test_")
    matches = [name for name in known_exercises() if stem.startswith(name)]
    return max(matches, key=len) if matches else stem


def notebook_for(request: pytest.FixtureRequest) -> Any:
    """The namespace the ``nb`` fixture returns for the requesting test's exercise."""
    from grading.local import LocalNotebook

    exercise = exercise_of(request.module)
    provided = request.config.stash.get(_PROVIDED, None)
    if provided is not None:
        if exercise not in provided:
            pytest.fail(f"no notebook was submitted for {exercise}", pytrace=False)
        notebook = provided[exercise]
        return LocalNotebook(notebook) if isinstance(notebook, NotebookNamespace) else notebook
    return _loaded(request.config, request.getfixturevalue("tmp_path_factory"),
                   Path(os.environ.get(NOTEBOOKS_ENV) or SOLUTIONS_DIR), exercise)


def reference_for(request: pytest.FixtureRequest) -> Any:
    """The reference notebook of the requesting test's exercise, loaded where the tests run
    (the trusted side): expected values are computed from it, so no test file a learner can
    read holds a function that computes an answer."""
    from grading.local import ReferenceAnswers

    root = Path(os.environ.get(REFERENCE_ENV) or SOLUTIONS_DIR)
    exercise = exercise_of(request.module)
    cache = os.environ.get(REFERENCE_CACHE_ENV)
    config, factory = request.config, request.getfixturevalue("tmp_path_factory")
    return ReferenceAnswers(lambda: _loaded(config, factory, root, exercise),
                            Path(cache) / exercise if cache else None)


def _loaded(config: pytest.Config, factory: pytest.TempPathFactory, root: Path,
            exercise: str) -> Any:
    """The notebook at ``root/exercise``, loaded once per test run (cells run in a temporary
    folder)."""
    from grading.local import LocalNotebook

    path = root / exercise / NOTEBOOK_NAME
    cache = config.stash.setdefault(_LOADED, {})
    if path not in cache:
        if not path.exists():
            pytest.fail(f"no notebook at {path}", pytrace=False)
        tmp = factory.mktemp(f"load-{exercise}")
        previous = Path.cwd()
        os.chdir(tmp)  # whatever the cells write lands in a temporary folder
        try:
            cache[path] = LocalNotebook(load_notebook(path).namespace)
        finally:
            os.chdir(previous)
    return cache[path]


def unmarked_tests(items: Iterable[pytest.Item]) -> list[str]:
    """Exercise tests (those using ``nb``) that lack a question or points marker."""
    return [
        item.nodeid
        for item in items
        if "nb" in getattr(item, "fixturenames", ())
        and not (item.get_closest_marker("question") and item.get_closest_marker("points"))
    ]


def marker_value(item: pytest.Item, name: str, default: Any) -> Any:
    marker = item.get_closest_marker(name)
    return marker.args[0] if marker and marker.args else default


def test_title(item: pytest.Item) -> str:
    """A test's title: its ``title`` marker, else its docstring's first line or its name."""
    return str(marker_value(item, "title", "")) or title_of(getattr(item, "function", None),
                                                             item.name)


# A test may explain a pass too (a quiz answer's explanation): record_property(EXPLANATION, ...)
EXPLANATION = "explanation"


class Recorder:
    """A pytest plugin that keeps every exercise test's outcome in plain words.

    ``namespaces`` (exercise -> namespace) replaces notebook loading; ``question`` keeps only
    that question's tests; ``cap_output`` fails a test whose code prints more than that many
    characters (the class grader's flood guard); ``deselect`` names tests not to run.
    """

    def __init__(
        self,
        namespaces: dict[str, Any] | None = None,
        question: str | None = None,
        test_timeout: float | None = None,
        cap_output: int | None = None,
        on_event: Callable[..., None] | None = None,
        deselect: Iterable[str] = (),
        link: Any = None,
    ) -> None:
        self.namespaces = namespaces
        self.link = link  # a SandboxLink: its per-test time budget is set here
        self.deselect = set(deselect)
        self.on_event = on_event
        self.question = question
        self.test_timeout = test_timeout
        self.cap_output = cap_output
        self.outcomes: dict[str, TestOutcome] = {}
        self.collection_errors: list[str] = []
        self._flooded: set[str] = set()

    def pytest_configure(self, config: pytest.Config) -> None:
        register_markers(config)
        if self.namespaces is not None:
            config.stash[_PROVIDED] = self.namespaces

    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        keep = [
            i for i in items
            if i.nodeid not in self.deselect
            and (self.question is None or marker_value(i, "question", None) == self.question)
        ]
        dropped = [i for i in items if i not in keep]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = keep

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            error = f"{report.nodeid}: {str(report.longrepr)[-1500:]}"
            self.collection_errors.append(error)
            self._tell("collect-error", message=error)

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self._tell("start", nodeid=nodeid)

    def _tell(self, event: str, **fields: Any) -> None:
        if self.on_event is not None:
            self.on_event(event, **fields)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, Any, Any]:
        if self.link is not None:
            # Only the student's own time counts against the per-test limit: the budget
            # runs while a test's body waits for the sandbox, never during fixture set-up.
            self.link.budget = self.test_timeout
            try:
                return (yield)
            finally:
                self.link.budget = None
        if self.cap_output is None:
            return (yield)
        sinks = CappedSink(self.cap_output), CappedSink(self.cap_output)
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = sinks
        try:
            return (yield)
        finally:
            sys.stdout, sys.stderr = saved
            if any(s.flooded for s in sinks):
                self._flooded.add(item.nodeid)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if call.when == "teardown" and item.nodeid in self.outcomes and not report.failed:
            return report
        if call.when == "call" or report.failed or report.skipped:
            outcome = self._outcome(item, call, report)
            self.outcomes[item.nodeid] = outcome
            self._tell("outcome", **outcome.as_dict())
        return report

    def _outcome(
        self, item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport
    ) -> TestOutcome:
        module = getattr(item, "module", None)
        base = {
            "nodeid": item.nodeid,
            "exercise": exercise_of(module) if module else "",
            "question": str(marker_value(item, "question", "unmarked")),
            "title": test_title(item),
            "points": float(marker_value(item, "points", 0)),
        }
        if item.nodeid in self._flooded:
            words = f"printed more than {self.cap_output:,} characters; output is capped"
            return TestOutcome(**base, status=FLOOD, message=words)
        if report.passed:
            words = dict(report.user_properties).get(EXPLANATION, "")
            return TestOutcome(**base, status=PASSED, message=str(words))
        if report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
            return TestOutcome(**base, status=SKIPPED, message=skipped_words(str(reason)))
        error = call.excinfo.value if call.excinfo else RuntimeError(str(report.longrepr))
        if isinstance(error, OutputFlood):
            self._flooded.add(item.nodeid)
        status, words = explain(error, self.test_timeout)
        return TestOutcome(**base, status=status, message=words)

    def results(self) -> list[TestOutcome]:
        return list(self.outcomes.values())


def test_files(exercise: str, tests_dir: Path, extra_dirs: Iterable[Path] = ()) -> list[Path]:
    """The course's test file for ``exercise`` plus any extra ones for it."""
    files = [tests_dir / f"test_{exercise}.py"]
    for folder in extra_dirs:
        files += sorted(folder.glob(f"test_{exercise}*.py"))
    return [f for f in files if f.exists()]

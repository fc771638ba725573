"""What one exercise test said, in plain words: the bridge from pytest to feedback.

A learner never sees a traceback: each failure becomes one sentence — the test's own
assertion message (expected vs got), "not implemented yet", "took longer than 10 s", or
"your code raised KeyError: 'tenure' (code cell 4, line 3)".
"""

from __future__ import annotations

import re
import traceback
from dataclasses import asdict, dataclass
from types import TracebackType

from grading.notebook import CELL_FILENAME_PATTERN, CellTimeout, MissingAnswer

PASSED = "passed"
# Per-test reasons a test earned nothing; also the gradebook's per-question statuses.
FAILED = "failed"
NOT_IMPLEMENTED = "not-implemented"
TIMEOUT = "timeout"
MEMORY = "memory"
EXIT = "exit"
FLOOD = "flood"
FORBIDDEN = "forbidden"
SKIPPED = "skipped"
CRASHED = "crashed"
INVALID = "invalid"
MISSING = "missing"
STATUSES = (PASSED, FAILED, NOT_IMPLEMENTED, TIMEOUT, MEMORY, EXIT, FLOOD, FORBIDDEN, SKIPPED,
            CRASHED, INVALID, MISSING)


class StudentError(Exception):
    """What the student's side answered instead of a value: a status and plain words.

    Raised on the trusted side when the sandbox reports an error, ends, runs late or sends
    something that breaks the protocol; the test that asked earns nothing, with this status.
    """

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status if status in STATUSES else INVALID


class OutputFlood(Exception):
    """A test's code printed more than the grader keeps."""


class ForbiddenAction(PermissionError):
    """The submission tried something grading does not allow (writing outside its folder,
    starting a program)."""


class SubmissionExit(SystemExit):
    """Raised in place of ``os._exit`` so a submission cannot end the grader abruptly."""


@dataclass(frozen=True)
class TestEntry:
    """One gradable test: where it is, which question it answers, what it is worth."""

    __test__ = False  # not a pytest test class

    nodeid: str
    exercise: str
    question: str
    title: str
    points: float


@dataclass(frozen=True)
class TestOutcome(TestEntry):
    """One test's result: the entry it grades, its status, and why it failed."""

    __test__ = False

    status: str
    message: str = ""

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    @property
    def earned(self) -> float:
        return self.points if self.passed else 0.0

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def title_of(function: object, fallback: str) -> str:
    """A test's human title: the first line of its docstring, else its name in words."""
    doc = (getattr(function, "__doc__", None) or "").strip()
    if doc:
        return doc.splitlines()[0].rstrip(".")
    return fallback.removeprefix("test_").replace("_", " ")


def assertion_words(error: AssertionError) -> str:
    """The message a test wrote for its assert, without pytest's introspection lines."""
    text = str(error).strip()
    lines = text.splitlines()
    message = []
    for line in lines:
        if line.startswith(("assert ", "AssertionError")):
            break
        message.append(line)
    words = "\n".join(message).strip()
    return words or (lines[0] if lines else "a check failed")


def _notebook_location(tb: TracebackType | None) -> str:
    """'code cell 4, line 3' for the deepest frame in notebook code, or ''."""
    location = ""
    for frame, line in traceback.walk_tb(tb):
        match = CELL_FILENAME_PATTERN.match(frame.f_code.co_filename)
        if match:
            location = f"code cell {match['number']}, line {line}"
    return location


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def explain(error: BaseException, test_timeout: float | None = None) -> tuple[str, str]:
    """(status, plain words) for the exception a test ended with."""
    chain = _chain(error)
    student = next((e for e in chain if isinstance(e, StudentError)), None)
    if student is not None:
        return student.status, str(student)
    standin = getattr(error, "grading_words", None)  # an exception rebuilt from the sandbox
    if isinstance(standin, str):
        return str(getattr(error, "grading_status", FAILED)), standin
    if any(isinstance(e, NotImplementedError) for e in chain):
        return NOT_IMPLEMENTED, "not implemented yet: replace `raise NotImplementedError` with your code"
    if isinstance(error, MissingAnswer):
        return (NOT_IMPLEMENTED if error.unfinished else FAILED), str(error)
    text = str(error)
    pytest_timeout = type(error).__name__ == "Failed" and text.startswith("Timeout")
    if pytest_timeout or isinstance(error, CellTimeout):
        limit = f"the {test_timeout:g} s allowed" if test_timeout else "the time allowed"
        return TIMEOUT, f"took longer than {limit} (an endless loop?)"
    if any(isinstance(e, MemoryError) for e in chain):
        return MEMORY, "ran out of memory: the grader caps memory, so keep data small"
    if isinstance(error, OutputFlood):
        return FLOOD, str(error)
    if isinstance(error, ForbiddenAction):
        return FORBIDDEN, str(error)
    if isinstance(error, SystemExit):
        return EXIT, "called sys.exit() or os._exit(); a function should return its answer"
    if isinstance(error, AssertionError):
        return FAILED, assertion_words(error)
    where = _notebook_location(error.__traceback__)
    first = text.strip().splitlines()[0][:300] if text.strip() else ""
    detail = f"{type(error).__name__}: {first}" if first else type(error).__name__
    if where:
        return FAILED, f"your code raised {detail} ({where})"
    return FAILED, f"the check could not run: {detail}"


_SKIP_REASON = re.compile(r"^Skipped: ")


def skipped_words(reason: str) -> str:
    return "skipped (counts as 0): " + _SKIP_REASON.sub("", reason)

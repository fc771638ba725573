"""Turning a test's exception into one plain sentence."""

from __future__ import annotations

import pytest

from grading.notebook import CellTimeout, MissingAnswer
from grading.outcomes import ForbiddenAction, OutputFlood, SubmissionExit, explain


def raised_in_cell(source: str) -> BaseException:
    code = compile(source, "<exercise.ipynb code cell 4>", "exec")
    try:
        exec(code, {})  # noqa: S102 - code from a fake notebook cell
    except BaseException as error:  # noqa: BLE001 - the point of the helper
        return error
    raise AssertionError("the source did not raise")


@pytest.mark.parametrize("error, status, words", [
    (AssertionError("expected 3 flags, got 2\nassert 2 == 3"), "failed",
     "expected 3 flags, got 2"),
    (NotImplementedError(), "not-implemented", "not implemented yet"),
    (MissingAnswer("`f` is not defined: x", unfinished=True), "not-implemented", "`f` is not"),
    (MissingAnswer("`f` is not defined: y"), "failed", "`f` is not defined"),
    (CellTimeout("slow"), "timeout", "took longer than the 3 s allowed"),
    (MemoryError(), "memory", "ran out of memory"),
    (SystemExit(2), "exit", "called sys.exit()"),
    (SubmissionExit(3), "exit", "called sys.exit() or os._exit()"),
    (OutputFlood("printed too much"), "flood", "printed too much"),
    (ForbiddenAction("grading does not allow it"), "forbidden", "does not allow"),
    (KeyError("tenure"), "failed", "the check could not run: KeyError: 'tenure'"),
])
def test_explain(error, status, words):
    got_status, got_words = explain(error, test_timeout=3)
    assert got_status == status
    assert words in got_words


def test_an_error_in_notebook_code_names_the_cell_and_line():
    error = raised_in_cell("x = 1\nraise ValueError('no rules yet')")
    words = "your code raised ValueError: no rules yet (code cell 4, line 2)"
    assert explain(error) == ("failed", words)


def test_an_error_chained_from_not_implemented_counts_as_unfinished():
    try:
        try:
            raise NotImplementedError
        except NotImplementedError as inner:
            raise TypeError("wrapped") from inner
    except TypeError as error:
        assert explain(error)[0] == "not-implemented"

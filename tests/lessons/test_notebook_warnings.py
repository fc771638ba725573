"""The lessons' set-up silences noisy library warnings by name, and nothing a learner must see."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from demo.course.notebook import NOISY_LOGGERS, quiet_warnings


@pytest.fixture
def lesson_filters() -> Iterator[list[warnings.WarningMessage]]:
    """Warnings raised under the lessons' filters, as a notebook would see them."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        quiet_warnings()
        yield caught


def unconverged_fit() -> None:
    rng = np.random.default_rng(0)
    features = rng.normal(size=(200, 5))
    labels = (features[:, 0] + rng.normal(size=200) > 0).astype(int)
    LogisticRegression(max_iter=1).fit(features, labels)


def test_a_convergence_warning_is_shown(lesson_filters: list[warnings.WarningMessage]) -> None:
    unconverged_fit()
    assert any(issubclass(w.category, ConvergenceWarning) for w in lesson_filters)


def test_a_user_warning_from_the_learners_code_is_shown(
        lesson_filters: list[warnings.WarningMessage]) -> None:
    warnings.warn("3 rows have a negative tenure", UserWarning, stacklevel=1)
    assert [str(w.message) for w in lesson_filters] == ["3 rows have a negative tenure"]


@pytest.mark.parametrize(
    "message",
    [
        "Hint: Inferred schema contains integer column(s).",
        "Field \"model_server_url\" has conflict with protected namespace \"model_\".",
        "FigureCanvasAgg is non-interactive, and thus cannot be shown",
    ],
)
def test_the_named_library_warnings_are_silenced(
        lesson_filters: list[warnings.WarningMessage], message: str) -> None:
    warnings.warn(message, UserWarning, stacklevel=1)
    assert lesson_filters == []


def test_warnings_routed_through_logging_still_reach_the_learner(
        caplog: pytest.LogCaptureFixture) -> None:
    """Great Expectations turns on logging.captureWarnings when imported; the set-up must not
    then silence the logger that carries every warning."""
    assert "py.warnings" not in NOISY_LOGGERS
    levels = {name: logging.getLogger(name).level for name in NOISY_LOGGERS}
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        quiet_warnings()
        for name in NOISY_LOGGERS:
            logging.getLogger(name).setLevel(logging.ERROR)
        # Off, then on: when Great Expectations was imported earlier in this process, the
        # capture is already "on" and a second call would not hook it into this block.
        logging.captureWarnings(False)
        logging.captureWarnings(True)
        try:
            with caplog.at_level(logging.WARNING, logger="py.warnings"):
                unconverged_fit()
        finally:
            logging.captureWarnings(False)
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)
    assert any("ConvergenceWarning" in record.getMessage() for record in caplog.records)

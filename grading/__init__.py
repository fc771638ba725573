"""Graded exercises: notebook loading, ``check`` inside notebooks, and class grading.

Inside an exercise notebook::

    from grading import checker
    check = checker("01_history")
    ...
    check("q1")
"""

from __future__ import annotations

from collections.abc import Callable


def checker(exercise: str) -> Callable[[str], None]:
    """A ``check(question)`` function for one exercise; see ``grading.check``."""
    from grading.check import checker as make_checker

    return make_checker(exercise)


__all__ = ["checker"]

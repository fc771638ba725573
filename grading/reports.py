"""What grading hands back: the gradebook (one row per student, exercise and question), a
Markdown feedback file per student, and the score table ``make grade`` prints."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from grading.classroom import StudentResult
from grading.outcomes import FAILED, NOT_IMPLEMENTED, PASSED, SKIPPED, TestOutcome

GRADEBOOK_COLUMNS = ("student", "exercise", "question", "points", "max", "status")
PARTIAL = "partial"
# A question whose tests ended for one of these reasons gets it as its status (the first
# that applies), even when some other tests passed: the instructor should see it.
HOSTILE = ("missing", "invalid", "crashed", "timeout", "memory", "exit", "flood", "forbidden")


@dataclass(frozen=True)
class QuestionScore:
    exercise: str
    question: str
    points: float
    max: float
    status: str
    outcomes: tuple[TestOutcome, ...]


def question_status(outcomes: Iterable[TestOutcome]) -> str:
    """passed, partial, or the main reason the question earned nothing."""
    outcomes = list(outcomes)
    if all(o.passed for o in outcomes):
        return PASSED
    reasons = {o.status for o in outcomes if not o.passed}
    for status in HOSTILE:
        if status in reasons:
            return status
    if any(o.passed for o in outcomes):
        return PARTIAL
    if len(reasons) == 1 and reasons <= {NOT_IMPLEMENTED, SKIPPED}:
        return reasons.pop()
    return FAILED


def _question_key(question: str) -> tuple[int, str]:
    digits = re.sub(r"\D", "", question)
    return (int(digits) if digits else 10**6, question)


def question_scores(outcomes: Iterable[TestOutcome]) -> list[QuestionScore]:
    """Outcomes grouped by exercise and question, in course order."""
    groups: dict[tuple[str, str], list[TestOutcome]] = {}
    for outcome in outcomes:
        groups.setdefault((outcome.exercise, outcome.question), []).append(outcome)
    scores = [
        QuestionScore(exercise, question, sum(o.earned for o in group),
                      sum(o.points for o in group), question_status(group), tuple(group))
        for (exercise, question), group in groups.items()
    ]
    return sorted(scores, key=lambda s: (s.exercise, _question_key(s.question)))


def gradebook_rows(results: Iterable[StudentResult]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for result in results:
        for score in question_scores(result.outcomes):
            rows.append({"student": result.student, "exercise": score.exercise,
                         "question": score.question, "points": f"{score.points:g}",
                         "max": f"{score.max:g}", "status": score.status})
    return rows


def write_gradebook(results: Iterable[StudentResult], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=GRADEBOOK_COLUMNS)
        writer.writeheader()
        writer.writerows(gradebook_rows(results))
    return path


def _percent(points: float, maximum: float) -> str:
    return f"{100 * points / maximum:.0f} %" if maximum else "–"


def feedback_markdown(result: StudentResult) -> str:
    """A student's feedback: the score, a table per question, then what to fix and why."""
    scores = question_scores(result.outcomes)
    earned = sum(s.points for s in scores)
    total = sum(s.max for s in scores)
    lines = [f"# Feedback for {result.student}", "",
             f"Score: **{earned:g} / {total:g}** ({_percent(earned, total)}).", "",
             "| exercise | question | points | status |", "| --- | --- | --- | --- |"]
    lines += [f"| {s.exercise} | {s.question} | {s.points:g} / {s.max:g} | {s.status} |"
              for s in scores]
    for exercise in dict.fromkeys(s.exercise for s in scores):
        lines += ["", f"## {exercise}"]
        for score in (s for s in scores if s.exercise == exercise):
            lines += ["", f"### {score.question}: {score.points:g} / {score.max:g}"]
            for outcome in score.outcomes:
                mark = "✔" if outcome.passed else "✘"
                detail = "" if outcome.passed else f": {outcome.message}"
                lines.append(f"- {mark} {outcome.title}{detail}".replace("\n", " "))
    if result.notes:
        lines += ["", "## Notes from the grader", ""]
        lines += [f"- {note}".replace("\n", " ") for note in result.notes]
    return "\n".join(lines) + "\n"


def safe_file_name(student: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", student).strip("._") or "student"


def write_feedback(results: Iterable[StudentResult], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for result in results:
        path = folder / f"{safe_file_name(result.student)}.md"
        path.write_text(feedback_markdown(result), encoding="utf-8")
        written.append(path)
    return written


def score_table(result: StudentResult) -> list[dict[str, object]]:
    """Rows for the terminal table of one student: each question, then each exercise total."""
    rows: list[dict[str, object]] = []
    scores = question_scores(result.outcomes)
    for exercise in dict.fromkeys(s.exercise for s in scores):
        mine = [s for s in scores if s.exercise == exercise]
        for score in mine:
            rows.append({"exercise": exercise, "question": score.question,
                         "points": f"{score.points:g} / {score.max:g}", "status": score.status})
        earned, total = sum(s.points for s in mine), sum(s.max for s in mine)
        rows.append({"exercise": exercise, "question": "total",
                     "points": f"{earned:g} / {total:g}", "status": _percent(earned, total)})
    return rows

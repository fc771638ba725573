"""What grading hands back: the gradebook (one row per student, exercise and question), a
Markdown feedback file per student, the rubric sheet of answers a person marks, and the score
table ``make grade`` prints."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from grading.classroom import StudentResult
from grading.outcomes import FAILED, NOT_IMPLEMENTED, PASSED, SKIPPED, TestOutcome
from grading.roster import Skipped, feedback_name

GRADEBOOK_COLUMNS = ("student", "exercise", "question", "points", "max", "status",
                     "isolation")
SANDBOXED = "sandbox"
UNISOLATED = "none (--unsafe-no-sandbox)"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
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


def gradebook_rows(results: Iterable[StudentResult], isolation: str = SANDBOXED
                   ) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for result in results:
        for score in question_scores(result.outcomes):
            rows.append({"student": result.student, "exercise": score.exercise,
                         "question": score.question, "points": f"{score.points:g}",
                         "max": f"{score.max:g}", "status": score.status,
                         "isolation": isolation})
    return rows


def csv_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a ``'`` first."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def csv_text(columns: Iterable[str], rows: Iterable[dict[str, str]]) -> str:
    """A CSV table with its header, every cell one a spreadsheet shows as text."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns))
    writer.writeheader()
    writer.writerows({k: csv_cell(v) for k, v in row.items()} for row in rows)
    return buffer.getvalue()


def gradebook_text(rows: list[dict[str, str]]) -> str:
    return csv_text(GRADEBOOK_COLUMNS, rows)


def write_gradebook(results: Iterable[StudentResult], path: Path, isolation: str = SANDBOXED
                    ) -> Path:
    write_atomically(path, gradebook_text(gradebook_rows(results, isolation)))
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


def write_feedback(results: Iterable[StudentResult], folder: Path) -> list[Path]:
    written = []
    for result in results:
        path = folder / f"{feedback_name(result.student)}.md"
        write_atomically(path, feedback_markdown(result))
        written.append(path)
    return written


# A test named test_rubric_* passes with text for a person to mark (a design's reasons),
# one "item: text" line each; the rubric sheet lists them side by side, student by student.
RUBRIC_TEST = re.compile(r"::test_rubric_\w+")
RUBRIC_COLUMNS = ("exercise", "question", "item", "student", "text", "mark")


def rubric_rows(results: Iterable[StudentResult]) -> list[dict[str, str]]:
    rows = []
    for result in results:
        for outcome in result.outcomes:
            if not RUBRIC_TEST.search(outcome.nodeid):
                continue
            lines = outcome.message.splitlines() if outcome.passed else [
                f"(none: {outcome.message or outcome.status})"]
            for line in lines:
                item, _, text = line.partition(": ") if ": " in line else ("", "", line)
                rows.append({"exercise": outcome.exercise, "question": outcome.question,
                             "item": item, "student": result.student, "text": text,
                             "mark": ""})
    return sorted(rows, key=lambda r: (r["exercise"], _question_key(r["question"]), r["item"],
                                       r["student"]))


def write_rubric(results: Iterable[StudentResult], path: Path) -> Path:
    """The rubric sheet (CSV, formula cells escaped): one row per student and item, with an
    empty ``mark`` column for the instructor."""
    write_atomically(path, csv_text(RUBRIC_COLUMNS, rubric_rows(results)))
    return path


def write_skipped(skipped: list[Skipped], path: Path) -> Path:
    """The folders that were not graded, with the reason (CSV; formula cells escaped)."""
    rows = ({"folder": s.path, "reason": s.reason} for s in skipped)
    write_atomically(path, csv_text(("folder", "reason"), rows))
    return path


_FEEDBACK_ROW = re.compile(r"^\| (?P<exercise>[^|]+) \| (?P<question>[^|]+) \| "
                           r"(?P<points>[\d.]+) / (?P<max>[\d.]+) \| (?P<status>[^|]+) \|$")


def disagreements(results: list[StudentResult], out: Path) -> list[str]:
    """Read back what was written; every row of the gradebook must match the student's
    feedback file and the records both came from. Empty when all agree."""
    with (out / "gradebook.csv").open(newline="", encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    problems = []
    for result in results:
        expected = {(r["exercise"], r["question"]): (r["points"], r["max"], r["status"])
                    for r in gradebook_rows([result])}
        name = csv_cell(result.student)
        in_book = {(r["exercise"], r["question"]): (r["points"], r["max"], r["status"])
                   for r in written if r["student"] == name}
        feedback = (out / "feedback" / f"{feedback_name(result.student)}.md").read_text(
            encoding="utf-8")
        in_feedback = {(m["exercise"], m["question"]): (m["points"], m["max"], m["status"])
                       for m in map(_FEEDBACK_ROW.match, feedback.splitlines()) if m}
        if in_book != expected:
            problems.append(f"{result.student}: the gradebook differs from the records")
        if in_feedback != expected:
            problems.append(f"{result.student}: the feedback file differs from the records")
    if len(written) != sum(len(question_scores(r.outcomes)) for r in results):
        problems.append("the gradebook has rows for no graded student")
    return problems


def write_manifest(out: Path) -> Path:
    """SHA-256 of every file written, so a later change to any of them shows."""
    files = sorted(p for p in out.rglob("*") if p.is_file() and p.name != "manifest.json")
    digests = {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
               for p in files}
    path = out / "manifest.json"
    write_atomically(path, json.dumps(digests, indent=1, ensure_ascii=False) + "\n")
    return path


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

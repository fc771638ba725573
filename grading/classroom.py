"""Grade a class: two processes per student, several students at a time.

For each student the parent copies the course's tests and the submitted notebooks into a
fresh scratch folder and starts a trusted judge (``grading.child``) with a time cap. The
judge runs the tests; the student's notebooks run in a sandboxed runner that the judge
starts and talks to in plain data (``grading.remote``). Expected values of the reference
notebooks are kept per batch in ``reference-cache/`` (no sandbox sees the batch folder). If
a judge dies half-way, the journal it kept says what it was doing; a new judge grades the
rest, while time remains.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from demo.paths import PROJECT_ROOT
from grading.catalogue import TestEntry, collect_tests
from grading.child import PYTEST_INI, ChildJob
from grading.launcher import Attempt, fork_server, run_child
from grading.outcomes import CRASHED, INVALID, MISSING, STATUSES, TIMEOUT, TestOutcome
from grading.plugin import NOTEBOOK_NAME, known_exercises
from grading.warm_start import zygote

MAX_NOTEBOOK_BYTES = 20 * 2**20
BATCH_FOLDERS: set[Path] = set()  # the batches being graded now, removed on SIGTERM


@dataclass(frozen=True)
class Limits:
    """The caps every submission runs under."""

    test_timeout: float = 10.0
    cell_timeout: float = 10.0
    submission_timeout: float = 180.0
    memory_bytes: int = 4 * 2**30
    output_cap: int = 100_000
    workers: int = field(default_factory=lambda: max(1, os.cpu_count() or 1))
    restarts: int = 4
    sandbox: bool = True  # False only for a learner's own work or --unsafe-no-sandbox
    scratch_bytes: int = 512 * 2**20
    secret_seed: int | None = None  # the hidden variants' seed; None: the public inputs


@dataclass
class StudentResult:
    student: str
    outcomes: list[TestOutcome]
    notes: list[str]  # plain-word remarks for the feedback file
    seconds: float
    runner_starts: list[str] = field(default_factory=list)  # "warm" or "cold", per runner


@dataclass
class Course:
    """The tests every student is graded with (a copy made once per batch)."""

    folder: Path  # holds pytest.ini, conftest.py, exercises/, exercises/extra/
    exercises: list[str]
    test_files: list[str]  # relative to folder
    tests: list[TestEntry]


def prepare_course(batch: Path, extra_tests: Path | None, tests_dir: Path,
                   only: Iterable[str] | None = None) -> Course:
    """Copy the course's exercise tests (and an instructor's extra tests) into ``batch``;
    ``only`` limits grading to some exercises."""
    folder = batch / "course"
    exercise_tests = folder / "exercises"
    exercise_tests.mkdir(parents=True)
    shutil.copyfile(tests_dir / "conftest.py", folder / "conftest.py")
    for source in sorted((tests_dir / "exercises").glob("*.py")):
        shutil.copyfile(source, exercise_tests / source.name)
    if extra_tests is not None:
        (exercise_tests / "extra").mkdir()
        for source in sorted(extra_tests.glob("*.py")):
            shutil.copyfile(source, exercise_tests / "extra" / source.name)
    (folder / "pytest.ini").write_text(PYTEST_INI)
    exercises = [e for e in known_exercises() if only is None or e in set(only)]
    files = sorted(
        str(p.relative_to(folder))
        for p in exercise_tests.rglob("test_*.py")
        if any(p.stem.startswith(f"test_{name}") for name in exercises)
    )
    tests = collect_tests(folder, files)
    return Course(folder, exercises, files, tests)


def find_notebook(student_folder: Path, exercise: str) -> Path | None:
    """The student's notebook for ``exercise``: ``<student>/<exercise>/exercise.ipynb``
    (or under ``<student>/exercises/``); symbolic links are not followed."""
    for candidate in (student_folder / exercise / NOTEBOOK_NAME,
                      student_folder / "exercises" / exercise / NOTEBOOK_NAME):
        if candidate.is_file() and not candidate.is_symlink():
            return candidate
    return None


def _last_unfinished(events: list[dict[str, Any]]) -> tuple[str, str, int | None]:
    """What the child was doing when it stopped: ("test", nodeid, None), ("notebook",
    exercise, cell number) or ("", "", None)."""
    finished = {e.get("nodeid") for e in events if e["event"] == "outcome"}
    loaded = {e.get("exercise") for e in events if e["event"] in ("loaded", "invalid")}
    for event in reversed(events):
        if event["event"] == "start" and event.get("nodeid") not in finished:
            return "test", str(event.get("nodeid")), None
        if event["event"] in ("cell", "loading") and event.get("exercise") not in loaded:
            return "notebook", str(event.get("exercise")), event.get("number")
        if event["event"] in ("outcome", "loaded"):
            break
    return "", "", None


class StudentGrader:
    """Grades one student's folder; see the module docstring for the steps."""

    def __init__(self, course: Course, limits: Limits, batch: Path, zygote: str = "") -> None:
        self.course = course
        self.limits = limits
        self.batch = batch
        self.zygote = zygote  # the warm-start socket (grading.warm_start); "": cold runners

    def scratch_for(self, index: int, folder: Path) -> tuple[Path, set[str], list[str]]:
        """A fresh scratch folder: the course's tests, the submitted notebooks, ``work/``."""
        scratch = self.batch / f"student-{index:04d}"
        shutil.copytree(self.course.folder, scratch / "course")
        copied: set[str] = set()
        notes = []
        for exercise in self.course.exercises:
            source = find_notebook(folder, exercise)
            if source is None:
                continue
            if source.stat().st_size > MAX_NOTEBOOK_BYTES:
                notes.append(f"{exercise}: the notebook is larger than "
                             f"{MAX_NOTEBOOK_BYTES // 2**20} MB; it was not graded")
                continue
            target = scratch / "notebooks" / exercise / NOTEBOOK_NAME
            target.parent.mkdir(parents=True)
            shutil.copyfile(source, target)
            copied.add(exercise)
        for sub in ("home", "tmp", "workspace"):
            (scratch / "work" / sub).mkdir(parents=True)
        return scratch, copied, notes

    def grade(self, index: int, student: str, folder: Path) -> StudentResult:
        start = time.monotonic()
        deadline = start + self.limits.submission_timeout
        scratch, copied, notes = self.scratch_for(index, folder)
        skip = [ex for ex in self.course.exercises if ex not in copied]
        outcomes: dict[str, TestOutcome] = {}
        events: list[dict[str, Any]] = []
        crashed: list[str] = []
        stopped = False
        try:
            for attempt in range(self.limits.restarts + 1 if copied else 0):
                finished = self._finished_exercises(outcomes)
                if set(self.course.exercises) <= set(skip + crashed + finished):
                    break
                job = self._job(scratch, sorted(outcomes), skip + crashed + finished, deadline)
                result = run_child(job, scratch, attempt, deadline)
                events += result.events
                outcomes.update(self._reported_outcomes(result.events))
                if any(e["event"] == "done" for e in result.events):
                    break
                kind, what, cell = _last_unfinished(result.events)
                if result.timed_out:
                    notes.append(self._timeout_note(kind, what, cell))
                    stopped = True
                    break
                notes.append(self._crash_note(kind, what, cell, result))
                if kind == "test":
                    outcomes[what] = self._outcome_for(
                        what, "ended the grading process while this check ran (os._exit, "
                        "a crash, or the memory cap)")
                elif kind == "notebook":
                    crashed.append(what)
                else:
                    break
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        final = self._complete(outcomes, events, set(copied), crashed, stopped)
        starts = [str(s) for e in events if e["event"] == "notes"
                  and isinstance(e.get("starts"), list) for s in e["starts"]]
        return StudentResult(student, final, notes + self._load_notes(events),
                             time.monotonic() - start, starts)

    def _reported_outcomes(self, events: list[dict[str, Any]]) -> dict[str, TestOutcome]:
        """The child's outcomes, checked against the catalogue: question and points always
        come from the course's tests, never from the child's report."""
        known = {t.nodeid for t in self.course.tests}
        reported = {}
        for event in events:
            if event["event"] == "outcome" and event.get("nodeid") in known:
                status = str(event.get("status", CRASHED))
                status = status if status in STATUSES else INVALID
                message = str(event.get("message", ""))[:2000]
                reported[event["nodeid"]] = self._outcome_for(event["nodeid"], message, status)
        return reported

    def _finished_exercises(self, outcomes: dict[str, TestOutcome]) -> list[str]:
        """Exercises with an outcome for every test: a restart need not load them again."""
        return [ex for ex in self.course.exercises
                if all(t.nodeid in outcomes for t in self.course.tests if t.exercise == ex)]

    def _job(self, scratch: Path, done: list[str], skip: list[str], deadline: float
             ) -> ChildJob:
        return ChildJob(
            course=str(scratch / "course"), notebooks=str(scratch / "notebooks"),
            work=str(scratch / "work"), results=str(scratch / "results.jsonl"),
            exercises=self.course.exercises, test_files=self.course.test_files,
            deselect=done, skip_exercises=skip, test_timeout=self.limits.test_timeout,
            cell_timeout=self.limits.cell_timeout, memory_bytes=self.limits.memory_bytes,
            output_cap=self.limits.output_cap, sandbox=self.limits.sandbox,
            scratch_bytes=self.limits.scratch_bytes, secret_seed=self.limits.secret_seed,
            reference_cache=str(self.batch / "reference-cache"),
            submission_deadline=max(1.0, deadline - time.monotonic()),
            zygote=self.zygote,
        )

    def _outcome_for(self, nodeid: str, message: str, status: str = CRASHED) -> TestOutcome:
        entry = next((t for t in self.course.tests if t.nodeid == nodeid), None)
        if entry is None:  # not in the catalogue: worth nothing, but still reported
            return TestOutcome(nodeid, "", "", nodeid, 0.0, status, message)
        return TestOutcome(nodeid, entry.exercise, entry.question, entry.title, entry.points,
                           status, message)

    def _timeout_note(self, kind: str, what: str, cell: int | None) -> str:
        cap = f"{self.limits.submission_timeout:g} s"
        if kind == "notebook":
            return f"{what}: grading stopped after {cap} while loading the notebook" + (
                f" (code cell {cell})" if cell else "")
        if kind == "test":
            return f"grading stopped after {cap} while this check ran: {what}"
        return f"grading stopped after {cap}"

    def _crash_note(self, kind: str, what: str, cell: int | None, result: Attempt) -> str:
        why = f"exit code {result.returncode}"
        if kind == "notebook":
            where = f"code cell {cell}" if cell else "the notebook"
            return (f"{what}: the notebook ended the grading process while {where} ran "
                    f"({why}: os._exit, a crash, or the memory cap); its checks score 0")
        if kind == "test":
            return f"the grading process ended during {what} ({why})"
        return f"the grading process ended before grading anything ({why})"

    def _load_notes(self, events: list[dict[str, Any]]) -> list[str]:
        notes = []
        for event in events:
            if event["event"] == "notes" and isinstance(event.get("notes"), list):
                notes += [str(note)[:1000] for note in event["notes"]]
            elif event["event"] == "loaded":
                notes += [f"{event.get('exercise')}: {p}" for p in event.get("problems", [])]
                if event.get("flooded"):
                    notes.append(f"{event['exercise']}: the notebook printed more than "
                                 f"{self.limits.output_cap:,} characters; output was cut")
            elif event["event"] == "refused":
                notes.append(str(event.get("message")))
            elif event["event"] in ("child-error", "collect-error"):
                notes.append(f"grader problem: {str(event.get('message'))[:500]}")
        return list(dict.fromkeys(notes))

    def _complete(self, outcomes: dict[str, TestOutcome], events: list[dict[str, Any]],
                  copied: set[str], crashed: list[str], stopped: bool) -> list[TestOutcome]:
        """One outcome per course test: what ran, and why the rest earned nothing."""
        invalid = {e.get("exercise"): str(e.get("message")) for e in events
                   if e["event"] == "invalid"}
        final = []
        for entry in self.course.tests:
            if entry.exercise not in copied:
                final.append(self._outcome_for(entry.nodeid, "no notebook submitted at "
                                               f"{entry.exercise}/{NOTEBOOK_NAME}", MISSING))
            elif entry.exercise in invalid:
                final.append(self._outcome_for(entry.nodeid, invalid[entry.exercise], INVALID))
            elif entry.nodeid in outcomes:
                final.append(outcomes[entry.nodeid])
            elif entry.exercise in crashed:
                final.append(self._outcome_for(entry.nodeid, "not graded: the notebook ended "
                                               "the grading process while loading"))
            elif stopped:
                final.append(self._outcome_for(entry.nodeid, "not graded: the submission used "
                                               "up its time", TIMEOUT))
            else:
                final.append(self._outcome_for(entry.nodeid, "not graded: the grading process "
                                               "stopped early"))
        return final


def grade_students(
    students: Iterable[tuple[str, Path]],
    limits: Limits,
    extra_tests: Path | None = None,
    tests_dir: Path = PROJECT_ROOT / "tests",
    on_done: Callable[[StudentResult], None] | None = None,
    only: Iterable[str] | None = None,
) -> list[StudentResult]:
    """Grade every (name, folder) pair, ``limits.workers`` at a time; results in input order.

    ``only`` names the exercises to grade (default: every exercise in ``solutions/``).
    Students run in processes forked from a preloaded server (``multiprocessing``'s
    forkserver), so a script calling this needs the usual ``if __name__ == "__main__":``.
    """
    students = list(students)
    batch = Path(tempfile.mkdtemp(prefix="grading-"))
    BATCH_FOLDERS.add(batch)
    try:
        course = prepare_course(batch, extra_tests, tests_dir, only)
        with contextlib.ExitStack() as stack:
            # Both start before any student's clock runs; the zygote loads while the server does.
            warm = stack.enter_context(zygote(batch)) if limits.sandbox else None
            fork_server()
            grader = StudentGrader(course, limits, batch, (warm and warm()) or "")

            def one(args: tuple[int, tuple[str, Path]]) -> StudentResult:
                index, (name, folder) = args
                result = grader.grade(index, name, folder)
                if on_done is not None:
                    on_done(result)
                return result

            with ThreadPoolExecutor(max_workers=limits.workers) as pool:
                return list(pool.map(one, enumerate(students)))
    finally:
        shutil.rmtree(batch, ignore_errors=True)
        BATCH_FOLDERS.discard(batch)


def stop_on_sigterm() -> None:
    """On SIGTERM, end every process this grader started, remove its batch folders (each holds
    a copy of the tests) and multiprocessing's folder, then die of SIGTERM. Dying of the
    signal runs no ``finally`` and no ``atexit``, so nothing else would remove them."""
    def stop(signum: int, frame: object) -> None:
        import multiprocessing.util

        import psutil

        family = psutil.Process().children(recursive=True)
        for process in family:
            with contextlib.suppress(psutil.Error):
                process.kill()
        psutil.wait_procs(family, timeout=10)
        for folder in [*BATCH_FOLDERS, multiprocessing.util.get_temp_dir()]:
            shutil.rmtree(folder, ignore_errors=True)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)


# What grading must never change. The audit hook refuses writes from Python code; this
# fingerprint is the backstop for writes made from C code, checked after each batch.
COURSE_PARTS = ("tests", "grading", "demo", "solutions", "datasets", "lessons", "pyproject.toml",
                "conftest.py", "Makefile")


def course_fingerprint(root: Path = PROJECT_ROOT) -> dict[str, tuple[int, int]]:
    """(size, modification time) of every course file, by path relative to ``root``."""
    prints: dict[str, tuple[int, int]] = {}
    for part in COURSE_PARTS:
        base = root / part
        files = [base] if base.is_file() else base.rglob("*") if base.is_dir() else []
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts:
                stat = path.stat()
                prints[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return prints


def changed_files(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]
                  ) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))

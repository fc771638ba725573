"""A small class graded end to end: a good submission, a partial one, and one of each hostile
kind. The gradebook is checked line by line, the course's files must not change, and the
batch must finish within its caps."""

from __future__ import annotations

import csv
import hashlib
import time
import uuid
from pathlib import Path

import pytest

from demo.paths import PROJECT_ROOT
from grading import samples
from grading.__main__ import main

pytestmark = pytest.mark.slow

# Caps with headroom: an honest check needs well under 0.5 s of the student's time, so a
# 10 s per-test cap leaves 20x for a loaded machine; only the endless loops reach the caps.
TEST_TIMEOUT = 10.0
CELL_TIMEOUT = 5.0
SUBMISSION_TIMEOUT = 120.0
WORKERS = 2

# student -> {question: (points, max, status)} for exercise 01: one exercise question worth
# 4 points, then the quiz (6 points), which a submission answers as plain data
QUESTIONS = (("q1", 4), ("quiz", 6))
FULL = {q: (m, m, "passed") for q, m in QUESTIONS}
EXPECTED = {
    "good": FULL,
    "partial": {"q1": (2, 4, "partial"), "quiz": (4, 6, "partial")},  # quiz q1 and q5 wrong
    "raises": {**FULL, "q1": (0, 4, "failed")},
    "loops": {**FULL, "q1": (0, 4, "timeout")},
    "exits": {**FULL, "q1": (0, 4, "exit")},
    "crash_in_test": {**FULL, "q1": (0, 4, "crashed")},
    "crash_on_load": {q: (0, m, "crashed") for q, m in QUESTIONS},
    "memory": {**FULL, "q1": (0, 4, "memory")},
    "flood": {**FULL, "q1": (0, 4, "flood")},
    "invalid": {q: (0, m, "invalid") for q, m in QUESTIONS},
    "writes": {**FULL, "q1": (0, 4, "failed")},
    "absent": {q: (0, m, "missing") for q, m in QUESTIONS},
}
FULL_MARKS = sum(m for _, m in QUESTIONS)

COURSE_TEST = PROJECT_ROOT / "tests" / "exercises" / "test_01_history.py"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    base = tmp_path_factory.mktemp("class")
    submissions = base / "submissions"
    outside = base / f"outside-{uuid.uuid4().hex}.txt"
    for name, build in samples.HISTORY_VARIANTS.items():
        samples.write_student(submissions / name, {samples.HISTORY: build()})
    samples.write_student(submissions / "writes",
                          {samples.HISTORY: samples.history_writes(outside, COURSE_TEST)})
    (submissions / "absent").mkdir()
    before = _digest(COURSE_TEST)
    start = time.perf_counter()
    code = main(["--submissions", str(submissions), "--out", str(base / "out"),
                 "--test-timeout", str(TEST_TIMEOUT), "--cell-timeout", str(CELL_TIMEOUT),
                 "--submission-timeout", str(SUBMISSION_TIMEOUT), "--workers", str(WORKERS),
                 "--only", "01_history"])
    seconds = time.perf_counter() - start
    with (base / "out" / "gradebook.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    return {"code": code, "rows": rows, "seconds": seconds, "out": base / "out",
            "outside": outside, "course_digest_before": before}


def test_gradebook_line_by_line(graded_class):
    assert graded_class["code"] == 0
    got = {(r["student"], r["question"]): (float(r["points"]), float(r["max"]), r["status"])
           for r in graded_class["rows"]}
    for student, questions in EXPECTED.items():
        for question, (points, maximum, status) in questions.items():
            assert got.get((student, question)) == (points, maximum, status), (
                f"{student} {question}: expected {(points, maximum, status)}, "
                f"got {got.get((student, question))}")
    assert len(graded_class["rows"]) == sum(len(q) for q in EXPECTED.values())
    assert {r["exercise"] for r in graded_class["rows"]} == {"01_history"}
    header = list(graded_class["rows"][0])
    assert header == ["student", "exercise", "question", "points", "max", "status", "isolation"]


def test_the_course_and_the_outside_are_untouched(graded_class):
    assert _digest(COURSE_TEST) == graded_class["course_digest_before"]
    assert not graded_class["outside"].exists()


def test_feedback_says_why_in_plain_words(graded_class):
    folder = graded_class["out"] / "feedback"
    assert sorted(p.stem for p in folder.glob("*.md")) == sorted(EXPECTED)
    said = {name: (folder / f"{name}.md").read_text() for name in EXPECTED}
    assert f"Score: **{FULL_MARKS} / {FULL_MARKS}** (100 %)" in said["good"]
    assert "your code raised ValueError: no rules yet (code cell 4, line 3)" in said["raises"]
    assert said["loops"].count("took longer than the 10 s allowed (an endless loop?)") == 1
    assert said["loops"].count("not run: predict_churn_by_rule() took longer") == 2
    assert "code cell 2: still running after 5 s" in said["loops"]
    assert "called sys.exit()" in said["exits"]
    assert "ended the grading process while this check ran" in said["crash_in_test"]
    assert "ended the grading process while code cell 2 ran" in said["crash_on_load"]
    assert "ran out of memory" in said["memory"]
    assert "printed more than" in said["flood"]
    assert "is not a valid notebook" in said["invalid"]
    assert "No such file or directory" in said["writes"]  # the outside is not in its sandbox
    assert "no notebook submitted" in said["absent"]
    for text in said.values():  # the solution never leaks into feedback
        assert "Month-to-month" not in text


def test_the_batch_stays_within_its_caps(graded_class):
    waves = -(-len(EXPECTED) // WORKERS)
    assert graded_class["seconds"] < waves * SUBMISSION_TIMEOUT + 30


PRIVATE_TEST = '''
import pytest


@pytest.mark.question("q5")
@pytest.mark.points(3)
def test_rule_flags_someone(nb):
    """the rule flags at least one of fifty customers"""
    from demo.synthetic.customers import draw_customers

    assert nb.predict_churn_by_rule(draw_customers(50, seed=1)).any(), "expected a flag"
'''


def test_extra_tests_add_their_questions(tmp_path):
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "test_01_history_private.py").write_text(PRIVATE_TEST)
    submissions = tmp_path / "submissions"
    samples.write_student(submissions / "good", {samples.HISTORY: samples.solved("01_history")})
    samples.write_student(submissions / "starter", {samples.HISTORY: samples.starter("01_history")})
    code = main(["--submissions", str(submissions), "--out", str(tmp_path / "out"),
                 "--extra-tests", str(extra), "--test-timeout", str(TEST_TIMEOUT),
                 "--submission-timeout", str(SUBMISSION_TIMEOUT), "--only", "01_history"])
    assert code == 0
    with (tmp_path / "out" / "gradebook.csv").open() as handle:
        rows = {(r["student"], r["question"]): (r["points"], r["max"], r["status"])
                for r in csv.DictReader(handle)}
    assert rows[("good", "q5")] == ("3", "3", "passed")
    assert rows[("starter", "q5")] == ("0", "3", "not-implemented")
    assert rows[("good", "q1")] == ("4", "4", "passed")


def test_a_missing_submissions_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["--submissions", str(tmp_path / "nowhere")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_grading_from_a_process_whose_main_script_must_not_rerun(tmp_path, monkeypatch):
    """A caller's __main__ (a Streamlit page under AppTest, a kernel) is not re-run in students."""
    import sys
    import types

    foreign_main = types.ModuleType("__main__")
    foreign_main.__file__ = str(tmp_path / "a_script_that_must_not_run_again.py")
    monkeypatch.setitem(sys.modules, "__main__", foreign_main)
    submissions = tmp_path / "submissions"
    samples.write_student(submissions / "good", {samples.HISTORY: samples.solved("01_history")})
    code = main(["--submissions", str(submissions), "--out", str(tmp_path / "out"),
                 "--test-timeout", str(TEST_TIMEOUT),
                 "--submission-timeout", str(SUBMISSION_TIMEOUT), "--only", "01_history"])
    assert code == 0
    with (tmp_path / "out" / "gradebook.csv").open() as handle:
        statuses = {r["question"]: r["status"] for r in csv.DictReader(handle)}
    assert statuses == {q: "passed" for q in EXPECTED["good"]}


def test_a_class_is_refused_without_the_sandbox(tmp_path, monkeypatch, capsys):
    import grading.sandbox

    monkeypatch.setattr(grading.sandbox, "BWRAP", "no-such-bwrap-here")
    samples.write_student(tmp_path / "submissions" / "good",
                          {samples.HISTORY: samples.solved("01_history")})
    assert main(["--submissions", str(tmp_path / "submissions"),
                 "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert "bubblewrap (bwrap) is not installed" in error and "--unsafe-no-sandbox" in error
    assert not (tmp_path / "out").exists()


def test_unsafe_grading_marks_every_row(tmp_path):
    submissions = tmp_path / "submissions"
    samples.write_student(submissions / "good", {samples.HISTORY: samples.solved("01_history")})
    samples.write_student(submissions / "starter", {samples.HISTORY: samples.starter("01_history")})
    code = main(["--submissions", str(submissions), "--out", str(tmp_path / "out"),
                 "--unsafe-no-sandbox", "--test-timeout", str(TEST_TIMEOUT),
                 "--submission-timeout", str(SUBMISSION_TIMEOUT), "--only", "01_history"])
    assert code == 0
    with (tmp_path / "out" / "gradebook.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {r["isolation"] for r in rows} == {"none (--unsafe-no-sandbox)"}
    points = {s: sum(float(r["points"]) for r in rows if r["student"] == s)
              for s in ("good", "starter")}
    assert points == {"good": FULL_MARKS, "starter": 0.0}


def test_an_honest_student_scores_full_beside_a_cpu_hog(tmp_path):
    """Busy loops on every core (bounded in time) while an honest submission is graded."""
    import os
    import subprocess
    import sys

    hog = "import time\nend = time.monotonic() + 120\nwhile time.monotonic() < end:\n    pass"
    hogs = [subprocess.Popen([sys.executable, "-c", hog]) for _ in range(os.cpu_count() or 2)]
    try:
        submissions = tmp_path / "submissions"
        samples.write_student(submissions / "good",
                              {samples.HISTORY: samples.solved("01_history")})
        code = main(["--submissions", str(submissions), "--out", str(tmp_path / "out"),
                     "--test-timeout", str(TEST_TIMEOUT), "--submission-timeout",
                     str(SUBMISSION_TIMEOUT), "--only", "01_history"])
    finally:
        for process in hogs:
            process.kill()
            process.wait()
    assert code == 0
    with (tmp_path / "out" / "gradebook.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert sum(float(r["points"]) for r in rows) == FULL_MARKS
    assert {r["status"] for r in rows} == {"passed"}


def test_the_command_line_grades_and_ends_cleanly(tmp_path):
    """``python -m grading`` in its own process, as an instructor runs it, on an exercise whose
    checks run Great Expectations in the judge: exit 0, full marks, and nothing on stderr
    but progress (its judges once left semaphores behind, which the batch reported)."""
    import subprocess
    import sys

    submissions, out = tmp_path / "submissions", tmp_path / "out"
    samples.write_student(submissions / "good", {"02_layers": samples.solved("02_layers")})
    done = subprocess.run(
        [sys.executable, "-m", "grading", "--submissions", str(submissions), "--out", str(out),
         "--only", "02_layers", "--submission-timeout", str(SUBMISSION_TIMEOUT)],
        capture_output=True, text=True, timeout=600, cwd=PROJECT_ROOT, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "gradebook and feedback agree" in done.stdout + done.stderr
    assert "leaked" not in done.stderr and "Traceback" not in done.stderr, done.stderr[-2000:]
    with (out / "gradebook.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all(r["points"] == r["max"] for r in rows), rows


def test_a_grader_stopped_half_way_leaves_no_process(tmp_path):
    """SIGTERM to ``python -m grading`` while a student's endless loop runs: the fork server,
    the judges, the zygote, the sandboxes and the runners all end with it, and the batch
    folder is removed."""
    import os
    import shutil
    import signal
    import subprocess
    import sys
    import tempfile

    import psutil

    submissions = tmp_path / "submissions"
    samples.write_student(submissions / "loops",
                          {samples.HISTORY: samples.HISTORY_VARIANTS["loops"]()})
    # The grader's temporary folder, to see what it leaves: short, since multiprocessing
    # puts a socket in it and a socket's path has at most 107 bytes.
    scratch = Path(tempfile.mkdtemp(prefix="stop-", dir="/tmp"))
    grader = subprocess.Popen(
        [sys.executable, "-m", "grading", "--submissions", str(submissions),
         "--out", str(tmp_path / "out"), "--only", "01_history"],
        stdout=subprocess.DEVNULL, stderr=(tmp_path / "stderr.txt").open("wb"), cwd=PROJECT_ROOT,
        env={**os.environ, "TMPDIR": str(scratch)})
    started: set[tuple[int, float]] = set()

    def family() -> list[psutil.Process]:
        try:
            found = psutil.Process(grader.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        started.update((p.pid, p.create_time()) for p in found)
        return found

    deadline = time.monotonic() + 120
    while not any(p.name() == "bwrap" for p in family()):  # a sandbox is running
        assert time.monotonic() < deadline and grader.poll() is None, \
            f"no sandbox started: {(tmp_path / 'stderr.txt').read_text()[-2000:]}"
        time.sleep(0.2)
    time.sleep(2)  # the runner is in its loop
    family()
    grader.send_signal(signal.SIGTERM)
    grader.wait(timeout=30)

    def still_running() -> list[str]:
        alive = []
        for pid, created in started:
            try:
                process = psutil.Process(pid)
                if process.create_time() == created and process.status() != "zombie":
                    alive.append(" ".join(process.cmdline())[:120])
            except psutil.NoSuchProcess:
                pass
        return alive

    deadline = time.monotonic() + 15
    while still_running() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(started) >= 4  # fork server, judge, zygote, bwrap at least
    assert still_running() == []
    assert grader.returncode == -signal.SIGTERM
    left = list(scratch.iterdir())
    shutil.rmtree(scratch)
    assert left == []  # the batch folder, with its copy of the tests, too

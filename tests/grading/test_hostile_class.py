"""A hostile class, graded once with the sandbox on and a secret seed: one student per kind
of attack, beside honest ones. Every cheater earns nothing it did not genuinely answer,
honest students earn everything, nothing outside the sandboxes changes, no process is left,
and the gradebook agrees with the feedback (and stays as written)."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import socket
import threading
import time
import unicodedata
import uuid
from pathlib import Path

import pytest

from demo.paths import PROJECT_ROOT, SOLUTIONS_DIR
from grading import classroom, samples
from grading.__main__ import main
from grading.classroom import grade_students

pytestmark = pytest.mark.slow

COURSE_TEST = PROJECT_ROOT / "tests" / "exercises" / "test_01_history.py"
FULL = 10.0  # one question worth 4 points, and the quiz worth 6
# student -> total points on exercise 01 (out of 10) under the secret seed
TOTALS = {
    "good": FULL,
    "partial": 6.0,  # q1 2 + quiz 4 (two answers wrong)
    "network": FULL,  # its attack fails; its answers are its own
    "=HYPERLINK(x)": FULL,
    "patches_grader": 0.0,
    "forges_descriptors": 0.0,
    "writes_from_c": 0.0,
    "escapes": 0.0,
    "always_equal": 0.0,
    "reads_course": 7.0,  # q1 (where it returns what it found) keeps only "input left alone"
    "malformed_replies": 0.0,  # q1 (where it broke the protocol) and all after it, the quiz
    "seed_oracle": 8.0,  # the two checks on new customers earn nothing
    "seed_from_processes": 8.0,  # no process in its sandbox carries the secret seed
}
JOSE = "José"


class Listener:
    """A local TCP listener that records whether anyone connected."""

    def __init__(self) -> None:
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def stop(self) -> None:
        self.running = False
        self.thread.join()
        self.server.close()


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file and link under ``folder`` (links not followed) with its content hash."""
    digests = {}
    for root, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            path = Path(root) / name
            if path.is_symlink():
                digests[str(path)] = "link:" + os.readlink(path)
            elif path.is_file():
                digests[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def processes_with(marker: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if entry.name.isdigit() and marker in command:
            found.append(command)
    return found


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    base = tmp_path_factory.mktemp("hostile")
    submissions, out = base / "submissions", base / "out"
    good = samples.write_student(submissions / "good",
                                 {samples.HISTORY: samples.solved(samples.HISTORY)})
    samples.write_student(submissions / "partial", {samples.HISTORY: samples.history_partial()})
    samples.write_student(submissions / "=HYPERLINK(x)",
                          {samples.HISTORY: samples.solved(samples.HISTORY)})
    listener = Listener()
    marker = f"hostile-{uuid.uuid4().hex}"
    targets = samples.Targets(COURSE_TEST, good / samples.HISTORY / "exercise.ipynb",
                              base / f"outside-{marker}.txt", out, listener.port, marker)
    for name, notebook in samples.hostile_students(targets).items():
        samples.write_student(submissions / name, {samples.HISTORY: notebook})
    # Folders that must not be graded: links, and names that collide.
    (submissions / "linked_folder").symlink_to(good, target_is_directory=True)
    linked = submissions / "linked_notebook" / samples.HISTORY
    linked.mkdir(parents=True)
    (linked / "exercise.ipynb").symlink_to(SOLUTIONS_DIR / samples.HISTORY / "exercise.ipynb")
    for name in ("Ann Lee", "Ann_Lee", unicodedata.normalize("NFC", JOSE),
                 unicodedata.normalize("NFD", JOSE)):
        samples.write_student(submissions / name,
                              {samples.HISTORY: samples.solved(samples.HISTORY)})
    submissions_before = tree_digest(submissions)
    course_before = hashlib.sha256(COURSE_TEST.read_bytes()).hexdigest()
    starts: list[str] = []

    def recording(*args: object, **kwargs: object) -> list[classroom.StudentResult]:
        results = grade_students(*args, **kwargs)  # type: ignore[arg-type]
        starts.extend(s for r in results for s in r.runner_starts)
        return results

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(classroom, "grade_students", recording)
        code = main(["--submissions", str(submissions), "--out", str(out),
                     "--secret-seed", "424242", "--test-timeout", "20",
                     "--submission-timeout", "120", "--workers", "2", "--only", "01_history"])
    time.sleep(3)  # an escaped process would have rewritten the gradebook by now
    listener.stop()
    with (out / "gradebook.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    with (out / "skipped.csv").open(newline="") as handle:
        skipped = {r["folder"]: r["reason"] for r in csv.DictReader(handle)}
    return {"code": code, "rows": rows, "skipped": skipped, "out": out, "targets": targets,
            "listener": listener, "submissions_before": submissions_before,
            "submissions_after": tree_digest(submissions), "course_before": course_before,
            "leftovers": processes_with(marker), "starts": starts}


def totals(rows: list[dict[str, str]]) -> dict[str, float]:
    by_student: dict[str, float] = {}
    for row in rows:
        by_student[row["student"]] = by_student.get(row["student"], 0.0) + float(row["points"])
    return by_student


def test_every_student_gets_exactly_the_points_they_earned(hostile_class):
    assert hostile_class["code"] == 0
    got = totals(hostile_class["rows"])
    expected = {("'" + name if name.startswith("=") else name): total
                for name, total in TOTALS.items()}
    assert got == expected
    assert {r["isolation"] for r in hostile_class["rows"]} == {"sandbox"}
    assert sum(got.values()) == 3 * FULL + 6 + 7 + 0 + 8 + 8


def test_the_attacked_checks_earn_nothing_with_the_reason(hostile_class):
    status = {(r["student"], r["question"]): (r["points"], r["status"])
              for r in hostile_class["rows"]}
    assert status[("malformed_replies", "q1")] == ("0", "invalid")
    assert status[("malformed_replies", "quiz")] == ("0", "invalid")
    assert status[("forges_descriptors", "q1")] == ("0", "invalid")
    assert status[("seed_oracle", "q1")] == ("2", "partial")
    for question in ("q1", "quiz"):
        assert status[("always_equal", question)][0] == "0"
        assert status[("patches_grader", question)][0] == "0"
    feedback = (hostile_class["out"] / "feedback" / "always_equal.md").read_text()
    assert "not plain data" in feedback


def test_nothing_outside_the_sandboxes_changed(hostile_class):
    assert hostile_class["submissions_after"] == hostile_class["submissions_before"]
    assert hashlib.sha256(COURSE_TEST.read_bytes()).hexdigest() == hostile_class["course_before"]
    assert not hostile_class["targets"].outside.exists()


def test_the_attacks_met_runners_started_warm(hostile_class):
    # grading.warm_start forks runners into the sandboxes: the attacks above are tried on
    # that path (tests/grading/test_warm_start.py compares it with a cold start)
    assert hostile_class["starts"] and set(hostile_class["starts"]) == {"warm"}


def test_no_process_is_left_and_the_network_was_never_reached(hostile_class):
    assert hostile_class["leftovers"] == []
    assert hostile_class["listener"].connections == 0


def test_the_gradebook_agrees_with_feedback_and_stays_as_written(hostile_class):
    out = hostile_class["out"]
    manifest = json.loads((out / "manifest.json").read_text())
    for name, digest in manifest.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name
    assert "escaped" not in (out / "gradebook.csv").read_text()
    for row in hostile_class["rows"]:
        name = row["student"].removeprefix("'")
        from grading.roster import feedback_name

        text = (out / "feedback" / f"{feedback_name(name)}.md").read_text()
        line = f"| {row['exercise']} | {row['question']} | {row['points']} / {row['max']} |"
        assert line in text, f"{name}: {line} is not in the feedback"


def test_links_and_colliding_names_are_refused_and_listed(hostile_class):
    skipped = hostile_class["skipped"]
    assert "symbolic link" in skipped["linked_folder"]
    assert "symbolic or hard links" in skipped["linked_notebook"]
    assert "'Ann Lee' and 'Ann_Lee'" in skipped["Ann Lee"]
    assert "'Ann Lee' and 'Ann_Lee'" in skipped["Ann_Lee"]
    jose = [reason for folder, reason in skipped.items()
            if unicodedata.normalize("NFC", folder) == JOSE]
    assert len(jose) == 2 and all("same student" in reason for reason in jose)
    graded = {r["student"] for r in hostile_class["rows"]}
    assert not graded & {"linked_folder", "linked_notebook", "Ann Lee", "Ann_Lee", JOSE}


def test_no_solution_text_reaches_the_feedback(hostile_class):
    text = (hostile_class["out"] / "feedback" / "reads_course.md").read_text()
    assert "Month-to-month" not in text  # the solution's rule
    assert COURSE_TEST.read_text()[:40] not in text  # the course's test file, as it begins


FORGE_EXPORTS = """
import grading.exports as exports


def forged(value, frames=()):
    return {"is_expectation": True, "type": "ExpectationThatAlwaysPasses",
            "kwargs": {}, "column": "contract", "passes": [True, False]}


exports.EXPORTS["expectation"] = forged
"""


def test_a_forged_export_on_the_students_side_earns_nothing(tmp_path):
    """The describing code runs in the student's process; replacing it forges no verdict."""
    notebook = samples.with_answer(samples.solved("02_layers"), "expectation_for", "return None")
    submissions = tmp_path / "submissions"
    samples.write_student(submissions / "forger",
                          {"02_layers": samples.with_cell(notebook, FORGE_EXPORTS)})
    code = main(["--submissions", str(submissions), "--out", str(tmp_path / "out"),
                 "--test-timeout", "60", "--submission-timeout", "300", "--only", "02_layers"])
    assert code == 0
    with (tmp_path / "out" / "gradebook.csv").open(newline="") as handle:
        rows = {r["question"]: (r["points"], r["max"]) for r in csv.DictReader(handle)}
    assert rows["q2"] == ("0", "4")
    assert rows["q1"] == (rows["q1"][1], rows["q1"][1])  # what it answered still counts

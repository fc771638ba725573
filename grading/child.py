"""One student's grading run, in its own process: ``python -m grading.child JOB.json``.

The parent (``grading.classroom``) prepares a scratch folder and starts this module with the
scratch ``work/`` folder as working directory, HOME and TMPDIR. Here, before any submitted
code runs, the process limits itself and installs the guards (``grading.sandbox``); then it
loads each notebook under a per-cell time limit and runs the course's tests in-process with a
per-test timeout. Progress goes line by line (JSON) to the results file opened first, so a
run that dies half-way still says how far it got and what it was doing.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

PYTEST_INI = """[pytest]
markers =
    question(name): the exercise question a test grades
    points(n): how many points a passing test earns
    slow: takes more than a few seconds
    reference_data: reads the outside reference file
filterwarnings =
    ignore::DeprecationWarning
    ignore::FutureWarning
"""


@dataclass
class ChildJob:
    """Everything the child needs, written by the parent as JSON."""

    course: str  # the copied tests (rootdir); read-only for the submission
    notebooks: str  # <exercise>/exercise.ipynb, the submitted copies
    work: str  # the only folder the submission may write to
    results: str  # where the progress and outcomes go (JSON lines)
    exercises: list[str]
    test_files: list[str]
    deselect: list[str] = field(default_factory=list)
    skip_exercises: list[str] = field(default_factory=list)
    test_timeout: float = 10.0
    cell_timeout: float = 10.0
    memory_bytes: int = 4 * 2**30
    output_cap: int = 100_000
    environment: dict[str, str] = field(default_factory=dict)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, path: Path) -> ChildJob:
        return cls(**json.loads(path.read_text()))


class Journal:
    """The results file: one JSON object per line, flushed at once."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, event: str, **fields: Any) -> None:
        stamp = round(time.monotonic(), 3)
        self.stream.write(json.dumps({"event": event, "at": stamp, **fields}) + "\n")
        self.stream.flush()


def load_submissions(job: ChildJob, journal: Journal) -> dict[str, Any]:
    """Load each submitted notebook under the time limit; record what went wrong."""
    from grading.notebook import InvalidNotebook, load_notebook

    namespaces: dict[str, Any] = {}
    for exercise in job.exercises:
        if exercise in job.skip_exercises:
            continue
        path = Path(job.notebooks) / exercise / "exercise.ipynb"
        if not path.exists():
            journal.write("missing", exercise=exercise)
            continue
        journal.write("loading", exercise=exercise)
        try:
            loaded = load_notebook(
                path, cell_timeout=job.cell_timeout, output_limit=job.output_cap,
                on_cell=lambda number, ex=exercise: journal.write("cell", exercise=ex,
                                                                   number=number),
            )
        except InvalidNotebook as error:
            journal.write("invalid", exercise=exercise, message=str(error))
            continue
        namespaces[exercise] = loaded.namespace
        journal.write("loaded", exercise=exercise, flooded=loaded.output_flooded,
                      problems=[p.describe() for p in loaded.problems],
                      kinds=[p.kind for p in loaded.problems])
    return namespaces


def run(job: ChildJob, journal: Journal) -> None:
    from grading.check import run_tests

    namespaces = load_submissions(job, journal)
    ini = Path(job.course) / "pytest.ini"
    args = ["-c", str(ini), "--rootdir", job.course, "--import-mode=importlib",
            "-p", "pytest_timeout", "--capture=no"]
    files = [Path(job.course) / f for f in job.test_files
             if not any(Path(f).name.startswith(f"test_{s}") for s in job.skip_exercises)]
    if files:
        run_tests(files, namespaces=namespaces, test_timeout=job.test_timeout,
                  cap_output=job.output_cap, extra_args=args, deselect=job.deselect,
                  on_event=lambda event, **fields: journal.write(event, **fields))


def forked_main(job_path: str) -> None:
    """Entry point in a process forked from the grading fork server (modules preloaded).

    The process starts its own session (so the parent can kill all it leaves behind), drops
    the server's stdin/stdout/stderr, and takes the job's working folder and environment.
    """
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    job = ChildJob.load(Path(job_path))
    os.chdir(job.work)
    os.environ.clear()
    os.environ.update(job.environment)
    tempfile.tempdir = None  # read TMPDIR again
    sys.dont_write_bytecode = True
    main([job_path])


def main(argv: list[str]) -> None:
    job = ChildJob.load(Path(argv[0]))
    from grading.sandbox import install_guards, limit_resources

    results = open(job.results, "a", encoding="utf-8")  # noqa: SIM115 - kept open to the end
    journal = Journal(results)
    limit_resources(job.memory_bytes)
    real_exit = install_guards([Path(job.work)], lambda m: journal.write("refused", message=m))
    journal.write("started", pid=os.getpid())
    code = 0
    try:
        run(job, journal)
        journal.write("done")
    except BaseException as error:  # noqa: BLE001 - report the grader's own failure, then stop
        journal.write("child-error", message=f"{type(error).__name__}: {error}"[:2000])
        code = 3
    results.close()
    sys.stdout.flush()
    real_exit(code)  # no atexit handlers or lingering threads of the submission


if __name__ == "__main__":
    main(sys.argv[1:])

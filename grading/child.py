"""One student's trusted judge, in its own process: ``python -m grading.child JOB.json``.

The parent (``grading.classroom``) prepares a scratch folder per student and starts this
module there. The judge holds the course's tests and runs them with pytest; the student's
notebooks never run in this process: each ``nb`` is a ``grading.remote.RemoteNotebook`` that
asks a sandboxed runner (``grading.sandbox``) for plain data. Progress goes line by line
(JSON) to the results file, which the parent reads after this process is gone.
"""

from __future__ import annotations

import ctypes
import gc
import json
import multiprocessing.forkserver
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
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

    course: str  # the copied tests (rootdir); never visible to the submission
    notebooks: str  # <exercise>/exercise.ipynb, the submitted copies
    work: str  # the judge's working folder (and the unsandboxed runner's)
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
    sandbox: bool = True
    scratch_bytes: int = 512 * 2**20
    submission_deadline: float = 0.0  # seconds the whole student may take
    secret_seed: int | None = None  # for the tests' hidden variants; never sent to the runner
    reference_cache: str = ""  # the batch's expected values (trusted side only)
    zygote: str = ""  # the batch's warm-start socket (grading.warm_start); "": start cold

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


class SubmittedNotebooks(Mapping[str, Any]):
    """Exercise -> ``RemoteNotebook``, for the exercises this student submitted."""

    def __init__(self, link: Any, exercises: list[str]) -> None:
        self.link = link
        self.exercises = exercises

    def __getitem__(self, exercise: str) -> Any:
        from grading.remote import RemoteNotebook

        if exercise not in self.exercises:
            raise KeyError(exercise)
        self.link.ensure_loaded(exercise)
        return RemoteNotebook(self.link, exercise)

    def __iter__(self) -> Iterator[str]:
        return iter(self.exercises)

    def __len__(self) -> int:
        return len(self.exercises)


def open_link(job: ChildJob) -> Any:
    """The student's runner: in the OS sandbox, or (unsafe) a plain guarded process."""
    from functools import partial

    from grading.remote import Launch, SandboxLink, WarmLaunch
    from grading.sandbox import (
        SCRATCH,
        SandboxSpec,
        bwrap_command,
        bwrap_holder_command,
        capped_start,
        plain_command,
        runner_arguments,
    )

    spec = SandboxSpec(job.scratch_bytes, job.memory_bytes, job.output_cap)
    preexec = capped_start(job.memory_bytes)
    if job.sandbox:
        warm = WarmLaunch(job.zygote, partial(bwrap_holder_command, Path(job.notebooks), spec),
                          runner_arguments(spec)) if job.zygote else None
        launch = Launch(bwrap_command(Path(job.notebooks), spec), Path(job.work), {}, preexec,
                        SCRATCH, warm)
    else:
        from grading.launcher import child_environment

        env = child_environment(Path(job.work))
        launch = Launch(plain_command(Path(job.notebooks), spec), Path(job.work), env, preexec,
                        Path(job.work))
    return SandboxLink(launch, job.test_timeout, job.cell_timeout,
                         time.monotonic() + job.submission_deadline)


def run(job: ChildJob, journal: Journal) -> None:
    from grading.check import run_tests

    submitted = [ex for ex in job.exercises if ex not in job.skip_exercises
                 and (Path(job.notebooks) / ex / "exercise.ipynb").exists()]
    link = open_link(job)
    ini = Path(job.course) / "pytest.ini"
    args = ["-c", str(ini), "--rootdir", job.course, "--import-mode=importlib",
            "--capture=no"]
    files = [Path(job.course) / f for f in job.test_files
             if not any(Path(f).name.startswith(f"test_{s}") for s in job.skip_exercises)]
    try:
        if files:
            run_tests(files, namespaces=SubmittedNotebooks(link, submitted),  # type: ignore[arg-type]
                      test_timeout=job.test_timeout, extra_args=args, deselect=job.deselect,
                      on_event=lambda event, **fields: journal.write(event, **fields),
                      link=link)
    finally:
        link.stop()
        journal.write("notes", notes=link.notes[:200], starts=link.starts[:50])


def forked_main(job_path: str) -> None:
    """Entry point in a process forked from the grading fork server (modules preloaded).

    The process starts its own link (so the parent can kill all it leaves behind), drops
    the server's stdin/stdout/stderr, and takes the job's working folder and environment.
    """
    os.setsid()
    # The judge ends with the fork server, which ends with the grader: a grader stopped by
    # SIGTERM, SIGKILL or a crash takes its judges, and with them every sandbox, along.
    from grading.sandbox import PR_SET_PDEATHSIG

    server = os.getppid()
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != server:  # the server was already gone
        os._exit(1)
    # multiprocessing hands each child the write end of the server's "alive" pipe, so that
    # the server lives as long as any child; a judge starts no process through the server,
    # and its copy would keep the server, and so the judge itself, alive after the grader.
    state = getattr(multiprocessing.forkserver, "_forkserver", None)
    alive = getattr(state, "_forkserver_alive_fd", None)
    if alive is not None:
        os.close(alive)
        state._forkserver_alive_fd = None  # type: ignore[union-attr]
    # The preloaded libraries are millions of objects that live as long as the process:
    # frozen, the collector's full passes skip them (the judge's CPU fell by about a sixth)
    # and its pages stay shared with the server instead of being copied on the first pass.
    gc.freeze()
    # tqdm (under Great Expectations' validation) makes a multiprocessing lock on first use:
    # a named semaphore that a judge, ending with os._exit, never unlinks, so every batch
    # ended on "resource_tracker: ... leaked semaphore objects". A thread lock is enough.
    from tqdm import tqdm

    tqdm.set_lock(threading.RLock())
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    job = ChildJob.load(Path(job_path))
    os.chdir(job.work)
    os.environ.clear()
    os.environ.update(job.environment)
    if job.secret_seed is not None:  # the judge's own environment; the runner's is built apart
        os.environ["COURSE_SECRET_SEED"] = str(job.secret_seed)
    if job.reference_cache:
        os.environ["COURSE_REFERENCE_CACHE"] = job.reference_cache
    tempfile.tempdir = None  # read TMPDIR again
    sys.dont_write_bytecode = True
    main([job_path])


def main(argv: list[str]) -> None:
    job = ChildJob.load(Path(argv[0]))
    results = open(job.results, "a", encoding="utf-8")  # noqa: SIM115 - kept open to the end
    journal = Journal(results)
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
    os._exit(code)  # no atexit handlers or lingering threads


if __name__ == "__main__":
    main(sys.argv[1:])

"""The trusted side of class grading: the tests' ``nb`` is a view of a sandboxed process.

``RemoteNotebook.name`` asks the student's runner (``grading.runner``) for a value, and
``RemoteNotebook.function(args)`` sends arguments the test chose and gets the answer back, as
plain data (``grading.protocol``). Nothing of the student's code runs here. Every reply is
checked: a late one kills the sandbox (status ``timeout``), a missing one means the student's
process ended (``crashed``), a malformed or oversized one breaks the protocol (``invalid``:
that student only, and the rest of their checks earn nothing).
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import select
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grading.exports import FolderTransfers, decoded_bytes
from grading.outcomes import (
    CRASHED,
    EXIT,
    FAILED,
    FLOOD,
    FORBIDDEN,
    INVALID,
    MEMORY,
    MISSING,
    NOT_IMPLEMENTED,
    TIMEOUT,
    StudentError,
)
from grading.protocol import MAX_MESSAGE_BYTES, ProtocolError, decode, dumps, encode, loads

MAX_PROGRESS_LINES = 10_000
_KIND_STATUS = {"not-implemented": NOT_IMPLEMENTED, "missing": FAILED, "timeout": TIMEOUT,
                "memory": MEMORY, "exit": EXIT, "flood": FLOOD, "forbidden": FORBIDDEN,
                "unexportable": FAILED, "error": FAILED, "invalid": INVALID,
                "missing-notebook": MISSING}
_WHERE = re.compile(r"^code cell \d{1,6}, line \d{1,7}$")
# Exceptions a test may expect from a student's function (``pytest.raises(ValueError)``):
# rebuilt here as fresh built-in exceptions carrying the student's message as text.
_RAISABLE = {kind.__name__: kind for kind in (
    ValueError, KeyError, TypeError, IndexError, LookupError, ZeroDivisionError,
    ArithmeticError, RuntimeError, AttributeError, FileNotFoundError, OSError)}


class _Ended(Exception):
    """The runner's output closed: the student's process is gone."""


class _Late(Exception):
    """No reply before the deadline."""


def _words(value: Any, limit: int = 500) -> str:
    """Student-supplied text made safe to show: one line, capped."""
    return " ".join(str(value).split())[:limit]


class RunnerProcess:
    """One sandboxed runner and the pipe pair to it."""

    def __init__(self, process: subprocess.Popen[bytes], requests: int, replies: int,
                 how: str, runner_pid: int | None = None) -> None:
        self.process = process  # bwrap (or the unsandboxed runner): killing it ends all
        self.requests = os.fdopen(requests, "wb")
        self.replies = replies
        self.how = how  # "warm", "cold", or "cold: why the warm start failed"
        self.runner_pid = runner_pid  # a warm runner's host PID (it is not bwrap's child)
        self.buffer = b""

    @classmethod
    def start(cls, launch: Launch) -> RunnerProcess:
        """Warm (``grading.warm_start``) when the launch allows it and that works, else a
        fresh interpreter."""
        how = "cold"
        if launch.warm is not None:
            from grading.warm_start import WarmStartFailed, start_in_sandbox

            for _ in range(2):  # once more after a failure, then the same sandbox cold
                try:
                    sandbox, pid, requests, replies = start_in_sandbox(
                        launch.warm.address, launch.warm.holder_command,
                        launch.warm.runner_argv, launch.env, launch.preexec)
                    return cls(sandbox, requests, replies, "warm", pid)
                except WarmStartFailed as error:
                    how = f"cold: {_words(error, 200)}"
        process = subprocess.Popen(
            launch.command, cwd=launch.cwd, env=launch.env, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True,
            preexec_fn=launch.preexec,  # noqa: PLW1509 - caps set before exec; the judge has no other threads
            close_fds=True)
        assert process.stdin is not None and process.stdout is not None
        requests, replies = os.dup(process.stdin.fileno()), os.dup(process.stdout.fileno())
        process.stdin.close()
        process.stdout.close()
        return cls(process, requests, replies, how)

    def ask(self, request: dict[str, Any], timeout: float,
            on_progress: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        """Send one request and return its reply; progress lines go to ``on_progress``."""
        try:
            self.requests.write(dumps(request))
            self.requests.flush()
        except (BrokenPipeError, OSError):
            raise _Ended() from None
        deadline = time.monotonic() + timeout
        for _ in range(MAX_PROGRESS_LINES):
            message = loads(self._line(deadline))
            if message.get("id") != request["id"] or type(message.get("id")) is not int:
                raise ProtocolError("a reply to a request that was not asked")
            if "ok" not in message:
                on_progress(message)
                continue
            return message
        raise ProtocolError(f"more than {MAX_PROGRESS_LINES:,} progress lines")

    def _line(self, deadline: float) -> bytes:
        fd = self.replies
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_MESSAGE_BYTES:
                raise ProtocolError(f"a reply of more than {MAX_MESSAGE_BYTES:,} bytes")
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Late()
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise _Ended()
                self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line

    def kill(self) -> None:
        """End the sandbox and everything in it (its PID namespace dies with bwrap)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.kill()
        self.process.wait()
        with contextlib.suppress(OSError):
            self.requests.close()
        with contextlib.suppress(OSError):
            os.close(self.replies)


@dataclass
class WarmLaunch:
    """How to start a runner warm (``grading.warm_start``): the zygote's socket, the
    sandbox around a placeholder (``holder_command(info_fd)``), the runner's arguments."""

    address: str
    holder_command: Callable[[int], list[str]]
    runner_argv: list[str]


@dataclass
class Launch:
    """How to start a runner for one student: the command line, folder and environment."""

    command: list[str]
    cwd: Path
    env: dict[str, str]
    preexec: Callable[[], None]
    scratch: Path  # the runner's writable folder, as the runner sees it
    warm: WarmLaunch | None = None  # tried first when set


@dataclass
class SandboxLink:
    """One student's runner, restarted after a crash or a timeout, and what it reported."""

    launch: Launch
    test_timeout: float
    cell_timeout: float
    deadline: float  # time.monotonic() at which the submission's time is up
    notes: list[str] = field(default_factory=list)
    budget: float | None = None  # seconds left for the running test (None: fixture set-up)
    last_changed: list[Any] = field(default_factory=list)
    process: RunnerProcess | None = None
    loaded: set[str] = field(default_factory=set)
    broken: dict[str, StudentError] = field(default_factory=dict)
    # A function that ran out of time once is not called again: its later checks fail at
    # once, so an endless loop costs one time limit, not one per check.
    timed_out: set[tuple[str, str]] = field(default_factory=set)
    invalid: str | None = None
    next_id: int = 0
    next_folder: int = 0
    starts: list[str] = field(default_factory=list)  # RunnerProcess.how, one per runner

    def _ask(self, request: dict[str, Any], timeout: float,
             on_progress: Callable[[dict[str, Any]], None] = lambda m: None) -> dict[str, Any]:
        if self.invalid is not None:
            raise StudentError(INVALID, self.invalid)
        if self.process is None:
            self.process = RunnerProcess.start(self.launch)
            self.starts.append(self.process.how)
            self.loaded = set()
        self.next_id += 1
        request = {"id": self.next_id, **request}
        try:
            return self.process.ask(request, max(0.05, min(timeout, self.left())), on_progress)
        except ProtocolError as error:
            raise self.violation(_words(error, 300)) from None
        except (_Ended, _Late):
            self.stop()
            raise

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process = None

    def ensure_loaded(self, exercise: str) -> None:
        if exercise in self.broken:
            raise self.broken[exercise]
        if self.process is not None and exercise in self.loaded:
            return
        last_cell: list[int] = [0]

        def progress(message: dict[str, Any]) -> None:
            if type(message.get("cell")) is int:
                last_cell[0] = message["cell"]

        where = lambda: f"code cell {last_cell[0]}" if last_cell[0] else "the notebook"
        try:
            reply = self._ask({"op": "load", "exercise": exercise,
                               "cell_timeout": self.cell_timeout}, self.left(), progress)
        except _Ended:
            note = (f"{exercise}: the notebook ended the grading process while {where()} ran "
                    "(os._exit, a crash, or the memory cap); its checks score 0")
            return self._break(exercise, CRASHED, note)
        except _Late:
            note = f"{exercise}: grading stopped while loading the notebook ({where()})"
            return self._break(exercise, TIMEOUT, note)
        if reply.get("ok") is not True:
            status = _KIND_STATUS.get(str(reply.get("kind")), INVALID)
            return self._break(exercise, status, _words(reply.get("message", "")))
        problems = reply.get("problems")
        if type(problems) is not list:
            raise self.violation("a load reply without its list of problems")
        for problem in problems[:50]:
            if type(problem) is dict and type(problem.get("number")) is int:
                self.notes.append(f"{exercise}: code cell {problem['number']}: "
                                  f"{_words(problem.get('message', ''))}")
        if reply.get("flooded") is True:
            self.notes.append(f"{exercise}: the notebook printed more than the grader keeps; "
                              "output was cut")
        self.loaded.add(exercise)

    def _break(self, exercise: str, status: str, note: str) -> None:
        self.broken[exercise] = StudentError(status, note)
        self.notes.append(note)
        raise self.broken[exercise]

    def violation(self, what: str) -> StudentError:
        self.stop()
        self.invalid = f"the submission broke the grading protocol: {what}"
        self.notes.append(self.invalid)
        return StudentError(INVALID, self.invalid)

    def request(self, exercise: str, op: str, name: str, **payload: Any) -> dict[str, Any]:
        """One ``get`` or ``call``; raises ``StudentError`` for anything but an answer."""
        self.ensure_loaded(exercise)
        if op == "call" and (exercise, name) in self.timed_out:
            raise StudentError(TIMEOUT, f"not run: {name}() took longer than the "
                               f"{self.test_timeout:g} s allowed in an earlier check")
        allowed = self.test_timeout if self.budget is None else self.budget
        if allowed <= 0:
            raise StudentError(TIMEOUT, f"took longer than the {self.test_timeout:g} s allowed")
        grace = 2.0 + 0.5 * allowed  # the runner's own alarm fires first; this is the backstop
        start = time.monotonic()
        try:
            reply = self._ask({"op": op, "exercise": exercise, "name": name,
                               "timeout": allowed, **payload}, allowed + grace)
        except _Ended:
            raise StudentError(CRASHED, "ended the grading process while this check ran "
                               "(os._exit, a crash, or the memory cap)") from None
        except _Late:
            self._timed_out(op, exercise, name, allowed)
            raise StudentError(TIMEOUT, f"took longer than the {self.test_timeout:g} s allowed "
                               "(an endless loop?)") from None
        finally:
            if self.budget is not None:
                self.budget -= time.monotonic() - start
        if reply.get("ok") is True:
            return reply
        status = _KIND_STATUS.get(str(reply.get("kind")), INVALID)
        message = _words(reply.get("message", ""))
        where = str(reply.get("where", ""))
        if status == TIMEOUT:
            self._timed_out(op, exercise, name, allowed)
            message = f"took longer than the {self.test_timeout:g} s allowed (an endless loop?)"
        elif status == NOT_IMPLEMENTED and not message.startswith("`"):
            message = "not implemented yet: replace `raise NotImplementedError` with your code"
        elif str(reply.get("kind")) == "error":
            message = f"your code raised {message}" + (f" ({where})" if _WHERE.match(where)
                                                        else "")
            raised = _RAISABLE.get(str(reply.get("raised")))
            if raised is not None:
                raise _raised_here(raised, _words(reply.get("text", ""), 1000), message)
        raise StudentError(status, message)

    def _timed_out(self, op: str, exercise: str, name: str, allowed: float) -> None:
        # A call that had at least half the per-test limit and still did not answer is taken
        # as endless; one that got only a sliver left over by its test may just be slow.
        if op == "call" and allowed >= self.test_timeout / 2:
            self.timed_out.add((exercise, name))

    def value(self, reply: dict[str, Any], key: str = "value") -> Any:
        try:
            return decode(reply.get(key))
        except (ProtocolError, RecursionError, TypeError, ValueError) as error:
            raise self.violation(_words(error, 300)) from None


def _raised_here(kind: type[Exception], text: str, words: str) -> Exception:
    """A fresh ``kind`` exception standing for the one the student's code raised."""
    standin = type(kind.__name__, (kind,), {"grading_status": FAILED, "grading_words": words})
    return standin(text)


def _call(link: SandboxLink, exercise: str, name: str, args: tuple[Any, ...],
          kwargs: dict[str, Any], **extra: Any) -> Any:
    reply = link.request(exercise, "call", name, args=[encode(a) for a in args],
                            kwargs={k: encode(v) for k, v in kwargs.items()}, **extra)
    changed = reply.get("changed")
    if type(changed) is not list or any(type(c) not in (int, str) for c in changed):
        raise link.violation("a reply without the list of changed arguments")
    link.last_changed = changed
    return link.value(reply)


class RemoteFunction:
    """A student's function, applied in the sandbox to arguments chosen here."""

    def __init__(self, link: SandboxLink, exercise: str, name: str) -> None:
        self._link, self._exercise, self._name = link, exercise, name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _call(self._link, self._exercise, self._name, args, kwargs)

    def __repr__(self) -> str:
        return f"<the submission's {self._name}()>"


class RemoteNotebook:
    """``nb`` on the trusted side: names of one exercise notebook, answered as data."""

    def __init__(self, link: SandboxLink, exercise: str) -> None:
        object.__setattr__(self, "_link", link)
        object.__setattr__(self, "_exercise", exercise)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        link: SandboxLink = object.__getattribute__(self, "_link")
        exercise = object.__getattribute__(self, "_exercise")
        reply = link.request(exercise, "get", name)
        if reply.get("callable") is True:
            return RemoteFunction(link, exercise, name)
        return link.value(reply)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("the submission's notebook is read-only from the tests")

    @property
    def changed_arguments(self) -> list[Any]:
        """Which arguments the last call changed (positions, or keyword names)."""
        return list(object.__getattribute__(self, "_link").last_changed)

    def exported(self, export: str, name: str, *args: Any, using: tuple[Any, ...] = (),
                 **kwargs: Any) -> Any:
        """``name(*args, **kwargs)`` turned into data by ``grading.exports.EXPORTS[export]``
        (with the extra inputs ``using``) on the student's side."""
        link = object.__getattribute__(self, "_link")
        return _call(link, object.__getattribute__(self, "_exercise"), name, args, kwargs,
                     export=export, using=[encode(u) for u in using])

    @property
    def files(self) -> RemoteFiles:
        """Files in the student's scratch folder, for tests that hand over or read files."""
        return RemoteFiles(object.__getattribute__(self, "_link"),
                           object.__getattribute__(self, "_exercise"))


class RemoteFiles(FolderTransfers):
    """The student's scratch folder, seen from the trusted side through the runner."""

    def __init__(self, link: SandboxLink, exercise: str) -> None:
        self._link, self._exercise = link, exercise

    def folder(self, name: str) -> Path:
        """A new, empty folder on the student's side."""
        self._link.next_folder += 1
        path = self._link.launch.scratch / "checks" / f"{name}-{self._link.next_folder}"
        self._do("mkdir", path)
        return path

    def _do(self, action: str, *args: Any) -> Any:
        reply = self._link.request(self._exercise, "files", "", action=action,
                                      args=[encode(a) for a in args])
        return self._link.value(reply)

    def write_text(self, path: Path, text: str) -> None:
        self._do("write_text", path, text)

    def exists(self, path: Path) -> bool:
        return self._do("exists", path) is True

    def glob(self, folder: Path, pattern: str) -> list[Path]:
        return list(self._do("glob", folder, pattern))

    def read_parquet(self, path: Path) -> Any:
        return self._do("read_parquet", path)

    def write_bytes(self, path: Path, data: bytes) -> None:
        self._do("write_base64", path, base64.b64encode(data).decode())

    def read_bytes(self, path: Path) -> bytes:
        return decoded_bytes(self._do("read_base64", path))

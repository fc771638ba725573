"""Python-level guards for a runner that has no OS sandbox (``--unsafe-no-sandbox``, or a
learner grading their own work). They are not a security boundary: the sandbox is.

- writes: a Python audit hook (``sys.addaudithook``, which cannot be removed) refuses to open
  a file for writing, delete, rename or create anything outside the allowed folders, and
  refuses to start programs, send signals, or change resource limits.
- exits: ``os._exit`` is replaced by an exception, so a submission cannot end the grader
  silently; ``sys.exit`` already raises ``SystemExit``, which the tests report.

The audit hook sees what Python code does; code in C extensions can get around it, so the
parent also checks afterwards that the course's own files did not change.
"""

from __future__ import annotations

import os
import platform
import posix
import sys
import sysconfig
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from grading.notebook import CELL_FILENAME_PATTERN
from grading.outcomes import ForbiddenAction, SubmissionExit

_STDLIB = sysconfig.get_paths()["stdlib"]

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_PATH_EVENTS = {  # event -> positions of the path arguments it changes
    "os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.rename": (0, 1),
    "os.link": (0, 1), "os.symlink": (1,), "os.truncate": (0,), "os.chmod": (0,),
    "os.chown": (0,), "os.utime": (0,), "os.setxattr": (0,), "os.removexattr": (0,),
    "shutil.rmtree": (0,), "shutil.copyfile": (1,), "shutil.copytree": (1,),
    "shutil.move": (0, 1), "sqlite3.connect": (0,),
}
_REFUSED_EVENTS = {
    "subprocess.Popen": "start another program",
    "os.system": "start another program",
    "os.exec": "start another program",
    "os.posix_spawn": "start another program",
    "os.spawn": "start another program",
    "os.fork": "fork the grading process",
    "os.forkpty": "fork the grading process",
    "pty.spawn": "start another program",
    "os.kill": "send a signal to a process",
    "os.killpg": "send a signal to a process",
    "signal.pthread_kill": "send a signal to a process",
    "resource.setrlimit": "change the grader's limits",
    "resource.prlimit": "change the grader's limits",
    "sys.addaudithook": "add an audit hook",
}


def _real(path: Any) -> str | None:
    if isinstance(path, int) or path is None:
        return None  # a file descriptor: already opened, checked then
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    text = str(path)
    if text in (":memory:", "") or text.startswith("file::memory:"):
        return None
    return os.path.realpath(text)


def _opens_for_writing(mode: Any, flags: Any) -> bool:
    if isinstance(mode, str):
        return any(c in mode for c in "wax+")
    return isinstance(flags, int) and bool(flags & _WRITE_FLAGS)


class WriteGuard:
    """The audit hook: only paths under ``allowed`` may change."""

    def __init__(self, allowed: Iterable[Path], on_refusal: Callable[[str], None]) -> None:
        self.allowed = tuple(os.path.realpath(p) for p in allowed) + ("/dev/null",)
        self.on_refusal = on_refusal

    def permitted(self, path: str) -> bool:
        return any(path == root or path.startswith(root + os.sep) for root in self.allowed)

    def refuse(self, what: str) -> None:
        where, asked_by_notebook = _where()
        message = f"grading does not allow a submission to {what}{where}"
        if asked_by_notebook:  # a library's own probe is refused quietly
            self.on_refusal(message)
        raise ForbiddenAction(message)

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if event == "open":
            path, mode, flags = (tuple(args) + (None, None, None))[:3]
            if _opens_for_writing(mode, flags):
                real = _real(path)
                if real is not None and not self.permitted(real):
                    self.refuse(f"write to {real}")
        elif event in _PATH_EVENTS:
            for position in _PATH_EVENTS[event]:
                real = _real(args[position]) if position < len(args) else None
                if real is not None and not self.permitted(real):
                    self.refuse(f"change {real} ({event})")
        elif event in _REFUSED_EVENTS:
            self.refuse(_REFUSED_EVENTS[event])


def _where() -> tuple[str, bool]:
    """(' (code cell 4, line 2)' or ' (from lib.py:12)', whether notebook code asked itself).

    Standard-library frames are skipped, so ``subprocess.run`` called in a cell counts as the
    cell's own request, while a library probing its platform (``uname``, ``git``) does not.
    """
    frame = sys._getframe(2)
    library = ""
    while frame is not None:
        filename = frame.f_code.co_filename
        match = CELL_FILENAME_PATTERN.match(filename)
        if match:
            return f" (code cell {match['number']}, line {frame.f_lineno})", not library
        if not library and not filename.startswith(_STDLIB) and not filename.endswith(
                "guards.py"):
            library = f"{Path(filename).name}:{frame.f_lineno}"
        frame = frame.f_back
    return (f" (from {library})" if library else ""), False


def _raise_exit(code: int = 0) -> None:
    raise SubmissionExit(code)


def soften_exits() -> Callable[[int], None]:
    """Make ``os._exit`` raise instead (a cell that calls it loses that cell, not the rest of
    the notebook); return the real ``_exit``. A convenience, not a defence: C code can exit."""
    real_exit = os._exit
    os._exit = _raise_exit  # type: ignore[assignment]
    posix._exit = _raise_exit  # type: ignore[attr-defined]
    return real_exit


def install_guards(allowed: Iterable[Path], on_refusal: Callable[[str], None]
                   ) -> Callable[[int], None]:
    """Install the write guard and the ``os._exit`` replacement; return the real ``_exit``."""
    platform.processor()  # cached now: later calls need no `uname` program
    real_exit = soften_exits()
    sys.addaudithook(WriteGuard(allowed, on_refusal))
    return real_exit

"""Load a notebook's code into a namespace: nbformat, then ``exec`` of one code cell at a time.

Small and robust on purpose (importnb breaks pytest 9, testbook is unmaintained): a cell
that raises — an unfinished starter's ``NotImplementedError``, a typo, a ``sys.exit()``, an
endless loop under a time limit — is recorded and loading goes on with the next cell, so the
questions the learner did finish are still graded.
"""

from __future__ import annotations

import contextlib
import io
import linecache
import re
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

SKIP_TAG = "skip-grading"
CHECK_CALL = re.compile(r"(^|[^\w.])check\(")
CELL_FILENAME = "<{notebook} code cell {number}>"
CELL_FILENAME_PATTERN = re.compile(r"^<(?P<notebook>.+) code cell (?P<number>\d+)>$")


class MissingAnswer(AttributeError):
    """The notebook does not define a name a test asks for; ``unfinished`` when a cell of
    the notebook still raises ``NotImplementedError`` (an untouched starter)."""

    def __init__(self, message: str, unfinished: bool = False) -> None:
        super().__init__(message)
        self.unfinished = unfinished


class CellTimeout(BaseException):
    """A cell ran longer than the loader allows (BaseException: ``except Exception`` in a
    learner's loop must not swallow it)."""


class InvalidNotebook(Exception):
    """The file is not a readable notebook (bad JSON, wrong format)."""


@dataclass(frozen=True)
class CellProblem:
    """One code cell that did not run to the end."""

    number: int  # 1-based among code cells
    kind: str  # "not-implemented", "error", "exit", "timeout", "memory"
    message: str

    def describe(self) -> str:
        return f"code cell {self.number}: {self.message}"


class CappedSink(io.TextIOBase):
    """A text stream that keeps the first ``limit`` characters and counts the rest."""

    def __init__(self, limit: int = 20_000) -> None:
        self.limit = limit
        self.kept = io.StringIO()
        self.written = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        room = self.limit - self.written
        if room > 0:
            self.kept.write(text[:room])
        self.written += len(text)
        return len(text)

    @property
    def flooded(self) -> bool:
        return self.written > self.limit

    def getvalue(self) -> str:
        return self.kept.getvalue()


class NotebookNamespace:
    """What a notebook's code cells defined, read as attributes: ``nb.predict_churn_by_rule``.

    A missing name raises ``MissingAnswer`` with a hint in plain words (which cell is still
    unfinished, or that the cell has not been run).
    """

    def __init__(self, values: dict[str, Any], problems: tuple[CellProblem, ...] = ()) -> None:
        object.__setattr__(self, "_values", values)
        object.__setattr__(self, "_problems", problems)

    @property
    def problems(self) -> tuple[CellProblem, ...]:
        return self._problems

    def __getattr__(self, name: str) -> Any:
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        unfinished = any(p.kind == "not-implemented" for p in self._problems)
        raise MissingAnswer(self._missing_message(name), unfinished)

    def __setattr__(self, name: str, value: Any) -> None:
        self._values[name] = value

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def __dir__(self) -> list[str]:
        return sorted(k for k in self._values if not k.startswith("__"))

    def _missing_message(self, name: str) -> str:
        unfinished = [p for p in self._problems if p.kind == "not-implemented"]
        broken = [p for p in self._problems if p.kind != "not-implemented"]
        if unfinished:
            numbers = [str(p.number) for p in unfinished]
            cells = ("code cell " + numbers[0] + " still raises" if len(numbers) == 1 else
                     "code cells " + ", ".join(numbers[:-1]) + f" and {numbers[-1]} still raise")
            return f"`{name}` is not defined: not implemented yet ({cells})"
        if broken:
            return f"`{name}` is not defined: {broken[0].describe()}"
        return f"`{name}` is not defined: write it in the notebook and run its cell"


@dataclass
class LoadedNotebook:
    path: Path
    namespace: NotebookNamespace
    problems: list[CellProblem] = field(default_factory=list)
    output: str = ""  # the first characters the cells printed
    output_flooded: bool = False


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Read a notebook; raise ``InvalidNotebook`` naming the file and the problem."""
    try:
        notebook = nbformat.read(str(path), as_version=4)
    except FileNotFoundError:
        raise
    except Exception as error:  # noqa: BLE001 - nbformat raises JSON, schema, encoding errors
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise InvalidNotebook(
            f"{path.name} is not a valid notebook ({type(error).__name__}: {first_line[:200]})"
        ) from None
    return notebook


def runnable_source(cell: nbformat.NotebookNode) -> str | None:
    """The cell's Python code, or None when grading skips the cell.

    Skipped: cells tagged ``skip-grading``, cells that call ``check(``, cell magics. Line
    magics and shell escapes become comments so line numbers stay right.
    """
    if cell.get("cell_type") != "code":
        return None
    source = cell.get("source", "")
    if SKIP_TAG in cell.get("metadata", {}).get("tags", []):
        return None
    if source.lstrip().startswith("%%") or CHECK_CALL.search(source):
        return None
    lines = [("# " + line) if line.lstrip()[:1] in ("%", "!") else line
             for line in source.splitlines()]
    return "\n".join(lines)


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise ``CellTimeout`` after ``seconds`` (main thread only; a no-op otherwise)."""
    usable = seconds and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def on_alarm(signum: int, frame: object) -> None:
        raise CellTimeout(f"still running after {seconds:g} s (an endless loop?)")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def classify_cell_error(error: BaseException) -> tuple[str, str]:
    """(kind, plain words) for an exception a cell raised."""
    if isinstance(error, NotImplementedError):
        return "not-implemented", "not implemented yet"
    if isinstance(error, SystemExit):
        return "exit", "called sys.exit(); the rest of that cell did not run"
    if isinstance(error, CellTimeout):
        return "timeout", str(error)
    if isinstance(error, MemoryError):
        return "memory", "ran out of memory"
    return "error", f"raised {type(error).__name__}: {str(error)[:300]}"


def load_notebook(
    path: Path,
    cell_timeout: float | None = None,
    output_limit: int = 20_000,
    on_cell: Callable[[int], None] | None = None,
) -> LoadedNotebook:
    """Run the notebook's code cells, in order, in a fresh namespace.

    Raises ``InvalidNotebook`` when the file is not a notebook; problems inside cells are
    recorded in ``LoadedNotebook.problems`` and loading goes on. ``on_cell(number)`` is
    called before each cell runs (the class grader's progress journal).
    """
    notebook = read_notebook(path)
    values: dict[str, Any] = {"__name__": "__notebook__", "__builtins__": __builtins__}
    problems: list[CellProblem] = []
    sink = CappedSink(output_limit)
    code_cells = [c for c in notebook.cells if c.get("cell_type") == "code"]
    for number, cell in enumerate(code_cells, start=1):
        source = runnable_source(cell)
        if source is None or not source.strip():
            continue
        filename = CELL_FILENAME.format(notebook=path.name, number=number)
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        if on_cell is not None:
            on_cell(number)
        try:
            code = compile(source, filename, "exec")
            with (contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink),
                  time_limit(cell_timeout)):
                exec(code, values)  # noqa: S102 - running the notebook is the point
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # noqa: BLE001 - a cell may raise anything, even SystemExit
            kind, message = classify_cell_error(error)
            problems.append(CellProblem(number, kind, message))
    return LoadedNotebook(
        path=path,
        namespace=NotebookNamespace(values, tuple(problems)),
        problems=problems,
        output=sink.getvalue(),
        output_flooded=sink.flooded,
    )

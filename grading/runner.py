"""The student's side of class grading: ``python -m grading.runner`` inside the sandbox.

It loads the submitted notebooks and answers requests from the trusted grader, one JSON line
each way (``grading.protocol``): ``load`` an exercise, ``get`` a name's value, ``call`` a
function on arguments the grader chose. Everything it sends back is plain data that the
grader checks; the student's code runs in this process, so nothing here is trusted — the
sandbox around it (``grading.sandbox``) is what keeps it from the course, the tests, other
students and the network.
"""

from __future__ import annotations

import errno
import gc
import os
import resource
import sys
from pathlib import Path
from typing import Any, BinaryIO

# Each student's runner is a fresh interpreter, so every import is paid once per student.
# Two optional modules that installed libraries pull in, and no exercise uses, are left out:
# Great Expectations imports PySpark when it is installed (~0.7 s of CPU), and jsonschema
# (under nbformat and altair) compiles an IRI grammar with rfc3987_syntax (~0.8 s). Both
# libraries treat the module as absent (`import` raises ImportError). The collector runs
# less often while the libraries load (~0.5 s). Only in the runner's own process:
UNUSED_MODULES = ("pyspark", "rfc3987_syntax")
IMPORT_GC_THRESHOLD = 50_000  # objects allocated between young collections (Python's: 700)
if __name__ == "__main__":
    sys.modules.update(dict.fromkeys(UNUSED_MODULES))
    gc.set_threshold(IMPORT_GC_THRESHOLD, 20, 20)

from grading.notebook import (
    CappedSink,
    CellTimeout,
    InvalidNotebook,
    MissingAnswer,
    load_notebook,
    time_limit,
)
from grading.protocol import (
    ProtocolError,
    Unexportable,
    decode,
    dumps,
    encode,
    field,
    loads,
)

NOTEBOOK_NAME = "exercise.ipynb"
_DENIED = (errno.EROFS, errno.EACCES, errno.EPERM)


def error_reply(error: BaseException) -> dict[str, Any]:
    """(kind, words) for an exception the student's code raised, as a reply."""
    from grading.outcomes import _notebook_location

    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    text = str(error).strip().splitlines()[0][:300] if str(error).strip() else ""
    detail = f"{type(error).__name__}: {text}" if text else type(error).__name__
    where = _notebook_location(error.__traceback__)
    if any(isinstance(e, NotImplementedError) for e in chain):
        kind, words = "not-implemented", "not implemented yet"
    elif isinstance(error, MissingAnswer):
        kind = "not-implemented" if error.unfinished else "missing"
        words = str(error)
    elif isinstance(error, CellTimeout):
        kind, words = "timeout", str(error)
    elif any(isinstance(e, MemoryError) for e in chain):
        kind, words = "memory", "ran out of memory"
    elif isinstance(error, SystemExit):
        kind, words = "exit", "called sys.exit() or os._exit()"
    elif isinstance(error, Unexportable):
        kind, words = "unexportable", f"returned {error}"
    elif isinstance(error, OSError) and error.errno in _DENIED:
        kind = "forbidden"
        words = f"grading does not allow a submission to write outside its scratch folder ({detail})"
    else:
        kind, words = "error", detail
    builtin = next((c.__name__ for c in type(error).__mro__ if c.__module__ == "builtins"), "")
    text = error.args[0] if error.args and type(error.args[0]) is str else str(error)
    return {"ok": False, "kind": kind, "message": words[:1000], "where": where,
            "raised": builtin, "text": text[:1000]}


class Runner:
    """The notebooks of one student, and the requests served on them."""

    def __init__(self, notebooks: Path, output_cap: int, channel: BinaryIO) -> None:
        self.notebooks = notebooks
        self.output_cap = output_cap
        self.channel = channel
        self.namespaces: dict[str, Any] = {}

    def send(self, message: dict[str, Any]) -> None:
        self.channel.write(dumps(message))
        self.channel.flush()

    def serve(self, requests: BinaryIO) -> None:
        for line in requests:
            request = loads(line)
            ident = field(request, "id", int)
            try:
                reply = self.handle(request)
            except (ProtocolError, Unexportable) as error:
                reply = {"ok": False, "kind": "unexportable", "message": str(error)[:1000],
                         "where": ""}
            try:
                self.send({"id": ident, **reply})
            except (ProtocolError, Unexportable, TypeError, ValueError) as error:
                self.send({"id": ident, "ok": False, "kind": "unexportable",
                           "message": f"an answer that cannot be sent: {error}"[:1000],
                           "where": ""})

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        op = field(request, "op", str)
        exercise = field(request, "exercise", str)
        if op == "files":
            return self.files(request)
        if op == "load":
            return self.load(exercise, field(request, "cell_timeout", (int, float)),
                             field(request, "id", int))
        namespace = self.namespaces.get(exercise)
        if namespace is None:
            return {"ok": False, "kind": "missing", "message": f"{exercise} is not loaded",
                    "where": ""}
        name = field(request, "name", str)
        timeout = field(request, "timeout", (int, float))
        try:
            with time_limit(timeout):
                value = getattr(namespace, name)
                if op == "get":
                    if callable(value) and not isinstance(value, type):
                        return {"ok": True, "callable": True}
                    return {"ok": True, "callable": False, "value": encode(value)}
                return self.call(value, request, timeout)
        except BaseException as error:  # noqa: BLE001 - any failure is the student's answer
            return error_reply(error)

    def load(self, exercise: str, cell_timeout: float, ident: int) -> dict[str, Any]:
        path = self.notebooks / exercise / NOTEBOOK_NAME
        if not path.is_file():
            return {"ok": False, "kind": "missing-notebook", "message": "no notebook",
                    "where": ""}
        try:
            loaded = load_notebook(path, cell_timeout=cell_timeout, output_limit=self.output_cap,
                                   on_cell=lambda number: self.send({"id": ident,
                                                                     "cell": number}))
        except InvalidNotebook as error:
            return {"ok": False, "kind": "invalid", "message": str(error)[:1000], "where": ""}
        self.namespaces[exercise] = loaded.namespace
        return {"ok": True, "flooded": loaded.output_flooded,
                "problems": [{"number": p.number, "kind": p.kind, "message": p.message[:500]}
                             for p in loaded.problems]}

    def files(self, request: dict[str, Any]) -> dict[str, Any]:
        """A file operation in the scratch folder (put a test's input, list, read back)."""
        from grading.exports import FILE_OPS

        action = field(request, "action", str)
        args = [decode(a) for a in field(request, "args", list)]
        try:
            return {"ok": True, "value": encode(FILE_OPS[action](*args)), "changed": []}
        except BaseException as error:  # noqa: BLE001 - reported as the student's side's error
            return error_reply(error)

    def call(self, function: Any, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        from grading.exports import EXPORTS

        raw_args = field(request, "args", list)
        raw_kwargs = field(request, "kwargs", dict)
        given = [decode(a, recipes=True) for a in raw_args]
        args = [_built(a) for a in given]
        kwargs = {str(k): _built(decode(v, recipes=True)) for k, v in raw_kwargs.items()}
        export = request.get("export")
        using = [decode(a) for a in request.get("using", [])]
        if not callable(function):
            raise TypeError(f"{field(request, 'name', str)} is not a function")
        sink = CappedSink(self.output_cap)
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = sink
        try:
            value = function(*args, **kwargs)
            if export is not None:
                value = EXPORTS[str(export)](value, *using)
        finally:
            sys.stdout, sys.stderr = saved
        if sink.flooded:
            return {"ok": False, "kind": "flood", "where": "",
                    "message": f"printed more than {self.output_cap:,} characters"}
        changed = [i for i, (a, raw) in enumerate(zip(args, raw_args))
                   if a is given[i] and _changed(a, raw)]
        changed += [k for k, v in kwargs.items() if _changed(v, raw_kwargs[k])]
        return {"ok": True, "value": encode(value), "changed": changed}


def _built(value: Any) -> Any:
    from grading.exports import Recipe

    return value.build() if isinstance(value, Recipe) else value


def _changed(value: Any, original: Any) -> bool:
    """Whether an argument differs after the call from what the grader sent."""
    try:
        return encode(value) != original
    except Unexportable:
        return True


def main(argv: list[str]) -> int:
    if argv[:1] == ["--zygote"]:  # the batch's warm-start process (grading.warm_start)
        from grading.warm_start import serve

        serve(int(argv[1]), int(argv[2]), main)
        return 0
    notebooks, output_cap, memory_bytes = Path(argv[0]), int(argv[1]), int(argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # The requests and replies keep fds 0 and 1 under other numbers; the student's own
    # prints (even from C) go nowhere.
    requests = os.fdopen(os.dup(0), "rb")
    channel = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    from grading.guards import install_guards, soften_exits

    if len(argv) > 3 and argv[3] == "--guard":  # no OS sandbox: Python-level guards at least
        install_guards([Path.cwd()], lambda message: None)
    else:
        soften_exits()
    Runner(notebooks, output_cap, channel).serve(requests)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

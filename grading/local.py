"""``nb`` where no sandbox is involved (``check()`` in a notebook, a plain ``pytest`` run on the
solutions): the same plain-data view as the class grader's ``RemoteNotebook``.

Every value and every answer goes through the protocol's encoder and decoder, so the tests
see exactly the types they will see under the class grader, and an answer object that is not
plain data (one whose ``__eq__`` always says True, say) is refused here too.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from grading.exports import EXPORTS, FILE_OPS, FolderTransfers, Recipe, decoded_bytes
from grading.outcomes import FAILED, StudentError
from grading.protocol import Unexportable, decode, encode, round_trip


def _plain(value: Any) -> Any:
    try:
        return round_trip(value)
    except Unexportable as error:
        raise StudentError(FAILED, f"returned {error}") from None


class LocalFunction:
    """A notebook function called here, with plain data in and out."""

    def __init__(self, owner: LocalNotebook, function: Any) -> None:
        self._owner, self._function = owner, function

    def __call__(self, *args: Any, export: str | None = None, using: tuple[Any, ...] = (),
                 **kwargs: Any) -> Any:
        sent = [encode(a) for a in args], {k: encode(v) for k, v in kwargs.items()}
        built = tuple(a.build() if isinstance(a, Recipe) else a for a in args)
        value = self._function(*built, **kwargs)
        if export is not None:
            value = EXPORTS[export](value, *using)
        changed: list[Any] = [i for i, a in enumerate(args)
                              if not isinstance(a, Recipe) and _changed(a, sent[0][i])]
        changed += [k for k, v in kwargs.items() if _changed(v, sent[1][k])]
        object.__setattr__(self._owner, "_changed", changed)
        return _plain(value)


def _changed(value: Any, original: Any) -> bool:
    try:
        return encode(value) != original
    except Unexportable:
        return True


class LocalNotebook:
    """A loaded notebook's names, read as plain data: ``nb.rule_scores``, ``nb.psi(a, b)``."""

    def __init__(self, namespace: Any) -> None:
        object.__setattr__(self, "_namespace", namespace)
        object.__setattr__(self, "_changed", [])
        object.__setattr__(self, "_files", None)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        value = getattr(object.__getattribute__(self, "_namespace"), name)
        if callable(value) and not isinstance(value, type):
            return LocalFunction(self, value)
        return _plain(value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("the notebook is read-only from the tests")

    @property
    def changed_arguments(self) -> list[Any]:
        """Which arguments the last call changed (positions, or keyword names)."""
        return list(object.__getattribute__(self, "_changed"))

    def exported(self, export: str, name: str, *args: Any, using: tuple[Any, ...] = (),
                 **kwargs: Any) -> Any:
        """``name(*args, **kwargs)`` turned into data by ``grading.exports.EXPORTS[export]``."""
        function = getattr(object.__getattribute__(self, "_namespace"), name)
        return LocalFunction(self, function)(*args, export=export, using=using, **kwargs)

    @property
    def files(self) -> LocalFiles:
        """A temporary folder standing for the student's scratch folder."""
        if object.__getattribute__(self, "_files") is None:
            object.__setattr__(self, "_files", LocalFiles(Path(tempfile.mkdtemp(
                prefix="checks-"))))
        return object.__getattribute__(self, "_files")


class LocalFiles(FolderTransfers):
    """The same file operations as ``RemoteFiles``, on a local temporary folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.count = 0

    def folder(self, name: str) -> Path:
        """A new, empty folder."""
        self.count += 1
        path = self.root / f"{name}-{self.count}"
        FILE_OPS["mkdir"](path)
        return path

    def write_text(self, path: Path, text: str) -> None:
        FILE_OPS["write_text"](path, text)

    def exists(self, path: Path) -> bool:
        return bool(FILE_OPS["exists"](path))

    def glob(self, folder: Path, pattern: str) -> list[Path]:
        return list(FILE_OPS["glob"](folder, pattern))

    def read_parquet(self, path: Path) -> Any:
        return _plain(FILE_OPS["read_parquet"](path))

    def write_bytes(self, path: Path, data: bytes) -> None:
        FILE_OPS["write_base64"](path, base64.b64encode(data).decode())

    def read_bytes(self, path: Path) -> bytes:
        return decoded_bytes(_plain(FILE_OPS["read_base64"](path)))


class ReferenceAnswers:
    """The reference notebook's functions, with their answers kept per batch.

    Every student of a batch is checked on the same inputs, so an expected value is computed
    once (the notebook is loaded only then) and kept as protocol JSON in the batch's folder,
    which no sandbox can see. Without a folder every call computes afresh.
    """

    def __init__(self, load: Callable[[], LocalNotebook], folder: Path | None) -> None:
        self._load, self._folder = load, folder

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("__"):
            raise AttributeError(name)

        def answer(*args: Any, **kwargs: Any) -> Any:
            if self._folder is None:
                return getattr(self._load(), name)(*args, **kwargs)
            question = json.dumps([name, [encode(a) for a in args],
                                   {k: encode(v) for k, v in kwargs.items()}], sort_keys=True)
            path = self._folder / f"{hashlib.sha256(question.encode()).hexdigest()}.json"
            if path.exists():
                return decode(json.loads(path.read_text()))
            self._folder.mkdir(parents=True, exist_ok=True)
            with one_builder(path.with_suffix(".lock")):
                if path.exists():  # a judge beside this one computed it while we waited
                    return decode(json.loads(path.read_text()))
                value = getattr(self._load(), name)(*args, **kwargs)
                handle, temporary = tempfile.mkstemp(dir=self._folder, suffix=".part")
                with os.fdopen(handle, "w") as stream:
                    stream.write(json.dumps(encode(value), allow_nan=False))
                os.replace(temporary, path)
            return value

        return answer


@contextmanager
def one_builder(lock: Path) -> Iterator[None]:
    """Hold ``lock`` (an exclusive ``flock``) while building something a batch shares.

    Judges grade students side by side and meet the same expected values and lab workspaces
    first; without the lock each would build them. The lock goes with its holder's process,
    so a judge killed half-way (its student's time is up) never blocks the others.
    """
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

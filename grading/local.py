"""``nb`` where no sandbox is involved (``check()`` in a notebook, a plain ``pytest`` run on the
solutions): the same plain-data view as the class grader's ``RemoteNotebook``.

Every value and every answer goes through the protocol's encoder and decoder, so the tests
see exactly the types they will see under the class grader, and an answer object that is not
plain data (one whose ``__eq__`` always says True, say) is refused here too.
"""

from __future__ import annotations

from typing import Any

from grading.outcomes import FAILED, StudentError
from grading.protocol import Unexportable, encode, round_trip


def _plain(value: Any) -> Any:
    try:
        return round_trip(value)
    except Unexportable as error:
        raise StudentError(FAILED, f"returned {error}") from None


class LocalFunction:
    """A notebook function called here, with plain data in and out."""

    def __init__(self, owner: LocalNotebook, function: Any) -> None:
        self._owner, self._function = owner, function

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        sent = [encode(a) for a in args], {k: encode(v) for k, v in kwargs.items()}
        value = self._function(*args, **kwargs)
        changed: list[Any] = [i for i, a in enumerate(args) if _changed(a, sent[0][i])]
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

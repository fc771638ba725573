"""The only thing that crosses between a student's sandbox and the trusted grader: plain data.

Values are encoded as tagged JSON. The encoder accepts exact built-in types only (``type(x) is
int``, never a subclass), numpy scalars and arrays of plain dtypes, pandas Series, Index and
DataFrame, and paths; anything else is refused with its type name. The decoder checks every
tag, field and dtype against this schema and builds fresh objects of the real types, so an
answer object with an ``__eq__`` that always says True cannot reach the trusted side: it is
refused in the sandbox, and a forged encoding of one decodes to plain data or fails.

A message is one JSON line of at most ``MAX_MESSAGE_BYTES``.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

MAX_MESSAGE_BYTES = 16 * 2**20
MAX_DEPTH = 40
# dtypes that may cross, as numpy or pandas spell them
_DATETIME = re.compile(r"^datetime64\[(s|ms|us|ns)(, UTC)?\]$")
PLAIN_DTYPES = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                "float32", "float64", "object", "category", "string", "str", "datetime64[ns]",
                "datetime64[ns, UTC]", "Int64", "Float64", "boolean"}
_NUMPY_SCALARS = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                  "uint64", "float32", "float64"}


class Unexportable(TypeError):
    """A value that is not plain data (a custom class, a model object, a function)."""


class ProtocolError(ValueError):
    """A message that does not follow the schema: malformed, oversized or of a wrong type."""


# -- encoding (runs where the value was made: in the sandbox, or on the trusted side for args)


def encode(value: Any, depth: int = 0) -> Any:
    """``value`` as tagged JSON-ready data; ``Unexportable`` when it is not plain data."""
    if depth > MAX_DEPTH:
        raise Unexportable("a value nested deeper than the grader accepts")
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value if abs(value) < 2**63 else {"$": "bigint", "v": str(value)}
    if kind is float:
        return value if math.isfinite(value) else {"$": "float", "v": repr(value)}
    if kind in (list, tuple, set, frozenset):
        items = sorted(value, key=repr) if kind in (set, frozenset) else value
        return {"$": kind.__name__, "v": [encode(item, depth + 1) for item in items]}
    if kind is dict:
        return {"$": "dict", "v": [[encode(k, depth + 1), encode(v, depth + 1)]
                                   for k, v in value.items()]}
    if isinstance(value, PurePosixPath) and kind in (Path, PurePosixPath, type(Path())):
        return {"$": "path", "v": str(value)}
    if kind in (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
                np.uint32, np.uint64, np.float32, np.float64):
        return {"$": "np", "dtype": str(value.dtype), "v": encode(value.item(), depth + 1)}
    if kind is np.ndarray:
        return {"$": "ndarray", "dtype": _dtype_name(value.dtype), "shape": list(value.shape),
                "v": _encode_values(value.ravel(), depth)}
    if kind is pd.Series:
        return {"$": "series", "name": encode(_plain_label(value.name), depth + 1),
                "index": encode(value.index, depth + 1), **_encode_column(value, depth)}
    if kind in (pd.Index, pd.RangeIndex):
        return {"$": "index", "name": encode(_plain_label(value.name), depth + 1),
                **_encode_column(pd.Series(value, copy=False), depth)}
    if kind.__name__ == "Recipe" and kind.__module__ == "grading.exports":
        return {"$": "recipe", "name": value.name,
                "args": [encode(a, depth + 1) for a in value.args]}
    if kind is pd.DataFrame:
        return {"$": "frame", "index": encode(value.index, depth + 1),
                "columns": [encode(_plain_label(c), depth + 1) for c in value.columns],
                "data": [_encode_column(value.iloc[:, i], depth) for i in range(value.shape[1])]}
    raise Unexportable(f"an object of type {kind.__module__}.{kind.__qualname__}, "
                       "not plain data (str, int, float, bool, list, dict, numpy, pandas)")


def _plain_label(label: Any) -> Any:
    """Column and index labels: numpy scalars become Python ones."""
    return label.item() if isinstance(label, np.generic) else label


def _dtype_name(dtype: Any) -> str:
    name = str(dtype)
    if name not in PLAIN_DTYPES and not _DATETIME.match(name):
        raise Unexportable(f"values of dtype {name}")
    return name


def _encode_values(values: Any, depth: int) -> list[Any]:
    items = values.tolist()
    if _encode_to_themselves(values, items):
        return items
    return [encode(_plain_label(item), depth + 1) for item in items]


# What ``encode`` returns unchanged: the items of most columns. Checking a whole column at
# once skips a call per item (a 3,000-row gold table has ~60,000 of them, in both directions).
_BARE_TEXT = {str, bool, type(None)}
_BARE_JSON = {str, bool, int, float, type(None)}


def _encode_to_themselves(values: Any, items: list[Any]) -> bool:
    """Whether ``encode`` would return every item of ``values`` (an array) as it is: bools,
    integers inside int64's open range, finite floats, text."""
    kind = values.dtype.kind
    if kind == "b":
        return True
    if kind in "iu":
        return values.size == 0 or (int(values.min()) > -2**63 and int(values.max()) < 2**63)
    if kind == "f":
        return bool(np.isfinite(values).all())
    return set(map(type, items)) <= _BARE_TEXT


def _encode_column(column: pd.Series, depth: int) -> dict[str, Any]:
    dtype = _dtype_name(column.dtype)
    if dtype == "category":
        return {"dtype": dtype, "categories": encode(list(column.cat.categories), depth + 1),
                "ordered": bool(column.cat.ordered),
                "codes": column.cat.codes.astype("int64").tolist()}
    if dtype.startswith("datetime64"):
        stamps = column.to_numpy(dtype="datetime64[ns]").astype("int64").tolist()
        return {"dtype": dtype, "v": [None if pd.isna(v) else s for v, s in zip(column, stamps)]}
    if dtype in ("string", "str", "Int64", "Float64", "boolean"):
        items = [None if pd.isna(item) else item for item in column.astype(object).tolist()]
        if set(map(type, items)) <= _BARE_TEXT:
            return {"dtype": dtype, "v": items}
        return {"dtype": dtype, "v": [encode(_plain_label(i), depth + 1) for i in items]}
    return {"dtype": dtype, "v": _encode_values(column.to_numpy(), depth)}


def dumps(message: dict[str, Any]) -> bytes:
    """One message as a JSON line; ``ProtocolError`` when it is larger than allowed."""
    line = json.dumps(message, allow_nan=False, separators=(",", ":")).encode() + b"\n"
    if len(line) > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"a message of {len(line):,} bytes (the cap is "
                            f"{MAX_MESSAGE_BYTES:,})")
    return line


# -- decoding (runs on the trusted side: every field is checked) ------------------------------


def loads(line: bytes) -> dict[str, Any]:
    """Parse one message line; it must be a JSON object within the size cap."""
    if len(line) > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"a message of more than {MAX_MESSAGE_BYTES:,} bytes")
    try:
        message = json.loads(line, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise ProtocolError(f"a line that is not JSON ({str(error)[:120]})") from None
    if type(message) is not dict:
        raise ProtocolError(f"a message that is a {type(message).__name__}, not an object")
    return message


def _refuse_constant(name: str) -> None:
    raise ProtocolError(f"the bare constant {name} (not JSON)")


def field(message: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    """``message[name]``, which must exist and be of exactly ``kind``."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if name not in message or type(message[name]) not in kinds:
        got = type(message.get(name)).__name__ if name in message else "nothing"
        raise ProtocolError(f"field {name!r} should be {'/'.join(k.__name__ for k in kinds)}, "
                            f"got {got}")
    return message[name]


def decode(data: Any, depth: int = 0, recipes: bool = False) -> Any:
    """Build the value ``encode`` described, from fresh objects of the real types.

    ``recipes`` (the student's side only) allows arguments built by ``grading.exports``."""
    if depth > MAX_DEPTH:
        raise ProtocolError("a value nested too deeply")
    kind = type(data)
    if data is None or kind in (bool, int, str):
        return data
    if kind is float:
        return data
    if kind is not dict:
        raise ProtocolError(f"a bare {kind.__name__} where a tagged value was expected")
    tag = field(data, "$", str)
    if tag in ("list", "tuple", "set", "frozenset"):
        items = [decode(item, depth + 1) for item in field(data, "v", list)]
        return {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}[tag](items)
    if tag == "dict":
        pairs = field(data, "v", list)
        if any(type(p) is not list or len(p) != 2 for p in pairs):
            raise ProtocolError("a dict entry that is not a [key, value] pair")
        return {decode(k, depth + 1): decode(v, depth + 1) for k, v in pairs}
    if tag == "bigint":
        return int(field(data, "v", str))
    if tag == "float":
        text = field(data, "v", str)
        if text not in ("nan", "inf", "-inf"):
            raise ProtocolError(f"a float spelled {text[:20]!r}")
        return float(text)
    if tag == "path":
        return Path(field(data, "v", str))
    if tag == "recipe" and recipes and depth == 0:
        from grading.exports import Recipe

        return Recipe(field(data, "name", str), *[decode(a, depth + 1)
                                                   for a in field(data, "args", list)])
    if tag == "np":
        dtype = field(data, "dtype", str)
        if dtype not in _NUMPY_SCALARS:
            raise ProtocolError(f"a numpy scalar of dtype {dtype[:40]}")
        return np.dtype(dtype).type(_scalar(decode(data.get("v"), depth + 1)))
    if tag == "ndarray":
        shape = field(data, "shape", list)
        if any(type(n) is not int or n < 0 for n in shape):
            raise ProtocolError("an array shape that is not a list of sizes")
        values = _decode_values(data, depth)
        dtype = _checked_dtype(field(data, "dtype", str))
        if dtype in ("category", "string") or dtype.startswith("datetime64"):
            raise ProtocolError(f"an ndarray of dtype {dtype}")
        array = np.array(values, dtype=dtype if dtype != "object" else object)
        if math.prod(shape) != array.size:
            raise ProtocolError("an array whose shape does not match its values")
        return array.reshape(shape)
    if tag == "series":
        return pd.Series(_decode_column(data, depth).array, index=_decode_index(data, depth),
                         name=decode(data.get("name"), depth + 1), copy=False)
    if tag == "index":
        return pd.Index(_decode_column(data, depth), name=decode(data.get("name"), depth + 1))
    if tag == "frame":
        columns = [decode(c, depth + 1) for c in field(data, "columns", list)]
        series = [_decode_column(c, depth) for c in field(data, "data", list)]
        if len(columns) != len(series):
            raise ProtocolError("a table with more column names than columns, or fewer")
        index = _decode_index(data, depth)
        if any(len(s) != len(index) for s in series):
            raise ProtocolError("a table column whose length differs from the index")
        frame = pd.DataFrame({i: s.array for i, s in enumerate(series)}, index=index)
        frame.columns = pd.Index(columns) if columns else pd.RangeIndex(0)
        return frame
    raise ProtocolError(f"an unknown tag {tag[:40]!r}")


def _scalar(value: Any) -> Any:
    if type(value) not in (bool, int, float):
        raise ProtocolError(f"a numpy scalar holding a {type(value).__name__}")
    return value


def _checked_dtype(dtype: str) -> str:
    if dtype not in PLAIN_DTYPES and not _DATETIME.match(dtype):
        raise ProtocolError(f"a column of dtype {dtype[:40]}")
    return dtype


def _decode_values(data: dict[str, Any], depth: int) -> list[Any]:
    values = field(data, "v", list)
    if set(map(type, values)) <= _BARE_JSON:  # each would decode to itself
        return list(values)
    return [decode(item, depth + 1) for item in values]


def _decode_index(data: dict[str, Any], depth: int) -> pd.Index:
    index = decode(field(data, "index", dict), depth + 1)
    if type(index) is not pd.Index and type(index) is not pd.RangeIndex:
        raise ProtocolError("an index that is not an index")
    return index


def _decode_column(data: dict[str, Any], depth: int) -> pd.Series:
    if type(data) is not dict:
        raise ProtocolError("a column that is not an object")
    dtype = _checked_dtype(field(data, "dtype", str))
    if dtype == "category":
        categories = decode(field(data, "categories", dict), depth + 1)
        codes = field(data, "codes", list)
        if type(categories) is not list or any(type(c) is not int for c in codes):
            raise ProtocolError("a category column with malformed codes")
        try:
            return pd.Series(pd.Categorical.from_codes(
                codes, categories=categories, ordered=field(data, "ordered", bool)))
        except (TypeError, ValueError) as error:
            raise ProtocolError(f"a category column that does not fit ({error})") from None
    if dtype.startswith("datetime64"):
        stamps = field(data, "v", list)
        if any(s is not None and type(s) is not int for s in stamps):
            raise ProtocolError("a datetime column with values that are not nanoseconds")
        unit = _DATETIME.match(dtype)[1]  # type: ignore[index]
        column = pd.Series(pd.to_datetime(stamps, unit="ns")).astype(f"datetime64[{unit}]")
        return column.dt.tz_localize("UTC") if dtype.endswith("UTC]") else column
    values = _decode_values(data, depth)
    if dtype == "object":
        return pd.Series(values, dtype=object)
    if dtype in ("bool", "boolean", "string", "str") and any(
            v is not None and type(v) is not (bool if "bool" in dtype else str)
            for v in values):
        raise ProtocolError(f"a {dtype} column with values of another type")
    try:
        return pd.Series(values, dtype=dtype)
    except (TypeError, ValueError, OverflowError) as error:
        raise ProtocolError(f"a {dtype} column whose values do not fit ({error})") from None


def round_trip(value: Any) -> Any:
    """``value`` as the trusted side would receive it (used where no sandbox is involved)."""
    return decode(json.loads(json.dumps(encode(value), allow_nan=False)))

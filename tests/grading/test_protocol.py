"""The plain-data protocol between a student's sandbox and the trusted grader: exact types
only, every field checked, a size cap, and fresh objects of the real types on decoding."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from demo.synthetic.customers import draw_customers
from grading import protocol
from grading.protocol import (
    MAX_MESSAGE_BYTES,
    ProtocolError,
    Unexportable,
    decode,
    dumps,
    encode,
    loads,
    round_trip,
)


class AlwaysEqual:
    def __eq__(self, other: object) -> bool:
        return True


class SneakyFloat(float):
    def __eq__(self, other: object) -> bool:
        return True


@pytest.mark.parametrize("value", [
    None, True, 3, -2**70, 0.25, float("inf"), "text", [1, "a"], (1, 2), {"a": [1.5]},
    {1: "one"}, {3, 1}, np.float64(0.5), np.int32(7), np.arange(6).reshape(2, 3),
])
def test_plain_values_cross_unchanged(value):
    assert repr(round_trip(value)) == repr(value)
    assert type(round_trip(value)) is type(value)


def test_tables_cross_with_their_dtypes_and_index():
    customers = draw_customers(200, seed=3)
    pd.testing.assert_frame_equal(round_trip(customers), customers)
    flags = (customers["churn"] == "Yes").rename("flag")
    flags.index = flags.index + 100
    pd.testing.assert_series_equal(round_trip(flags), flags)
    stamps = pd.DataFrame({"at": pd.to_datetime(["2024-01-01", None]).tz_localize("UTC")})
    pd.testing.assert_frame_equal(round_trip(stamps), stamps)


@pytest.mark.parametrize("value", [AlwaysEqual(), SneakyFloat(1.0), [AlwaysEqual()],
                                   {"precision": SneakyFloat(0.0)}, print, object])
def test_objects_that_are_not_plain_data_are_refused(value):
    with pytest.raises(Unexportable, match="not plain data"):
        encode(value)


@pytest.mark.parametrize("message", [
    {"$": "pickle", "v": "gASV"},  # an unknown tag
    {"$": "np", "dtype": "object", "v": 1},  # a numpy scalar of a refused dtype
    {"$": "series", "dtype": "bool", "v": ["yes"], "name": None,
     "index": {"$": "index", "dtype": "int64", "v": [0], "name": None}},
    {"$": "frame", "columns": ["a"], "data": [],
     "index": {"$": "index", "dtype": "int64", "v": [], "name": None}},
    {"$": "dict", "v": [[1]]},  # a pair that is not a pair
    {"$": "recipe", "name": "prior_classifier", "args": []},  # only the student's side builds
    [1, 2],  # a bare list where a tagged value belongs
])
def test_malformed_values_are_protocol_errors(message):
    with pytest.raises(ProtocolError):
        decode(message)


def test_lines_are_capped_and_must_be_json_objects():
    with pytest.raises(ProtocolError, match="not JSON"):
        loads(b"this is not json")
    with pytest.raises(ProtocolError, match="not an object"):
        loads(b"[1, 2]")
    with pytest.raises(ProtocolError, match="constant"):
        loads(b'{"x": NaN}')
    with pytest.raises(ProtocolError, match="bytes"):
        loads(b"{" + b" " * MAX_MESSAGE_BYTES + b"}")
    with pytest.raises(ProtocolError, match="cap"):
        dumps({"v": "x" * MAX_MESSAGE_BYTES})
    assert loads(dumps({"id": 1, "v": encode([1.5])})) == json.loads('{"id": 1, "v": {"$": '
                                                                     '"list", "v": [1.5]}}')


def test_deep_nesting_is_refused():
    value: list = []
    for _ in range(100):
        value = [value]
    with pytest.raises(Unexportable):
        encode(value)
    nested: dict = {"$": "list", "v": []}
    for _ in range(100):
        nested = {"$": "list", "v": [nested]}
    with pytest.raises(ProtocolError):
        decode(nested)


EDGE_VALUES = [
    np.array([-2**63, 0, 2**63 - 1], dtype="int64"),  # -2**63 needs its "bigint" tag
    np.array([0, 2**64 - 1], dtype="uint64"),
    np.array([1.5, np.nan, -np.inf], dtype="float64"),
    np.array([0.25, -0.0], dtype="float32"),
    np.array([[1, 2], [3, 4]], dtype="int32"),
    np.array([], dtype="float64"),
    np.array([True, False]),
    np.array(["a", None, np.True_, 3, 2**70], dtype=object),
    pd.Series(["a", None, "c"], dtype="str"),
    pd.Series([1, None], dtype="Int64"),
    pd.DataFrame({"n": [1, 2], "x": [0.5, float("nan")], "t": ["u", "v"]}),
]


@pytest.mark.parametrize("value", EDGE_VALUES, ids=lambda v: type(v).__name__)
def test_whole_columns_encode_as_item_by_item(value, monkeypatch):
    """Columns whose items encode to themselves skip the per-item calls; the encoding is the
    same as item by item, and decodes back to the same values."""
    fast = json.dumps(protocol.encode(value))
    monkeypatch.setattr(protocol, "_encode_to_themselves", lambda values, items: False)
    monkeypatch.setattr(protocol, "_BARE_TEXT", set())
    assert fast == json.dumps(protocol.encode(value))
    assert json.dumps(protocol.encode(round_trip(value))) == fast


def test_a_column_holding_a_bare_list_is_still_refused():
    forged = {"$": "ndarray", "dtype": "int64", "shape": [2], "v": [1, [2]]}
    with pytest.raises(ProtocolError):
        decode(forged)

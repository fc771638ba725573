"""The vocabulary of cleaning: what counts as missing, and how raw spellings map to values.

Everything is derived from ``demo.feature_spec``: a category value is recognised when it
folds (lower case, letters and digits only, as ``header_key`` folds headers) onto one of
the spec's allowed values, or onto a known synonym of one. Category work is done once per
distinct raw spelling and spread to every row with integer codes; numbers are parsed with
Arrow's compute kernels. A million rows cost little more than a handful.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from demo.feature_spec import UNKNOWN, header_key

# Spellings that mean "no value" in exports. Categories compare after folding (so "N/A",
# "?" and "-" fold to "na" or ""); numbers compare the trimmed, lower-cased text.
NULL_KEYS = frozenset({"", "na", "nan", "null", "none"})
NULL_SPELLINGS = ("", "na", "n/a", "nan", "null", "none", "?", "-")
NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?inf(inity)?$"

# Known synonyms, folded -> canonical value; used only where the value is allowed.
SYNONYMS: dict[str, str] = {
    "y": "Yes",
    "true": "Yes",
    "n": "No",
    "false": "No",
    "f": "Female",
    "m": "Male",
    "fibreoptic": "Fiber optic",
    "fiber": "Fiber optic",
    "fibre": "Fiber optic",
    "monthly": "Month-to-month",
    "1year": "One year",
    "2year": "Two year",
    "twoyears": "Two year",
    "unknown": UNKNOWN,
}

MISSING = -1  # code: the field is blank (or a null spelling)
INVALID = -2  # code: the field holds something that is not an allowed value


def arrow_text(column: pd.Series) -> pa.Array:
    """A column as an Arrow string array (zero-copy for pandas' str dtype)."""
    array = pa.array(column.array) if column.dtype == "str" else pa.array(
        column.astype("str").array)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _bools(array: pa.Array) -> np.ndarray:
    return pc.fill_null(array, False).to_numpy(zero_copy_only=False)


@dataclass(frozen=True)
class Coded:
    """A column as codes into ``values``, plus the raw spelling behind each row."""

    codes: np.ndarray  # int8: index into values, or MISSING / INVALID
    values: tuple[str, ...]
    raw_codes: np.ndarray  # index into raw_uniques (-1 for null)
    raw_uniques: np.ndarray

    def messages(self, mask: np.ndarray, message: Callable[[str], str]) -> np.ndarray:
        """``message(raw spelling)`` for each row in ``mask``, built once per spelling."""
        texts = [message(str(u)) for u in self.raw_uniques] + [message("")]
        return np.array(texts, dtype=object)[self.raw_codes[mask]]

    def code_of(self, value: str) -> int:
        return self.values.index(value)

    def as_series(self) -> pd.Series:
        """The values as a pandas Categorical over ``values`` (MISSING / INVALID -> null).

        Categorical, not str: a million rows of 4 possible values cost a million bytes,
        filter and compare on integer codes, and write to Parquet as a dictionary."""
        codes = np.where(self.codes < 0, -1, self.codes).astype(np.int8)
        return pd.Series(pd.Categorical.from_codes(codes, categories=list(self.values)))


def encode(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Dictionary-encode a text column: (codes with -1 for null, unique spellings)."""
    encoded = pc.dictionary_encode(arrow_text(column))
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int32)
    return codes, encoded.dictionary.to_numpy(zero_copy_only=False)


def code_category(column: pd.Series, allowed: tuple[str, ...]) -> Coded:
    """Map each row onto ``allowed`` (codes), recognising case, spacing and punctuation."""
    raw_codes, uniques = encode(column)
    lookup = {header_key(v): i for i, v in enumerate(allowed)}
    for key, value in SYNONYMS.items():
        if value in allowed:
            lookup.setdefault(key, allowed.index(value))
    per_unique = [lookup.get(k, MISSING if k in NULL_KEYS else INVALID)
                  for k in (header_key(u) for u in uniques)]
    table = np.array([*per_unique, MISSING], dtype=np.int8)  # last slot: null
    return Coded(table[raw_codes], allowed, raw_codes, uniques)


@dataclass(frozen=True)
class Parsed:
    """A numeric column: values (NaN where absent or unreadable) and why."""

    values: np.ndarray  # float64
    missing: np.ndarray  # bool: blank or a null spelling
    unreadable: np.ndarray  # bool: text that is not a number
    text: pa.Array  # the trimmed raw text, for reasons

    def messages(self, mask: np.ndarray, prefix: str, suffix: str) -> np.ndarray:
        """``prefix + raw text + suffix`` for each row in ``mask``."""
        texts = self.text.take(pa.array(np.flatnonzero(mask))).to_pylist()
        return np.array([f"{prefix}{t or ''}{suffix}" for t in texts], dtype=object)


def parse_number(column: pd.Series, words: dict[str, float] | None = None) -> Parsed:
    """Parse text as numbers; ``words`` adds spellings such as {"yes": 1} for flags."""
    text = pc.utf8_trim_whitespace(arrow_text(column))
    lowered = pc.utf8_lower(text)
    missing = _bools(pc.is_null(text)) | _bools(
        pc.is_in(lowered, value_set=pa.array(NULL_SPELLINGS)))
    readable = pc.match_substring_regex(text, NUMBER, ignore_case=True)
    number_text = pc.if_else(readable, text, pa.scalar(None, text.type))
    values = pc.cast(number_text, pa.float64()).to_numpy(zero_copy_only=False).copy()
    for word, number in (words or {}).items():
        values[_bools(pc.equal(lowered, word))] = number
    unreadable = np.isnan(values) & ~missing
    return Parsed(values, missing, unreadable, text)

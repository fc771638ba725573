"""Ingest: a raw CSV file -> the bronze table (raw text, canonical names, lineage).

Everything is read as text: deciding what ``" "``, ``"007"`` or ``"1e308"`` mean is
cleaning's job, and a reader that guesses types loses that before anyone can look. A file
that cannot be read fails here with a ``DataError`` naming the file and, where it applies,
the line. A line with too few or too many fields is kept as a row with ``_parse_error``
saying what was wrong, so cleaning can quarantine it: every line is accounted for.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd

from demo.errors import DataError
from demo.feature_spec import LINEAGE_COLUMNS, RAW_COLUMNS, canonical_name

SOURCE_FILE, SOURCE_ROW, INGESTED_AT = LINEAGE_COLUMNS
PARSE_ERROR = "_parse_error"  # null when the line parsed cleanly, else what was wrong
NOT_BLANK = re.compile(rb"\S")
OTHER_DELIMITERS = {";": "';' (semicolon)", "\t": "a tab", "|": "'|' (pipe)"}


@dataclass(frozen=True)
class BronzeResult:
    """The bronze table and what ingestion noticed about the file's columns."""

    frame: pd.DataFrame
    renamed: dict[str, str]  # raw header -> canonical name (only where they differ)
    unknown_columns: list[str]  # kept in bronze, not passed on
    missing_columns: list[str]  # spec columns the file lacks


def read_raw_csv(path: str | Path) -> pd.DataFrame:
    """Read a raw CSV as text: one ``str`` column per header, plus ``_source_row`` (the line
    each row starts on) and ``_parse_error``. Raises ``DataError`` for a file it cannot read."""
    path = Path(path)
    with open_raw(path) as file:
        return parse_raw_csv(path, checked_text(path, file.read()))


def describe_raw_file(path: str | Path) -> tuple[list[str], int]:
    """The header's column names and the number of lines below it, counted without parsing
    or holding the file (the clean step parses it, once). Refuses what ``read_raw_csv``
    refuses before parsing, judging by the file's first megabyte."""
    path = Path(path)
    with open_raw(path) as file:
        start = checked_text(path, file.read(2**20))
        file.seek(0)
        lines = sum(1 for _ in file) - 1
    return header_names(path, start), lines


def parse_raw_csv(path: Path, data: bytes) -> pd.DataFrame:
    """``read_raw_csv`` on the file's bytes, already read and checked (``path`` names the
    file in errors)."""
    names = header_names(path, data)
    body, cut_last_line = split_off_open_quote(path, data)
    bad_lines: list[Any] = []  # pyarrow's record of each line with the wrong number of fields

    def keep_bad_line(line: Any) -> str:
        bad_lines.append(line)
        return "skip"  # left out of the table here; added back below as a row with a reason

    try:
        frame = pd.read_csv(io.BytesIO(body), engine="pyarrow", dtype="str",
                            keep_default_na=False, skip_blank_lines=False,
                            on_bad_lines=keep_bad_line).set_axis(names, axis=1)
    except ValueError as error:  # pyarrow's ArrowInvalid is a ValueError
        raise DataError(explain_parse_failure(path, body, str(error))) from None
    numbers = bad_line_numbers(body, bad_lines)
    frame[SOURCE_ROW] = row_line_numbers(frame, body, numbers)
    frame[PARSE_ERROR] = pd.Series(pd.NA, index=frame.index, dtype="str")
    bad_rows = [bad_line_row(names, line.actual_columns, line.text, number)
                for line, number in zip(bad_lines, numbers, strict=True)]
    if cut_last_line is not None:
        bad_rows.append(bad_line_row(names, *cut_last_line))
    if not bad_rows:
        return frame
    bad = pd.DataFrame(bad_rows, columns=[*names, SOURCE_ROW, PARSE_ERROR]).astype(
        {name: "str" for name in [*names, PARSE_ERROR]} | {SOURCE_ROW: "int64"})
    return pd.concat([frame, bad], ignore_index=True).sort_values(
        SOURCE_ROW, kind="stable", ignore_index=True)


def to_bronze(raw: pd.DataFrame, source_file: str | Path,
              ingested_at: datetime | None = None) -> BronzeResult:
    """Canonical column names, text values and lineage columns; ``raw`` is not modified."""
    renamed: dict[str, str] = {}
    header_of: dict[str, str] = {}  # canonical name -> the raw header that carries it
    unknown: list[str] = []
    for header in (str(h) for h in raw.columns if h not in (SOURCE_ROW, PARSE_ERROR)):
        name = canonical_name(header)
        if name is None:
            unknown.append(header)
        elif name in header_of:
            raise DataError(f"{source_file}: columns {header_of[name]!r} and {header!r} both "
                            f"mean {name!r}; keep one of them")
        else:
            header_of[name] = header
            if header != name:
                renamed[header] = name
    known = [name for name in RAW_COLUMNS if name in header_of]
    text = raw[[header_of[name] for name in known] + unknown].astype("str")
    frame = text.set_axis(known + unknown, axis=1).reset_index(drop=True)
    frame[SOURCE_FILE] = pd.Categorical([str(source_file)] * len(frame))
    lines = raw[SOURCE_ROW] if SOURCE_ROW in raw else pd.RangeIndex(2, len(raw) + 2)
    frame[SOURCE_ROW] = pd.Series(lines, dtype="int64").to_numpy()
    stamp = pd.Timestamp(ingested_at or datetime.now(UTC)).tz_convert("UTC")
    frame[INGESTED_AT] = pd.Series(stamp, index=frame.index).astype("datetime64[us, UTC]")
    problems = raw[PARSE_ERROR] if PARSE_ERROR in raw else pd.Series(pd.NA, index=raw.index)
    frame[PARSE_ERROR] = pd.Series(problems.to_numpy(), index=frame.index, dtype="str")
    return BronzeResult(frame=frame, renamed=renamed, unknown_columns=unknown,
                        missing_columns=[c for c in RAW_COLUMNS if c not in frame.columns])


def open_raw(path: Path) -> BinaryIO:
    """The file, opened to read bytes; a ``DataError`` when it is missing or not a file."""
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, expected a CSV file")
    try:
        return path.open("rb")
    except OSError as error:
        raise DataError(f"{path}: cannot be read ({error.strerror})") from None


def checked_text(path: Path, data: bytes) -> bytes:
    """``data`` (a file's bytes, or its first part) without a UTF-8 byte-order mark, refusing
    what is clearly not a UTF-8 text file."""
    if NOT_BLANK.search(data) is None:
        raise DataError(f"{path}: is empty, expected a CSV file with a header line")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataError(f"{path}: is UTF-16 text; save it as UTF-8 CSV")
    if b"\x00" in data[:8192]:
        raise DataError(f"{path}: is not a text file (binary content in the first bytes); "
                        "expected a UTF-8 CSV file")
    return data.removeprefix(codecs.BOM_UTF8)


def header_names(path: Path, data: bytes) -> list[str]:
    """The header's column names; refuses another delimiter, a name used twice, and a header
    with no rows below it."""
    body = data.find(b"\n") + 1  # where the rows start; 0: the header is all there is
    first_line = data[:body - 1] if body else data
    try:
        line = first_line.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: line 1 is not UTF-8 text (byte {error.start + 1}); "
                        "expected a UTF-8 CSV file") from None
    for delimiter, label in OTHER_DELIMITERS.items():
        if "," not in line and delimiter in line:
            raise DataError(f"{path}: fields are separated by {label}, expected commas; "
                            "re-export the file as comma-separated CSV")
    names = [name.strip() or f"unnamed_{i}" for i, name in enumerate(next(csv.reader([line])), 1)]
    for position, name in enumerate(names, start=1):
        if name in names[:position - 1]:
            raise DataError(f"{path}: line 1: column name {name!r} appears twice "
                            f"(columns {names.index(name) + 1} and {position})")
    if body == 0 or NOT_BLANK.search(data, body) is None:
        raise DataError(f"{path}: has a header but no data rows")
    return names


def split_off_open_quote(path: Path, data: bytes) -> tuple[bytes, tuple[int, str, int] | None]:
    """A last line cut inside quotes is set aside as a bad line (its fields, text, line
    number); an open quote anywhere else would swallow the rest of the file: refused."""
    if data.count(b'"') % 2 == 0:
        return data, None
    last_quote = data.rfind(b'"')
    line_start = data.rfind(b"\n", 0, last_quote) + 1
    line_number = data.count(b"\n", 0, line_start) + 1
    if b"\n" in data[last_quote:].rstrip(b"\r\n"):
        raise DataError(f"{path}: line {line_number}: a quoted field is never closed")
    text = data[line_start:].decode("utf-8", errors="replace").rstrip("\r\n")
    return data[:line_start], (len(next(csv.reader([text]), [])), text, line_number)


def row_line_numbers(frame: pd.DataFrame, data: bytes, bad_lines: list[int],
                     ) -> pd.Series:
    """The line on which each row starts (the header is line 1): the lines in order, skipping
    the bad lines and the line breaks inside earlier rows' quoted values."""
    start = pd.Series(range(2, len(frame) + 2), dtype="int64")
    lines_in_file = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if lines_in_file - 1 != len(frame) + len(bad_lines):  # some values span lines
        breaks_inside = sum(frame[column].str.count("\n") for column in frame.columns)
        start += pd.Series(breaks_inside, dtype="int64").cumsum().shift(fill_value=0)
    for line in sorted(bad_lines):  # a bad line moves every later row down by one
        start[start >= line] += 1
    return start


def bad_line_numbers(data: bytes, bad_lines: list[Any]) -> list[int]:
    """The line number of each bad line. pyarrow reads in parallel and so cannot tell it;
    each bad line's text is found in the file instead (the same text twice is two bad lines)."""
    numbers: list[int] = []
    for line in bad_lines:
        whole_line = re.compile(rb"(?m)^" + re.escape(line.text.encode("utf-8")) + rb"\r?$")
        found = (data.count(b"\n", 0, match.start()) + 1 for match in whole_line.finditer(data))
        numbers.append(next((number for number in found if number not in numbers), line.number))
    return numbers


def bad_line_row(names: list[str], fields_found: int, text: str,
                 line_number: int) -> list[object]:
    """A bronze row for a line with the wrong number of fields: the fields it has, and why."""
    fields = next(csv.reader([text]), []) if text else []
    if text.count('"') % 2:
        problem = f"line is cut inside a quoted field ({fields_found} of {len(names)} fields)"
    elif fields_found < len(names):
        problem = f"line has {fields_found} of {len(names)} fields (truncated?)"
    else:
        problem = f"line has {fields_found} fields, the header has {len(names)}"
    padded = (fields + [None] * len(names))[:len(names)]
    return [*padded, line_number, problem]


def explain_parse_failure(path: Path, data: bytes, message: str) -> str:
    """One line naming the file (and the line) for what pyarrow's reader refused."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return (f"{path}: line {line} is not UTF-8 text (byte 0x{data[error.start]:02x}); "
                "expected a UTF-8 CSV file")
    return f"{path}: cannot be parsed as CSV ({message.splitlines()[0]})"

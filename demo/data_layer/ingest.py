"""Ingest: a raw CSV file -> the bronze table (raw text, canonical names, lineage).

Everything is read as text first: deciding what a value means is cleaning's job, and a
reader that guesses types loses information (``"00123"``, ``" "``) before anyone looks.
The reader is pyarrow's multi-threaded CSV parser; a bad file fails here with a
``DataError`` naming the file and, where it applies, the line and column.

A line with too few or too many fields (a truncated last line, a stray delimiter) is not
dropped: it becomes a bronze row with the fields it has and ``_parse_error`` saying what
was wrong, and cleaning sends it to quarantine. Every line is accounted for.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from demo.errors import DataError
from demo.feature_spec import LINEAGE_COLUMNS, RAW_COLUMNS, canonical_name

SOURCE_ROW = "_source_row"
PARSE_ERROR = "_parse_error"  # null when the line parsed cleanly, else what was wrong
_SNIFF_BYTES = 8192
_NON_SPACE = re.compile(rb"\S")
_OTHER_DELIMITERS = {";": "';' (semicolon)", "\t": "a tab", "|": "'|' (pipe)"}


@dataclass(frozen=True)
class BronzeResult:
    """The bronze table and what ingestion noticed about the file's columns."""

    frame: pd.DataFrame
    renamed: dict[str, str]  # raw header -> canonical name (only where they differ)
    unknown_columns: list[str] = field(default_factory=list)  # kept in bronze, not passed on
    missing_columns: list[str] = field(default_factory=list)  # spec columns the file lacks

    @property
    def rows(self) -> int:
        return len(self.frame)


def read_raw_csv(path: str | Path) -> pd.DataFrame:
    """Read a raw CSV as text: one str column per header, plus ``_source_row`` (line number)
    and ``_parse_error``. Raises ``DataError`` naming the file for input it cannot read."""
    path = Path(path)
    data = _read_bytes(path)
    header_line, body_start = _header_line(path, data)
    names = _header_names(path, header_line)
    if not _NON_SPACE.search(data, body_start):
        raise DataError(f"{path}: has a header but no data rows")
    data, open_quote_line = _split_open_quote(path, data)
    table, bad_lines = _parse(path, data, names)
    if open_quote_line is not None:
        bad_lines.append(open_quote_line)
    frame = table.to_pandas()
    frame[SOURCE_ROW] = _line_numbers(data, table, bad_lines)
    frame[PARSE_ERROR] = pd.Series(pd.NA, index=frame.index, dtype="str")
    if bad_lines:
        frame = pd.concat([frame, _bad_line_rows(bad_lines, names)], ignore_index=True)
        frame = frame.sort_values(SOURCE_ROW, kind="stable", ignore_index=True)
    return frame


def to_bronze(
    raw: pd.DataFrame, source_file: str | Path, ingested_at: datetime | None = None
) -> BronzeResult:
    """Canonical column names, text values and lineage columns; ``raw`` is not modified."""
    renamed: dict[str, str] = {}
    unknown: list[str] = []
    seen: dict[str, str] = {}
    columns: dict[str, pd.Series] = {}
    for header in raw.columns:
        if header in (SOURCE_ROW, PARSE_ERROR):
            continue
        name = canonical_name(header)
        if name is None:
            unknown.append(str(header))
            columns[str(header)] = _as_text(raw[header])
            continue
        if name in seen:
            raise DataError(
                f"{source_file}: columns {seen[name]!r} and {header!r} both mean {name!r}; "
                "keep one of them"
            )
        seen[name] = str(header)
        if header != name:
            renamed[str(header)] = name
        columns[name] = _as_text(raw[header])
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(raw)))
    ordered = [c for c in RAW_COLUMNS if c in frame.columns] + unknown
    frame = frame[ordered]
    rows = raw[SOURCE_ROW].to_numpy() if SOURCE_ROW in raw else np.arange(2, len(raw) + 2)
    frame[LINEAGE_COLUMNS[0]] = pd.Categorical.from_codes(
        np.zeros(len(raw), dtype=np.int8), categories=[str(source_file)])
    frame[SOURCE_ROW] = np.asarray(rows, dtype=np.int64)
    stamp = pd.Timestamp(ingested_at or datetime.now(UTC))
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    frame[LINEAGE_COLUMNS[2]] = pd.Series(stamp, index=frame.index).astype("datetime64[us, UTC]")
    errors = raw[PARSE_ERROR] if PARSE_ERROR in raw else pd.Series(pd.NA, index=raw.index)
    frame[PARSE_ERROR] = pd.Series(errors.to_numpy(), index=frame.index, dtype="str")
    missing = [c for c in RAW_COLUMNS if c not in frame.columns]
    return BronzeResult(frame=frame, renamed=renamed, unknown_columns=unknown,
                        missing_columns=missing)


def _as_text(column: pd.Series) -> pd.Series:
    """A column as the str dtype; missing stays missing (cleaning decides what it means)."""
    if column.dtype == "str":
        return column.reset_index(drop=True)
    return column.astype("str").reset_index(drop=True)


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, expected a CSV file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror})") from None
    if not _NON_SPACE.search(data):
        raise DataError(f"{path}: is empty, expected a CSV file with a header line")
    head = data[:_SNIFF_BYTES]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataError(f"{path}: is UTF-16 text; save it as UTF-8 CSV")
    if b"\x00" in head:
        raise DataError(f"{path}: is not a text file (binary content in the first bytes); "
                        "expected a UTF-8 CSV file")
    return data.removeprefix(codecs.BOM_UTF8)


def _header_line(path: Path, data: bytes) -> tuple[str, int]:
    end = data.find(b"\n")
    end = len(data) if end < 0 else end
    try:
        line = data[:end].decode("utf-8").rstrip("\r")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: line 1 is not UTF-8 text (byte {exc.start + 1}); "
                        "expected a UTF-8 CSV file") from None
    if "," not in line:
        for delimiter, label in _OTHER_DELIMITERS.items():
            if delimiter in line:
                raise DataError(f"{path}: fields are separated by {label}, expected commas; "
                                "re-export the file as comma-separated CSV")
    return line, end + 1


def _header_names(path: Path, line: str) -> list[str]:
    names = [n.strip() for n in next(csv.reader([line]))]
    cleaned = [n or f"unnamed_{i + 1}" for i, n in enumerate(names)]
    first_seen: dict[str, int] = {}
    for position, name in enumerate(cleaned, start=1):
        if name in first_seen:
            raise DataError(f"{path}: line 1: column name {name!r} appears twice "
                            f"(columns {first_seen[name]} and {position})")
        first_seen[name] = position
    return cleaned


def _split_open_quote(path: Path, data: bytes) -> tuple[bytes, tuple | None]:
    """A last line cut inside quotes would swallow nothing but itself: set it aside as a
    truncated line. An open quote anywhere else would swallow the rest of the file: refuse."""
    if data.count(b'"') % 2 == 0:
        return data, None
    last_quote = data.rfind(b'"')
    line_start = data.rfind(b"\n", 0, last_quote) + 1
    line_number = data.count(b"\n", 0, line_start) + 1
    if b"\n" in data[last_quote:].rstrip(b"\r\n"):
        raise DataError(f"{path}: line {line_number}: a quoted field is never closed")
    text = data[line_start:].decode("utf-8", errors="replace").rstrip("\r\n")
    fields = len(next(csv.reader([text]), []))
    return data[:line_start], (line_number, fields, text)


def _parse(path: Path, data: bytes, names: list[str]) -> tuple[pa.Table, list[tuple]]:
    """Parse the body; returns the table and the lines with the wrong number of fields."""
    import pyarrow.csv as pv

    def options(threads: bool, handler: object) -> dict:
        return {
            "read_options": pv.ReadOptions(column_names=names, skip_rows=1, use_threads=threads),
            "parse_options": pv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False,
                                             invalid_row_handler=handler),
            "convert_options": pv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        }

    bad: list[tuple] = []

    def collect(row: object) -> str:
        bad.append((row.number, row.actual_columns, row.text))  # type: ignore[attr-defined]
        return "skip"

    try:
        table = pv.read_csv(io.BytesIO(data), **options(True, collect))
        if bad:  # line numbers are only known to the single-threaded parser
            bad.clear()
            table = pv.read_csv(io.BytesIO(data), **options(False, collect))
    except pa.ArrowInvalid as exc:
        raise DataError(_explain_parse_failure(path, data, str(exc))) from None
    return table, bad


def _explain_parse_failure(path: Path, data: bytes, message: str) -> str:
    if "UTF8" in message or "utf8" in message.lower():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            return (f"{path}: line {line} is not UTF-8 text (byte 0x{data[exc.start]:02x}); "
                    "expected a UTF-8 CSV file")
    if "quote" in message.lower() or "end of file" in message.lower():
        return f"{path}: a quoted field is never closed (the file ends inside quotes)"
    return f"{path}: cannot be parsed as CSV ({message.splitlines()[0]})"


def _line_numbers(data: bytes, table: pa.Table, bad_lines: list[tuple]) -> np.ndarray:
    """The file line on which each parsed row starts (the header is line 1)."""
    rows = table.num_rows
    bad = np.array(sorted(b[0] for b in bad_lines if b[0] is not None), dtype=np.int64)
    lines_in_file = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    candidates = np.arange(2, lines_in_file + 1, dtype=np.int64)
    free = np.setdiff1d(candidates, bad, assume_unique=True) if len(bad) else candidates
    if len(free) >= rows and lines_in_file - 1 == rows + len(bad):
        return free[:rows]
    # Some values hold line breaks: each row starts after the breaks inside earlier rows.
    import pyarrow.compute as pc

    extra = np.zeros(rows, dtype=np.int64)
    for column in table.columns:
        extra += pc.count_substring(column, "\n").to_numpy(zero_copy_only=False)
    start = 2 + np.arange(rows, dtype=np.int64) + np.concatenate([[0], np.cumsum(extra)[:-1]])
    for line in bad:  # a rejected line pushes every later row down by one
        start[start >= line] += 1
    return start


def _bad_line_rows(bad_lines: list[tuple], names: list[str]) -> pd.DataFrame:
    """Rows for lines with the wrong number of fields: the fields they have, and why."""
    records = []
    for number, actual, text in bad_lines:
        fields = next(csv.reader([text]), []) if text else []
        record: dict[str, object] = dict(zip(names, fields, strict=False))
        if text.count('"') % 2:
            problem = f"line is cut inside a quoted field ({actual} of {len(names)} fields)"
        elif actual < len(names):
            problem = f"line has {actual} of {len(names)} fields (truncated?)"
        else:
            problem = f"line has {actual} fields, the header has {len(names)}"
        record[SOURCE_ROW] = number
        record[PARSE_ERROR] = problem
        records.append(record)
    frame = pd.DataFrame.from_records(records, columns=[*names, SOURCE_ROW, PARSE_ERROR])
    for name in [*names, PARSE_ERROR]:
        frame[name] = frame[name].astype("str")
    frame[SOURCE_ROW] = frame[SOURCE_ROW].astype(np.int64)
    return frame

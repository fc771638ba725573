"""Raw CSV -> Parquet for Spark, a part at a time, through the pandas data layer's own reader.

Spark cleans the file, but the reading (line numbers, refusals, lines with the wrong number of
fields) is ``demo.data_layer.ingest``'s, so the two engines cannot disagree about a raw line.
That reader holds the whole file in memory: fine for the sample, about 5 GB at 10M rows. Here
the file is cut into parts of about ``part_bytes``, only at line ends outside quoted values,
and each part is read, numbered from its first line, and written before the next is read.
One case reads differently from a whole read: a quote left open in the middle of a file (not
on its last line), where no reading is right; the whole read refuses nothing there either.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from demo.data_layer.clean import check_columns
from demo.data_layer.ingest import (
    SOURCE_FILE,
    SOURCE_ROW,
    checked_text,
    parse_raw_csv,
    read_raw_csv,
    to_bronze,
)
from demo.errors import DataError

POSITION = "_position"  # the row's place in the raw file: "keep first" means smallest
PART_BYTES = 64 * 2**20


@dataclass
class StagedFile:
    """The bronze Parquet parts of one raw file, and what ingest noticed about its columns."""

    folder: Path
    rows: int = 0
    renamed: dict[str, str] = field(default_factory=dict)
    unknown_columns: list[str] = field(default_factory=list)


def stage_raw_csv(raw_path: str | Path, folder: Path, require_label: bool = True,
                  part_bytes: int = PART_BYTES) -> StagedFile:
    """Write the bronze table of ``raw_path`` as ``folder/part-NNNNN.parquet`` files, with a
    ``_position`` column (the row's place in the file) and the file's real line numbers."""
    raw_path = Path(raw_path)
    if not raw_path.is_file() or raw_path.stat().st_size == 0:
        read_raw_csv(raw_path)  # raises the reader's own error: no such file, a folder, empty
    folder.mkdir(parents=True, exist_ok=True)
    staged = StagedFile(folder)
    ingested_at = datetime.now(UTC)  # one stamp for the whole file, as in pandas
    for index, (lines_before, text) in enumerate(csv_parts(raw_path, part_bytes)):
        # Every part starts with the file's first line: the first part is checked as a whole
        # read checks the file; the others only lose the byte-order mark (if any).
        text = checked_text(raw_path, text) if index == 0 else text.removeprefix(codecs.BOM_UTF8)
        try:
            raw = parse_raw_csv(raw_path, text)
        except DataError as error:
            read_raw_csv(raw_path)  # the whole file's own error names the right line
            raise DataError(f"{raw_path}, in the part after data line {lines_before}: "
                            f"{str(error).split(': ', 1)[-1]}") from None
        raw[SOURCE_ROW] += lines_before
        bronze = to_bronze(raw, str(raw_path), ingested_at=ingested_at)
        if index == 0:
            check_columns(bronze.frame, require_label)
            staged.renamed, staged.unknown_columns = bronze.renamed, bronze.unknown_columns
        frame = bronze.frame
        frame[SOURCE_FILE] = frame[SOURCE_FILE].astype("str")
        frame[POSITION] = range(staged.rows, staged.rows + len(frame))
        frame.to_parquet(folder / f"part-{index:05d}.parquet", index=False)
        staged.rows += len(frame)
    return staged


def csv_parts(path: Path, part_bytes: int) -> Iterator[tuple[int, bytes]]:
    """(data lines before this part, the header + this part's lines) for each part. A part
    of blank lines only joins the part before it (alone, the reader would call it empty)."""
    with path.open("rb") as file:
        header = file.readline()
        pending: tuple[int, bytes] | None = None
        for lines_before, lines in _whole_rows(file, part_bytes):
            if pending is not None and not lines.strip():
                pending = (pending[0], pending[1] + lines)
                continue
            if pending is not None:
                yield pending[0], header + pending[1]
            pending = (lines_before, lines)
    yield (0, header) if pending is None else (pending[0], header + pending[1])


def _whole_rows(file: BinaryIO, part_bytes: int) -> Iterator[tuple[int, bytes]]:
    """The rest of ``file`` in pieces of about ``part_bytes`` that end where a row ends."""
    lines_before, carry = 0, b""
    while block := file.read(part_bytes):
        data = carry + block
        cut = end_of_last_whole_row(data)
        if cut == 0:  # no row ends in here (one huge quoted value): read on
            carry = data
            continue
        yield lines_before, data[:cut]
        lines_before += data.count(b"\n", 0, cut)
        carry = data[cut:]
    if carry:
        yield lines_before, carry


def end_of_last_whole_row(data: bytes) -> int:
    """Just after the last line break that is outside quotes (0 when there is none): an even
    number of quote characters before it means no quoted value is open there."""
    end = data.rfind(b"\n")
    quotes = data.count(b'"', 0, end) if end >= 0 else 0
    while end >= 0 and quotes % 2:
        previous = data.rfind(b"\n", 0, end)
        quotes -= data.count(b'"', max(previous, 0), end)
        end = previous
    return end + 1

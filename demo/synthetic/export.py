"""Write a generated table as CSV, fast and byte-for-byte reproducibly.

pyarrow's CSV writer is an order of magnitude faster than ``DataFrame.to_csv`` (a million
rows in well under a second) and spells numbers the shortest way (``29.85``, ``4268``).
Values are written unquoted, like the public export; the generator never produces a comma,
quote or newline inside a value, and the writer refuses one rather than write a broken file.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

CHUNK_ROWS = 200_000


def to_arrow(frame: pd.DataFrame) -> pa.Table:
    """``frame`` as an Arrow table with categorical columns turned into plain text."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for position, column in enumerate(table.schema):
        if pa.types.is_dictionary(column.type):
            text = table.column(position).cast(pa.string())
            table = table.set_column(position, column.name, text)
    return table


def write_csv(
    frame: pd.DataFrame, path: Path, on_progress: Callable[[int], None] | None = None
) -> None:
    """Write ``frame`` to ``path`` (atomically: a partial file never takes its name).

    ``on_progress`` is called with the number of rows written after each chunk.
    """
    table = to_arrow(frame)
    options = pa_csv.WriteOptions(include_header=False, quoting_style="none", batch_size=65_536)
    partial = path.with_name(f".{path.name}.partial")
    try:
        with open(partial, "wb") as sink:  # arrow would quote the header; write it plainly
            sink.write((",".join(table.column_names) + "\n").encode())
        with open(partial, "ab") as sink, pa_csv.CSVWriter(
            sink, table.schema, write_options=options
        ) as writer:
            for start in range(0, max(table.num_rows, 1), CHUNK_ROWS):
                writer.write_table(table.slice(start, CHUNK_ROWS))
                if on_progress:
                    on_progress(min(start + CHUNK_ROWS, table.num_rows))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)

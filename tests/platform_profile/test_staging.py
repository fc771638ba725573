"""Staging a raw file for Spark in parts gives exactly the bronze table of one whole read:
the same rows, values, line numbers and refusals, wherever the parts are cut."""

from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd
import pytest

from demo.data_layer.ingest import read_raw_csv, to_bronze
from demo.errors import DataError
from demo.paths import REFERENCE_RAW_CSV, SAMPLE_RAW_CSV
from demo.platform.staging import POSITION, csv_parts, end_of_last_whole_row, stage_raw_csv
from tests.data_layer.test_accounting import random_mix

NOT_COMPARED = ["_ingested_at"]


def whole_read(path: Path) -> pd.DataFrame:
    frame = to_bronze(read_raw_csv(path), str(path)).frame
    frame["_source_file"] = frame["_source_file"].astype("str")
    return frame.drop(columns=NOT_COMPARED)


def staged_read(path: Path, folder: Path, part_bytes: int) -> pd.DataFrame:
    staged = stage_raw_csv(path, folder, part_bytes=part_bytes)
    parts = sorted(folder.glob("part-*.parquet"))
    assert len(parts) > 1 or path.stat().st_size <= part_bytes, "the file was not cut"
    frame = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    assert staged.rows == len(frame)
    assert frame[POSITION].tolist() == list(range(len(frame)))
    return frame.drop(columns=[*NOT_COMPARED, POSITION])


def assert_same_bronze(path: Path, folder: Path, part_bytes: int) -> None:
    expected, got = whole_read(path), staged_read(path, folder, part_bytes)
    assert list(got.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(got.astype(object), expected.astype(object))


# Quoted line breaks, quotes inside values, short and long lines, blank lines, CRLF.
AWKWARD_LINES = [
    ('C-1,Female,0,Yes,No,1,No,"No phone\nservice",DSL,No,Yes,No,No,No,No,Month-to-month,Yes,'
    'Electronic check,29.85,29.85,No'),
    "",
    "C-2,Male,0,No",
    ('C-3,Male,1,No,No,34,Yes,No,DSL,Yes,No,Yes,No,No,No,One year,No,"Mailed ""check""",56.95,'
    "1889.5,No,extra"),
    "   ",
    ("C-4,Female,0,Yes,No,2,Yes,No,Fiber optic,No,No,No,No,No,No,Month-to-month,Yes,"
    "Electronic check,70.70,151.65,Yes\r"),
]


def awkward_file(path: Path, repeats: int, trailing_blank_lines: int) -> Path:
    header = SAMPLE_RAW_CSV.read_text().split("\n", 1)[0]
    lines = [header] + AWKWARD_LINES * repeats + [""] * trailing_blank_lines
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("part_bytes", [700, 4096])
def test_awkward_lines_cut_anywhere(tmp_path: Path, part_bytes: int) -> None:
    raw = awkward_file(tmp_path / "awkward.csv", repeats=40, trailing_blank_lines=30)
    assert_same_bronze(raw, tmp_path / "staged", part_bytes)


def test_a_byte_order_mark_is_read_once(tmp_path: Path) -> None:
    raw = awkward_file(tmp_path / "bom.csv", repeats=20, trailing_blank_lines=0)
    raw.write_bytes(codecs.BOM_UTF8 + raw.read_bytes())
    assert_same_bronze(raw, tmp_path / "staged", 600)


def test_the_committed_sample(tmp_path: Path) -> None:
    assert_same_bronze(SAMPLE_RAW_CSV, tmp_path / "staged", 64 * 1024)


@pytest.mark.reference_data
@pytest.mark.skipif(not REFERENCE_RAW_CSV.exists(),
                    reason=f"outside reference file not present at {REFERENCE_RAW_CSV}")
def test_the_outside_reference_file(tmp_path: Path) -> None:
    assert_same_bronze(REFERENCE_RAW_CSV, tmp_path / "staged", 128 * 1024)


@pytest.mark.parametrize("seed", [1, 7, 11])
def test_random_mixes_of_nasty_cells(tmp_path: Path, seed: int) -> None:
    raw = tmp_path / "mix.csv"
    random_mix(seed).to_csv(raw, index=False)
    assert_same_bronze(raw, tmp_path / "staged", 4096)


def test_a_cut_never_falls_inside_quotes() -> None:
    data = b'a,"x\ny"\nb,"p\nq\nr"\nc,"open\n'
    cut = end_of_last_whole_row(data)
    assert data[:cut] == b'a,"x\ny"\nb,"p\nq\nr"\n'
    assert end_of_last_whole_row(b'a,"never closed\nmore\n') == 0


def test_every_line_is_in_exactly_one_part(tmp_path: Path) -> None:
    raw = awkward_file(tmp_path / "awkward.csv", repeats=25, trailing_blank_lines=3)
    header, body = raw.read_bytes().split(b"\n", 1)
    parts = list(csv_parts(raw, 500))
    assert len(parts) > 5
    assert all(text.startswith(header + b"\n") for _, text in parts)
    assert b"".join(text[len(header) + 1:] for _, text in parts) == body
    for lines_before, text in parts:  # each part knows how many data lines came before it
        before = b"".join(t[len(header) + 1:] for n, t in parts if n < lines_before)
        assert before.count(b"\n") == lines_before


def test_refusals_are_the_readers_own(tmp_path: Path) -> None:
    """A refusal names the raw file and the line, as one whole read would."""
    with pytest.raises(DataError, match="no such file"):
        stage_raw_csv(tmp_path / "missing.csv", tmp_path / "staged")
    header = SAMPLE_RAW_CSV.read_bytes().split(b"\n", 1)[0]
    line = AWKWARD_LINES[-1].encode()
    raw = tmp_path / "latin1.csv"  # a byte that is not UTF-8, far into the file
    raw.write_bytes(b"\n".join([header, *[line] * 50, line.replace(b"Female", b"F\xe9male"),
                                *[line] * 5]) + b"\n")
    with pytest.raises(DataError) as staged_error:
        stage_raw_csv(raw, tmp_path / "staged", part_bytes=1000)
    with pytest.raises(DataError) as whole_error:
        read_raw_csv(raw)
    assert str(staged_error.value) == str(whole_error.value)
    assert f"{raw}: line 52 " in str(staged_error.value)

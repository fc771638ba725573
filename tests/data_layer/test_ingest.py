"""Ingest: any header style and column order, lineage, and a clear error for a bad file."""

from __future__ import annotations

import codecs
import re
from datetime import UTC, datetime

import pandas as pd
import pytest

from demo.data_layer.ingest import PARSE_ERROR, SOURCE_ROW, read_raw_csv, to_bronze
from demo.errors import DataError
from demo.feature_spec import LINEAGE_COLUMNS, RAW_COLUMNS
from tests.data_layer.conftest import csv_text

MIXED = {"customer_id": "customerID", "senior_citizen": "seniorCitizen",
         "phone_service": "Phone_Service", "paperless_billing": "paperlessbilling",
         "monthly_charges": "MonthlyCharges", "churn": "Churn"}


def test_every_value_is_read_as_text_exactly(write_file, clean_text) -> None:
    clean_text.loc[0, "tenure"] = "007"
    clean_text.loc[1, "total_charges"] = " "
    raw = read_raw_csv(write_file(csv_text(clean_text)))
    assert all(raw[c].dtype == "str" for c in RAW_COLUMNS)
    assert raw.loc[0, "tenure"] == "007" and raw.loc[1, "total_charges"] == " "


def test_mixed_header_styles_and_any_order_map_to_canonical_names(write_file,
                                                                  clean_text) -> None:
    shuffled = clean_text[list(reversed(RAW_COLUMNS))].rename(columns=MIXED)
    bronze = to_bronze(read_raw_csv(write_file(csv_text(shuffled))), "raw.csv")
    assert list(bronze.frame.columns[:len(RAW_COLUMNS)]) == list(RAW_COLUMNS)
    assert bronze.renamed == {raw: name for name, raw in MIXED.items()}
    assert bronze.frame["customer_id"].tolist() == clean_text["customer_id"].tolist()


def test_lineage_columns_name_the_file_the_line_and_the_time(write_file, clean_text) -> None:
    path = write_file(csv_text(clean_text))
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    frame = to_bronze(read_raw_csv(path), str(path), when).frame
    assert set(LINEAGE_COLUMNS) <= set(frame.columns)
    assert (frame["_source_file"] == str(path)).all()
    assert frame[SOURCE_ROW].tolist() == list(range(2, len(clean_text) + 2))
    assert (frame["_ingested_at"] == pd.Timestamp(when)).all()


def test_unknown_columns_are_kept_in_bronze_and_reported(write_file, clean_text) -> None:
    extra = clean_text.assign(loyalty_tier="gold", **{"Sales Rep": "ann"})
    bronze = to_bronze(read_raw_csv(write_file(csv_text(extra))), "raw.csv")
    assert bronze.unknown_columns == ["loyalty_tier", "Sales Rep"]
    assert (bronze.frame["loyalty_tier"] == "gold").all()


def test_input_frame_is_not_modified(clean_text) -> None:
    before = clean_text.copy()
    to_bronze(clean_text.rename(columns=MIXED), "raw.csv")
    pd.testing.assert_frame_equal(clean_text, before)


def test_truncated_last_line_becomes_a_row_with_a_parse_error(write_file, clean_text) -> None:
    text = csv_text(clean_text)
    cut = text.rstrip("\n").rsplit(",", 5)[0]  # the last line loses its last five fields
    raw = read_raw_csv(write_file(cut))
    last = raw.iloc[-1]
    assert len(raw) == len(clean_text)
    assert last[SOURCE_ROW] == len(clean_text) + 1
    assert last[PARSE_ERROR] == f"line has {len(RAW_COLUMNS) - 5} of {len(RAW_COLUMNS)} fields (truncated?)"
    assert last["customer_id"] == clean_text["customer_id"].iloc[-1]


def test_line_with_extra_fields_and_blank_line_keep_their_line_numbers(write_file,
                                                                        clean_text) -> None:
    lines = csv_text(clean_text).splitlines()
    lines[3] += ",surprise"
    lines.insert(6, "")
    raw = read_raw_csv(write_file("\n".join(lines) + "\n"))
    assert raw[SOURCE_ROW].tolist() == list(range(2, len(lines) + 1))
    assert raw.loc[raw[SOURCE_ROW] == 4, PARSE_ERROR].item() == (
        f"line has {len(RAW_COLUMNS) + 1} fields, the header has {len(RAW_COLUMNS)}")


def test_quoted_line_break_keeps_later_line_numbers_true(write_file) -> None:
    raw = read_raw_csv(write_file('a,b\n1,"two\nlines"\n3,4\n'))
    assert raw[SOURCE_ROW].tolist() == [2, 4]


def test_last_line_cut_inside_quotes_is_set_aside_not_swallowed(write_file) -> None:
    raw = read_raw_csv(write_file('customer_id,gender\n1,Male\n2,"Fem'))
    assert raw["customer_id"].tolist() == ["1", "2"]
    assert raw[PARSE_ERROR].tolist()[1].startswith("line is cut inside a quoted field")
    assert raw[SOURCE_ROW].tolist() == [2, 3]


def test_utf8_byte_order_mark_is_ignored(write_file, clean_text) -> None:
    raw = read_raw_csv(write_file(codecs.BOM_UTF8 + csv_text(clean_text).encode()))
    assert raw.columns[0] == "customer_id"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"  \n\n", "is empty"),
        (b"customer_id,gender\n", "has a header but no data rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not a text file"),
        ("customer_id,gender\n1,Fémale\n".encode("latin-1"), "line 2 is not UTF-8"),
        ("customer_id,gender\n".encode("utf-16"), "is UTF-16"),
        (b"customer_id;gender;tenure\n1;Male;3\n", "separated by ';' (semicolon)"),
        (b"customer_id\tgender\ttenure\n1\tMale\t3\n", "separated by a tab"),
        (b"customer_id,tenure,tenure\n1,2,3\n", "column name 'tenure' appears twice"),
        (b'customer_id,gender\n1,"Male\n2,Female\n', "line 2: a quoted field is never"),
    ],
)
def test_unreadable_files_raise_a_data_error_naming_the_file(write_file, content: bytes,
                                                             message: str) -> None:
    path = write_file(content)
    with pytest.raises(DataError, match=re.escape(message)) as caught:
        read_raw_csv(path)
    assert str(path) in str(caught.value)


def test_missing_file_and_folder_are_named(tmp_path) -> None:
    with pytest.raises(DataError, match="no such file"):
        read_raw_csv(tmp_path / "absent.csv")
    with pytest.raises(DataError, match="is a folder"):
        read_raw_csv(tmp_path)


def test_two_headers_meaning_the_same_column_are_refused(write_file) -> None:
    raw = read_raw_csv(write_file("customerID,customer_id\n1,1\n"))
    with pytest.raises(DataError, match="both mean 'customer_id'"):
        to_bronze(raw, "raw.csv")


def test_bad_line_after_a_value_spanning_lines_keeps_its_true_line_number(write_file) -> None:
    raw = read_raw_csv(write_file('a,b\n1,"two\nlines"\n3,4,5\n6,7\n'))
    assert raw[SOURCE_ROW].tolist() == [2, 4, 5]
    assert raw.loc[1, PARSE_ERROR] == "line has 3 fields, the header has 2"

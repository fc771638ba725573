"""Defect injection: documented rates, and a log that names exactly the rows affected."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from demo.feature_spec import FEATURES_BY_NAME, RAW_COLUMNS, canonical_name, header_key
from demo.synthetic.customers import draw_customers
from demo.synthetic.defects import DEFECT_KINDS, DefectLog, DefectRates, make_raw
from demo.synthetic.export import write_csv
from demo.synthetic.variants import HEADER_STYLES, INVALID_LABELS, styled_header, value_variants

RATES = DefectRates()
CATEGORY_COLUMNS = [n for n in RAW_COLUMNS if FEATURES_BY_NAME[n].kind in ("category", "label")]


def by_name(raw: pd.DataFrame, log: DefectLog) -> pd.DataFrame:
    """The raw frame with canonical column names."""
    return raw.rename(columns={v: k for k, v in log.headers.items()})


def mask(log: DefectLog, kind: str, column: str | None = None) -> np.ndarray:
    flags = np.zeros(log.n_rows, bool)
    flags[log.rows(kind, column)] = True
    return flags


def test_make_raw_does_not_modify_its_input() -> None:
    clean = draw_customers(2000, 5)
    before = clean.copy()
    make_raw(clean, 5)
    assert clean.equals(before)


def test_same_seed_gives_byte_identical_csv_and_another_seed_differs(tmp_path: Path) -> None:
    clean = draw_customers(3000, 8)
    paths = []
    for name, seed in (("a", 8), ("b", 8), ("c", 9)):
        raw, _ = make_raw(clean, seed)
        paths.append(tmp_path / f"{name}.csv")
        write_csv(raw, paths[-1])
    first, second, other = (p.read_bytes() for p in paths)
    assert first == second
    assert first != other


def test_raw_is_text_with_mixed_headers_that_fold_back(raw_and_log) -> None:
    raw, log = raw_and_log
    assert len(raw) == log.n_rows
    assert all(pd.api.types.is_string_dtype(raw[c]) for c in raw.columns)
    assert [canonical_name(h) for h in raw.columns] == list(RAW_COLUMNS)
    for name in RAW_COLUMNS:
        assert log.headers[name] in {styled_header(name, style) for style in HEADER_STYLES}
    styles = {s for s in HEADER_STYLES for n in RAW_COLUMNS if log.headers[n] == styled_header(n, s)}
    assert styles == set(HEADER_STYLES)


@pytest.mark.parametrize("column", list(DefectRates().missing_columns))
def test_missing_values_are_logged_exactly_at_the_documented_rate(raw_and_log, column) -> None:
    raw, log = raw_and_log
    empty = by_name(raw, log)[column].isna().to_numpy()
    assert np.array_equal(empty, mask(log, "missing", column))
    assert empty.mean() == pytest.approx(RATES.missing, abs=0.006)


def test_columns_outside_the_missing_list_are_complete(raw_and_log) -> None:
    raw, log = raw_and_log
    named = by_name(raw, log)
    for column in set(RAW_COLUMNS) - set(RATES.missing_columns):
        assert named[column].notna().all(), column


@pytest.mark.parametrize("column", CATEGORY_COLUMNS)
def test_category_variants_fold_back_and_are_logged(clean, raw_and_log, column) -> None:
    raw, log = raw_and_log
    source = np.arange(log.n_rows)
    duplicate = log.get("exact_duplicate")
    source[duplicate.rows] = duplicate.sources  # a duplicate carries its source's values
    truth = clean[column].astype(str).to_numpy()[source]
    values = by_name(raw, log)[column]
    present = values.notna().to_numpy()
    changed = present & (values.fillna("").to_numpy() != truth)
    invalid = mask(log, "invalid_label", column)
    assert np.array_equal(changed & ~invalid, mask(log, "category_variant", column))
    folded = values[changed & ~invalid].map(header_key)
    assert (folded.to_numpy() == np.vectorize(header_key)(truth[changed & ~invalid])).all()
    assert mask(log, "category_variant", column).mean() == pytest.approx(
        RATES.category_variant, abs=0.005
    )


def test_every_variant_folds_onto_its_value_and_no_other() -> None:
    for feature in FEATURES_BY_NAME.values():
        for value in feature.known_values:
            variants = value_variants(value)
            assert variants and value not in variants
            others = {header_key(v) for v in feature.known_values if v != value}
            for variant in variants:
                assert header_key(variant) == header_key(value)
                assert header_key(variant) not in others


def test_invalid_labels(raw_and_log) -> None:
    raw, log = raw_and_log
    label = by_name(raw, log)["churn"]
    invalid = mask(log, "invalid_label", "churn")
    assert np.array_equal(label.isin(INVALID_LABELS).to_numpy(), invalid)
    assert not label[~invalid].map(header_key).isin(map(header_key, INVALID_LABELS)).any()
    assert invalid.mean() == pytest.approx(RATES.invalid_label, abs=0.001)


def test_tenure_out_of_range(raw_and_log) -> None:
    raw, log = raw_and_log
    tenure = pd.to_numeric(by_name(raw, log)["tenure"])
    outside = ((tenure < 0) | (tenure > 72)).to_numpy()
    assert np.array_equal(outside, mask(log, "tenure_out_of_range", "tenure"))
    assert tenure[outside].between(-12, 120).all()
    assert outside.mean() == pytest.approx(RATES.tenure_out_of_range, abs=0.0015)


def test_totals_blank_for_every_new_customer_and_a_few_others(raw_and_log) -> None:
    raw, log = raw_and_log
    named = by_name(raw, log)
    blank = (named["total_charges"] == " ").to_numpy()
    new = mask(log, "blank_total_new_customer")
    assert np.array_equal(blank, new | mask(log, "blank_total"))
    assert not (new & mask(log, "blank_total")).any()
    assert new.sum() > 0
    assert mask(log, "blank_total").mean() == pytest.approx(RATES.blank_total, abs=0.001)


def test_negative_totals(raw_and_log) -> None:
    raw, log = raw_and_log
    total = pd.to_numeric(by_name(raw, log)["total_charges"].replace(" ", None))
    negative = (total < 0).to_numpy()
    assert np.array_equal(negative, mask(log, "negative_total"))
    assert negative.mean() == pytest.approx(RATES.negative_total, abs=0.002)


def test_exact_duplicates_copy_another_row_entirely(raw_and_log) -> None:
    raw, log = raw_and_log
    duplicate = log.get("exact_duplicate")
    assert len(duplicate.rows) == round(RATES.exact_duplicate * log.n_rows)
    copies = raw.iloc[duplicate.rows].reset_index(drop=True)
    originals = raw.iloc[duplicate.sources].reset_index(drop=True)
    pd.testing.assert_frame_equal(copies, originals)
    assert raw.duplicated(keep=False).sum() == 2 * len(duplicate.rows)


def test_conflicting_ids_share_an_id_but_not_the_values(raw_and_log) -> None:
    raw, log = raw_and_log
    conflict = log.get("conflicting_id")
    assert len(conflict.rows) == round(RATES.conflicting_id * log.n_rows)
    ids = by_name(raw, log)["customer_id"]
    assert (ids.iloc[conflict.rows].to_numpy() == ids.iloc[conflict.sources].to_numpy()).all()
    rest = raw.drop(columns=log.headers["customer_id"])
    differs = (rest.iloc[conflict.rows].to_numpy() != rest.iloc[conflict.sources].to_numpy())
    assert differs.any(axis=1).all()
    exact = log.get("exact_duplicate")
    conflicted = ids[~np.isin(np.arange(log.n_rows), exact.rows)]
    assert conflicted.duplicated().sum() == len(conflict.rows)


def test_the_log_counts_every_kind_it_documents(raw_and_log) -> None:
    _, log = raw_and_log
    counts = log.counts()
    assert set(counts["kind"]) == set(DEFECT_KINDS)
    assert (counts["rows"] > 0).all()
    assert counts["rate"].between(0, 1).all()


def test_tiny_tables_get_no_row_defects() -> None:
    raw, log = make_raw(draw_customers(3, 1), 1)
    assert len(raw) == 3
    assert log.get("exact_duplicate") is None and log.get("conflicting_id") is None

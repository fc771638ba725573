"""Turn a clean customer table into the messy raw export a data engineer actually receives.

``make_raw(clean, seed)`` returns the raw table (every column text, headers in mixed styles)
and a ``DefectLog`` that records exactly which row got which defect, so tests can check the
rates and the data layer's accounting can be checked against the truth.

The raw table has as many rows as the clean one and row ``i`` of the raw table is customer
``i`` of the clean table, except where the log says otherwise (an exact duplicate replaces a
customer with a copy of another raw row; a conflicting id gives a customer another's id).
Every defect is drawn with vectorised numpy and assembled with pyarrow: a million rows take
about two seconds of CPU.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from demo.feature_spec import FEATURES_BY_NAME, LABEL_COLUMN, RAW_COLUMNS
from demo.synthetic.variants import INVALID_LABELS, mixed_headers, value_variants

_SALT = 0xDEFEC7  # keeps the defect draws independent of the clean draw with the same seed

# What each defect kind means (the data card lists these with their rates).
DEFECT_KINDS: dict[str, str] = {
    "missing": "the field is empty",
    "category_variant": "a category value in another case, spacing or punctuation "
    "(YES, ' no ', 'Month to month'); folds back to the canonical value",
    "invalid_label": "a churn label that is neither Yes nor No (Maybe, TBD, Pending)",
    "tenure_out_of_range": "tenure outside 0-72 months (-12..-1 or 73..120)",
    "blank_total_new_customer": "total charges is a single space for a tenure-0 customer "
    "(nothing billed yet; the sound repair is 0)",
    "blank_total": "total charges is a single space for a customer with tenure > 0",
    "negative_total": "total charges has the wrong sign",
    "exact_duplicate": "the whole row is a copy of another raw row",
    "conflicting_id": "the row carries the customer id of another row with different values",
}


@dataclass(frozen=True)
class DefectRates:
    """How often each defect occurs: cell defects per cell, row defects per row."""

    missing: float = 0.10
    missing_columns: tuple[str, ...] = (
        "gender",
        "senior_citizen",
        "partner",
        "dependents",
        "tenure",
        "phone_service",
        "multiple_lines",
        "online_security",
        "payment_method",
    )
    category_variant: float = 0.05  # in every category column and the label
    invalid_label: float = 0.002
    tenure_out_of_range: float = 0.005
    blank_total: float = 0.003  # besides every tenure-0 customer, whose total is always blank
    negative_total: float = 0.01
    exact_duplicate: float = 0.01  # an exact count: round(rate * rows)
    conflicting_id: float = 0.005  # an exact count: round(rate * rows)


@dataclass(frozen=True)
class Defect:
    """One defect kind in one column (empty column for whole-row defects)."""

    kind: str
    column: str
    rows: np.ndarray  # 0-based positions in the raw table (CSV line = position + 2)
    sources: np.ndarray | None = None  # for duplicates: the row each one copies or collides with


@dataclass(frozen=True)
class DefectLog:
    """Exactly which raw rows got which defect."""

    n_rows: int
    headers: dict[str, str]  # canonical column name -> header in the raw file
    defects: tuple[Defect, ...] = field(default_factory=tuple)

    def rows(self, kind: str, column: str | None = None) -> np.ndarray:
        """Sorted raw row positions with defect ``kind`` (in ``column``, or in any column)."""
        found = [d.rows for d in self.defects if d.kind == kind and column in (None, d.column)]
        return np.unique(np.concatenate(found)) if found else np.array([], dtype=np.int64)

    def get(self, kind: str, column: str = "") -> Defect | None:
        return next((d for d in self.defects if d.kind == kind and d.column == column), None)

    def counts(self) -> pd.DataFrame:
        """One line per (kind, column): how many rows, and what share of all rows."""
        return pd.DataFrame(
            [
                {
                    "kind": d.kind,
                    "column": d.column,
                    "rows": len(d.rows),
                    "rate": len(d.rows) / self.n_rows if self.n_rows else 0.0,
                }
                for d in self.defects
            ],
            columns=["kind", "column", "rows", "rate"],
        )


def make_raw(
    clean: pd.DataFrame, seed: int, rates: DefectRates | None = None
) -> tuple[pd.DataFrame, DefectLog]:
    """The raw export of ``clean`` with defects injected at ``rates``; same seed, same output.

    ``clean`` is a table of ``draw_customers`` (every column of ``RAW_COLUMNS``); it is not
    modified. The result has text columns (missing fields are NA) named in mixed styles.
    """
    absent = [c for c in RAW_COLUMNS if c not in clean.columns]
    if absent:
        raise ValueError(f"make_raw needs every raw column; missing: {', '.join(absent)}")
    rates = rates or DefectRates()
    rng = np.random.default_rng(np.random.SeedSequence([seed, _SALT]))
    n = len(clean)
    headers = mixed_headers(rng)
    uniforms = {name: rng.random(n) for name in RAW_COLUMNS}
    masks: dict[tuple[str, str], np.ndarray] = {}
    columns: dict[str, pa.Array] = {}

    for name in RAW_COLUMNS:
        u = uniforms[name]
        missing = (u < rates.missing) if name in rates.missing_columns else np.zeros(n, bool)
        masks[("missing", name)] = missing
        kind = FEATURES_BY_NAME[name].kind
        if kind in ("category", "label"):
            columns[name] = _category_column(clean[name], u, missing, name, rates, rng, masks)
        elif name == "tenure":
            columns[name] = _tenure_column(clean[name], u, missing, rates, rng, masks)
        elif name == "total_charges":
            columns[name] = _total_column(clean, u, missing, rates, masks)
        else:  # customer_id, senior_citizen, monthly_charges
            columns[name] = _values(clean[name].to_numpy(), missing)

    # Duplicate rows while the columns are still codes and numbers (cheap to copy), then
    # spell everything as text.
    table, row_defects = _duplicate_rows(pa.table(columns), rng, rates, masks)
    blank = masks[("blank_total_new_customer", "total_charges")] | masks[
        ("blank_total", "total_charges")
    ]
    text = {name: table.column(name).cast(pa.string()) for name in RAW_COLUMNS}
    text["total_charges"] = pc.if_else(pa.array(blank), pa.scalar(" "), text["total_charges"])
    raw = pd.DataFrame({headers[name]: pd.Series(text[name], dtype="str") for name in RAW_COLUMNS})
    cell_defects = tuple(
        Defect(kind, column, np.flatnonzero(mask)) for (kind, column), mask in masks.items()
    )
    defects = tuple(d for d in cell_defects if len(d.rows)) + row_defects
    return raw, DefectLog(n_rows=n, headers=headers, defects=defects)


def _values(values: np.ndarray, missing: np.ndarray) -> pa.Array:
    """Values as an Arrow array, null where ``missing``; cast to text (numbers in their
    shortest spelling) once the rows are final."""
    return pa.array(values, mask=missing)


def _category_column(
    values: pd.Series,
    u: np.ndarray,
    missing: np.ndarray,
    name: str,
    rates: DefectRates,
    rng: np.random.Generator,
    masks: dict[tuple[str, str], np.ndarray],
) -> pa.Array:
    categorical = pd.Categorical(values)
    categories = [str(c) for c in categorical.categories]
    codes = categorical.codes.astype(np.int32)
    variants = [value_variants(c) for c in categories]
    lengths = np.array([len(v) for v in variants])
    offsets = len(categories) + np.concatenate([[0], np.cumsum(lengths)[:-1]])
    dictionary = categories + [v for group in variants for v in group]

    low = rates.missing if name in rates.missing_columns else 0.0
    variant = (u >= low) & (u < low + rates.category_variant)
    pick = (rng.random(len(u)) * lengths[codes]).astype(np.int32)
    codes = np.where(variant, offsets[codes] + pick, codes)
    masks[("category_variant", name)] = variant
    if name == LABEL_COLUMN:
        high = low + rates.category_variant
        invalid = (u >= high) & (u < high + rates.invalid_label)
        invalid_codes = len(dictionary) + rng.integers(0, len(INVALID_LABELS), len(u))
        codes = np.where(invalid, invalid_codes, codes)
        dictionary += list(INVALID_LABELS)
        masks[("invalid_label", name)] = invalid
    indices = pa.array(codes.astype(np.int32), mask=missing)
    return pa.DictionaryArray.from_arrays(indices, pa.array(dictionary))


def _tenure_column(
    values: pd.Series,
    u: np.ndarray,
    missing: np.ndarray,
    rates: DefectRates,
    rng: np.random.Generator,
    masks: dict[tuple[str, str], np.ndarray],
) -> pa.Array:
    low = rates.missing if "tenure" in rates.missing_columns else 0.0
    outside = (u >= low) & (u < low + rates.tenure_out_of_range)
    draw = rng.integers(0, 60, len(u))  # 0..11 -> -12..-1, 12..59 -> 73..120
    impossible = np.where(draw < 12, draw - 12, draw + 61)
    masks[("tenure_out_of_range", "tenure")] = outside
    return _values(np.where(outside, impossible, values.to_numpy(np.int64)), missing)


def _total_column(
    clean: pd.DataFrame,
    u: np.ndarray,
    missing: np.ndarray,
    rates: DefectRates,
    masks: dict[tuple[str, str], np.ndarray],
) -> pa.Array:
    total = clean["total_charges"].to_numpy(np.float64)
    new_customer = clean["tenure"].to_numpy() == 0
    low = rates.missing if "total_charges" in rates.missing_columns else 0.0
    blank_other = ~new_customer & ~missing & (u >= low) & (u < low + rates.blank_total)
    high = low + rates.blank_total
    negative = ~new_customer & (total > 0) & (u >= high) & (u < high + rates.negative_total)
    blank_new = new_customer & ~missing
    masks[("blank_total_new_customer", "total_charges")] = blank_new
    masks[("blank_total", "total_charges")] = blank_other
    masks[("negative_total", "total_charges")] = negative
    return _values(np.where(negative, -total, total), missing)  # blanks are spelled later


def _duplicate_rows(
    table: pa.Table,
    rng: np.random.Generator,
    rates: DefectRates,
    masks: dict[tuple[str, str], np.ndarray],
) -> tuple[pa.Table, tuple[Defect, ...]]:
    """Copy some rows over others (exact duplicates) and give some rows another's id."""
    n = table.num_rows
    duplicates = round(rates.exact_duplicate * n)
    conflicts = round(rates.conflicting_id * n)
    if 2 * (duplicates + conflicts) > n:  # tiny tables: keep at least half the rows intact
        duplicates = conflicts = 0
    order = rng.permutation(n)
    dup_rows, dup_sources, conflict_rows, conflict_sources = np.split(
        order[: 2 * (duplicates + conflicts)],
        np.cumsum([duplicates, duplicates, conflicts]),
    )
    source = np.arange(n)
    source[dup_rows] = dup_sources
    id_source = np.arange(n)
    id_source[conflict_rows] = conflict_sources
    position = table.schema.get_field_index("customer_id")
    ids = table.column("customer_id").take(pa.array(id_source[source]))  # one text copy
    table = table.remove_column(position).take(pa.array(source))
    table = table.add_column(position, "customer_id", ids)
    for mask in masks.values():
        mask[dup_rows] = mask[dup_sources]

    def sorted_pair(rows: np.ndarray, sources: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(rows)
        return rows[order], sources[order]

    defects = []
    if duplicates:
        defects.append(Defect("exact_duplicate", "", *sorted_pair(dup_rows, dup_sources)))
    if conflicts:
        defects.append(Defect("conflicting_id", "", *sorted_pair(conflict_rows, conflict_sources)))
    return table, tuple(defects)

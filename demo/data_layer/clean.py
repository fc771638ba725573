"""Clean: bronze -> silver (typed, repaired, one row per customer) + quarantine (with reasons).

``clean`` runs the rules of ``rules.py`` (one function per line of the README's rule table)
top to bottom on a working copy (the bronze table is never modified), drops duplicates,
and checks that every row read ends in exactly one place: silver, quarantine, or the
duplicate count.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from demo.data_layer import rules
from demo.data_layer.ingest import SOURCE_FILE, SOURCE_ROW, BronzeResult
from demo.data_layer.rules import Findings
from demo.errors import DataError
from demo.feature_spec import ID_COLUMN, LABEL_COLUMN, LINEAGE_COLUMNS, RAW_COLUMNS

QUARANTINE_REASON = "quarantine_reason"


class AccountingError(RuntimeError):
    """Rows were lost or double-counted: a bug in cleaning, never the user's input."""


@dataclass
class CleanResult:
    """Silver, quarantine and the accounting that ties them to the rows read."""

    silver: pd.DataFrame
    quarantine: pd.DataFrame
    rows_read: int
    duplicates_dropped: int
    repairs: dict[str, int]  # rule -> rows repaired (in silver)
    quarantine_reasons: dict[str, int]  # rule -> rows

    @property
    def rows_silver(self) -> int:
        return len(self.silver)

    @property
    def rows_quarantined(self) -> int:
        return len(self.quarantine)


def clean(bronze: BronzeResult, require_label: bool = True) -> CleanResult:
    """Type, normalise, repair and de-duplicate bronze; quarantine what cannot be trusted."""
    frame = bronze.frame
    check_columns(frame, require_label)
    found = Findings()
    ids = frame[ID_COLUMN].str.strip()
    found.reject("customer_id is missing", ids.isna() | (ids == ""))
    categories, not_allowed = rules.read_categories(frame, found)
    for rule in (rules.phone_rules, rules.internet_rules, rules.unknown_for_blank):
        categories = categories.assign(**rule(categories, not_allowed, found))
    numbers = rules.number_rules(frame, found)
    label = {LABEL_COLUMN: rules.label_rule(frame[LABEL_COLUMN], found)} if require_label else {}
    rules.whole_line_rules(frame, ids, found)

    typed = pd.concat([ids, categories, numbers], axis=1)[
        [c for c in RAW_COLUMNS if c != LABEL_COLUMN]].assign(**label)
    exact = exact_duplicates(frame, ids)
    same_after_cleaning = id_duplicate_rules(typed, exact, frame[SOURCE_ROW], found)
    dropped = exact | same_after_cleaning
    reasons = found.reasons()
    rejected = pd.Series(frame.index.isin(reasons.index), index=frame.index) & ~dropped
    kept = ~rejected & ~dropped
    lineage = frame[[c for c in LINEAGE_COLUMNS if c in frame.columns]]
    quarantine = frame[[c for c in RAW_COLUMNS if c in frame.columns] + list(lineage.columns)]
    result = CleanResult(
        silver=pd.concat([typed, lineage], axis=1)[kept].reset_index(drop=True),
        quarantine=quarantine[rejected].assign(
            **{QUARANTINE_REASON: reasons.reindex(frame.index[rejected])}
        ).reset_index(drop=True),
        rows_read=len(frame),
        duplicates_dropped=int(dropped.sum()),
        repairs={rule: int((rows & kept).sum()) for rule, rows in found.repaired.items()
                 if (rows & kept).any()}
        | {rule: int(rows.sum()) for rule, rows in (("exact duplicate row dropped", exact), (
            "duplicate after normalisation dropped", same_after_cleaning)) if rows.any()},
        quarantine_reasons=reason_counts(found, rejected),
    )
    check_accounting(result)
    return result


def check_columns(frame: pd.DataFrame, require_label: bool = True) -> None:
    """Raise ``DataError`` naming the file and the required columns a bronze table lacks."""
    missing = [c for c in RAW_COLUMNS if c not in frame and (require_label or c != LABEL_COLUMN)]
    if missing:
        source = str(frame[SOURCE_FILE].iloc[0]) if len(frame) else "the input table"
        hint = (" (the churn label; score unlabelled data with --no-label)"
                if missing == [LABEL_COLUMN] else "")
        raise DataError(f"{source}: missing required column(s): {', '.join(missing)}{hint}")


def exact_duplicates(frame: pd.DataFrame, ids: pd.Series) -> pd.Series:
    """README: rows identical, field for field as text, to an earlier row are dropped.
    Identical rows share their id, so only rows with a repeated id are compared."""
    repeated = ids.duplicated(keep=False)
    columns = [c for c in RAW_COLUMNS if c in frame.columns]
    duplicate = frame.loc[repeated, columns].duplicated(keep="first")
    return duplicate.reindex(frame.index, fill_value=False).astype(bool)


def id_duplicate_rules(typed: pd.DataFrame, exact: pd.Series, lines: pd.Series,
                       found: Findings) -> pd.Series:
    """README: the same id twice, identical after cleaning, is dropped (returned here);
    with different values, every copy is rejected naming the lines."""
    ids = typed[ID_COLUMN]
    candidates = ~exact & ids.notna() & (ids != "")
    repeated = candidates & ids.where(candidates).duplicated(keep=False)
    reasons = found.reasons().reindex(typed.index[repeated])  # the reasons must match too
    compared = typed[repeated].assign(reasons=reasons)
    same = compared.duplicated(keep="first").reindex(typed.index, fill_value=False).astype(bool)
    rest = repeated & ~same
    clash = rest & ids.where(rest).duplicated(keep=False)
    line_lists = lines[clash].sort_values().astype("str").groupby(ids[clash]).agg(", ".join)
    found.reject("customer_id appears with different values", clash,
                 "customer_id " + ids[clash] + " appears on lines " + ids[clash].map(line_lists)
                 + " with different values")
    return same


def reason_counts(found: Findings, rejected: pd.Series) -> dict[str, int]:
    """Rows per rule among the quarantined rows, most frequent first."""
    rows = rejected.index[rejected]
    counts = {rule: int(reasons.index.isin(rows).sum()) for rule, reasons in found.rejected.items()}
    return dict(sorted(((r, c) for r, c in counts.items() if c), key=lambda rc: -rc[1]))


def check_accounting(result: CleanResult) -> None:
    """Every row read is in silver, in quarantine or counted as a dropped duplicate."""
    accounted = result.rows_silver + result.rows_quarantined + result.duplicates_dropped
    if accounted != result.rows_read:
        raise AccountingError(
            f"rows read {result.rows_read} != silver {result.rows_silver} + quarantine "
            f"{result.rows_quarantined} + duplicates dropped {result.duplicates_dropped}")

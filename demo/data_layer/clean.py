"""Clean: bronze -> silver (typed, repaired, one row per customer) + quarantine (with reasons).

The rules are written down in ``demo/data_layer/README.md``; in short: repair only where the
rule is sound (a spelling variant, a blank total for a brand-new customer, a value implied by
another column), write the explicit ``Unknown`` for a blank category nothing can derive,
and send everything else to quarantine with a reason a person can act on.

Every input row ends in exactly one place: silver, quarantine, or the duplicate count.
``clean`` checks that in code and raises ``AccountingError`` if it ever fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from demo.data_layer.checks import (
    Flags,
    category_rules,
    cross_field_rules,
    label_rules,
    numeric_rules,
)
from demo.data_layer.ingest import PARSE_ERROR, SOURCE_ROW, BronzeResult
from demo.data_layer.rules import MISSING, Coded, arrow_text, code_category, encode
from demo.errors import DataError
from demo.feature_spec import (
    FEATURES,
    ID_COLUMN,
    LABEL_COLUMN,
    LINEAGE_COLUMNS,
    RAW_COLUMNS,
    UNKNOWN,
)

QUARANTINE_REASON = "quarantine_reason"
CATEGORY_FEATURES = tuple(f for f in FEATURES if f.kind == "category")


class AccountingError(RuntimeError):
    """Rows were lost or double-counted: a bug in cleaning, never the user's input."""


@dataclass
class CleanResult:
    """Silver, quarantine and the accounting that ties them to the rows read."""

    silver: pd.DataFrame
    quarantine: pd.DataFrame
    rows_read: int
    duplicates_dropped: int
    repairs: dict[str, int] = field(default_factory=dict)  # rule -> rows repaired (in silver)
    quarantine_reasons: dict[str, int] = field(default_factory=dict)  # rule -> rows

    @property
    def rows_silver(self) -> int:
        return len(self.silver)

    @property
    def rows_quarantined(self) -> int:
        return len(self.quarantine)


def required_columns(require_label: bool = True) -> tuple[str, ...]:
    return tuple(c for c in RAW_COLUMNS if require_label or c != LABEL_COLUMN)


def check_columns(frame: pd.DataFrame, require_label: bool = True) -> None:
    """Raise ``DataError`` naming the file and the required columns it lacks."""
    missing = [c for c in required_columns(require_label) if c not in frame.columns]
    if not missing:
        return
    source = _source_name(frame)
    hint = (" (the churn label; score unlabelled data with --no-label)"
            if missing == [LABEL_COLUMN] else "")
    raise DataError(f"{source}: missing required column(s): {', '.join(missing)}{hint}")


def clean(bronze: BronzeResult | pd.DataFrame, require_label: bool = True) -> CleanResult:
    """Type, normalise, repair and de-duplicate bronze; quarantine what cannot be trusted."""
    frame = bronze.frame if isinstance(bronze, BronzeResult) else bronze
    check_columns(frame, require_label)
    rows_read = len(frame)
    coded = {f.name: code_category(frame[f.name], f.allowed) for f in CATEGORY_FEATURES}
    id_codes, id_uniques = encode(pd.Series(pd.array(
        pc.utf8_trim_whitespace(arrow_text(frame[ID_COLUMN])), dtype="str")))
    id_blank = np.append(pd.isna(id_uniques) | (id_uniques == ""), True)[id_codes]
    exact_duplicate = _exact_duplicates(frame, id_codes)

    flags = Flags(rows_read)
    flags.quarantine(id_blank, "customer_id is missing")
    category_rules(coded, flags)
    cross_field_rules(coded, flags)
    _fill_unknown(coded, flags)
    numbers = numeric_rules(frame, flags)
    label = label_rules(frame, flags) if require_label else None
    _whole_line_problems(frame, id_blank, flags)

    ids = pd.Series(pd.array(pa.array(np.append(id_uniques, None)[id_codes], pa.string()),
                             dtype="str"))
    silver_columns = _typed_columns(ids, coded, numbers, label)
    normalised_duplicate, conflict_text = _id_duplicates(
        id_codes, id_blank, silver_columns, flags, exact_duplicate,
        frame[SOURCE_ROW].to_numpy())
    flags.quarantine_with(conflict_text, "customer_id appears with different values")

    dropped = exact_duplicate | normalised_duplicate
    bad = flags.any() & ~dropped
    keep = ~bad & ~dropped
    lineage = {c: frame[c].reset_index(drop=True) for c in LINEAGE_COLUMNS if c in frame.columns}
    silver = pd.DataFrame({**silver_columns, **lineage})[keep].reset_index(drop=True)
    quarantine = _quarantine_frame(frame, bad, flags.text[bad])
    result = CleanResult(
        silver=silver,
        quarantine=quarantine,
        rows_read=rows_read,
        duplicates_dropped=int(dropped.sum()),
        repairs={**flags.repair_counts(keep),
                 **_duplicate_counts(exact_duplicate, normalised_duplicate)},
        quarantine_reasons=flags.reason_counts(bad),
    )
    _check_accounting(result)
    return result


def _source_name(frame: pd.DataFrame) -> str:
    source = LINEAGE_COLUMNS[0]
    if source in frame.columns and len(frame):
        return str(frame[source].iloc[0])
    return "the input table"


def _repeated(codes: np.ndarray) -> np.ndarray:
    """Rows whose code occurs more than once."""
    counts = np.bincount(codes + 1)
    return counts[codes + 1] > 1


def _exact_duplicates(frame: pd.DataFrame, id_codes: np.ndarray) -> np.ndarray:
    """Rows whose every field is identical, as text, to an earlier row's.

    Identical rows share their id, so only rows with a repeated id are compared."""
    candidates = np.flatnonzero(_repeated(id_codes))
    duplicate = np.zeros(len(frame), dtype=bool)
    if len(candidates):
        columns = [c for c in RAW_COLUMNS if c in frame.columns]
        subset = frame[columns].iloc[candidates]
        duplicate[candidates] = subset.duplicated(keep="first").to_numpy()
    return duplicate


def _fill_unknown(coded: dict[str, Coded], flags: Flags) -> None:
    """A blank category nothing could derive becomes the explicit value Unknown."""
    for name, column in coded.items():
        missing = column.codes == MISSING
        if missing.any():
            column.codes[missing] = column.code_of(UNKNOWN)
            flags.repair(missing, f"{name} blank -> {UNKNOWN}")


def _whole_line_problems(frame: pd.DataFrame, id_blank: np.ndarray, flags: Flags) -> None:
    """A blank line or a line with the wrong number of fields: one reason says it all."""
    candidates = np.flatnonzero(id_blank)  # a blank line has a blank id first of all
    if len(candidates):
        columns = [c for c in RAW_COLUMNS if c in frame.columns]
        text = frame[columns].iloc[candidates].apply(lambda c: c.str.strip())
        empty = (text.isna() | (text == "")).all(axis=1).to_numpy()
        blank = np.zeros(len(frame), dtype=bool)
        blank[candidates[empty]] = True
        flags.replace(blank, "line is blank")
    if PARSE_ERROR in frame.columns:
        problem = frame[PARSE_ERROR].to_numpy(dtype=object, na_value=None)
        has_problem = ~pd.isna(problem)
        flags.replace(has_problem, "line has the wrong number of fields", problem[has_problem])


def _typed_columns(ids: pd.Series, coded: dict[str, Coded], numbers: dict[str, np.ndarray],
                   label: Coded | None) -> dict[str, object]:
    columns: dict[str, object] = {ID_COLUMN: ids}
    for name in RAW_COLUMNS:
        if name in coded:
            columns[name] = coded[name].as_series()
        elif name in numbers:
            columns[name] = numbers[name]
    if label is not None:
        columns[LABEL_COLUMN] = label.as_series()
    else:
        columns.pop(LABEL_COLUMN, None)
    return columns


def _id_duplicates(id_codes: np.ndarray, id_blank: np.ndarray, columns: dict[str, object],
                   flags: Flags, exact: np.ndarray, lines: np.ndarray,
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Same id twice: identical after cleaning -> a duplicate; different -> a conflict."""
    n = len(id_codes)
    duplicate = np.zeros(n, dtype=bool)
    conflict_text = np.full(n, None, dtype=object)
    remaining = np.where(exact | id_blank, -1, id_codes)
    positions = np.flatnonzero(_repeated(remaining) & (remaining >= 0))
    if not len(positions):
        return duplicate, conflict_text
    subset = pd.DataFrame({k: pd.Series(v).iloc[positions].to_numpy() for k, v in
                           columns.items()})
    subset["_reason"] = flags.text[positions]
    same = subset.duplicated(keep="first").to_numpy()
    duplicate[positions[same]] = True
    rest = positions[~same]
    clash_mask = _repeated(remaining[rest])
    clash = rest[clash_mask]
    if len(clash):
        table = pd.DataFrame({"id": subset[ID_COLUMN].to_numpy()[~same][clash_mask],
                              "line": lines[clash]})
        line_lists = table.groupby("id")["line"].agg(lambda s: ", ".join(map(str, sorted(s))))
        conflict_text[clash] = [f"customer_id {i} appears on lines {line_lists[i]} with "
                                "different values" for i in table["id"]]
    return duplicate, conflict_text


def _duplicate_counts(exact: np.ndarray, normalised: np.ndarray) -> dict[str, int]:
    counts = {"exact duplicate row dropped": int(exact.sum()),
              "duplicate after normalisation dropped": int(normalised.sum())}
    return {rule: count for rule, count in counts.items() if count}


def _quarantine_frame(frame: pd.DataFrame, bad: np.ndarray, reasons: np.ndarray) -> pd.DataFrame:
    """The quarantined rows as they arrived (spec columns and lineage) and why."""
    keep = [c for c in RAW_COLUMNS if c in frame.columns] + [
        c for c in LINEAGE_COLUMNS if c in frame.columns]
    quarantine = frame[keep].iloc[np.flatnonzero(bad)].reset_index(drop=True)
    quarantine[QUARANTINE_REASON] = pd.Series(reasons, dtype="str")
    return quarantine


def _check_accounting(result: CleanResult) -> None:
    accounted = result.rows_silver + result.rows_quarantined + result.duplicates_dropped
    if accounted != result.rows_read:
        raise AccountingError(
            f"rows read {result.rows_read} != silver {result.rows_silver} + quarantine "
            f"{result.rows_quarantined} + duplicates dropped {result.duplicates_dropped}")

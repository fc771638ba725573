"""The cleaning rules, one function per family, all vectorised over whole columns.

Each rule marks rows in a ``Flags`` record: a repair (the row stays, the rule is counted) or
a quarantine reason (a human-readable message per row, counted per rule). The rules and why
each is sound are listed in ``demo/data_layer/README.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from demo.data_layer.rules import INVALID, MISSING, Coded, Parsed, code_category, parse_number
from demo.feature_spec import FEATURES_BY_NAME, LABEL_COLUMN

ADDONS = ("online_security", "online_backup", "device_protection", "tech_support",
          "streaming_tv", "streaming_movies")
NO_INTERNET = "No internet service"
NO_PHONE = "No phone service"
FLAG_WORDS = {"yes": 1.0, "y": 1.0, "true": 1.0, "no": 0.0, "n": 0.0, "false": 0.0}


class Flags:
    """Per-row quarantine messages, and which rule repaired or rejected which rows."""

    def __init__(self, rows: int) -> None:
        self.text = np.full(rows, None, dtype=object)
        self._reasons: dict[str, np.ndarray] = {}
        self._repairs: dict[str, np.ndarray] = {}

    def quarantine(self, mask: np.ndarray, rule: str, messages: object = None) -> None:
        """Reject the rows in ``mask``; ``messages`` (one per masked row) defaults to rule."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        self._reasons[rule] = self._reasons.get(rule, np.zeros(len(mask), bool)) | mask
        current = self.text[mask]
        new = np.array(np.broadcast_to(
            np.asarray(rule if messages is None else messages, dtype=object), current.shape))
        earlier = ~pd.isna(current)
        if earlier.any():  # a row with several problems lists them all
            new[earlier] = current[earlier] + "; " + new[earlier]
        self.text[mask] = new

    def quarantine_with(self, messages: np.ndarray, rule: str) -> None:
        """Reject every row whose entry in ``messages`` (full length) is not None."""
        mask = ~pd.isna(messages)
        self.quarantine(mask, rule, messages[mask])

    def replace(self, mask: np.ndarray, rule: str, messages: object = None) -> None:
        """Reject rows for one reason that says it all (a blank or broken line)."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        for other in self._reasons.values():
            other &= ~mask
        self.text[mask] = None
        self.quarantine(mask, rule, messages)

    def replace_with(self, mask: np.ndarray, messages: np.ndarray, rule: str) -> None:
        self.replace(mask, rule, messages)

    def repair(self, mask: np.ndarray, rule: str) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self._repairs[rule] = self._repairs.get(rule, np.zeros(len(mask), bool)) | mask

    def any(self) -> np.ndarray:
        return ~pd.isna(self.text)

    def repair_counts(self, kept: np.ndarray) -> dict[str, int]:
        counts = {rule: int((mask & kept).sum()) for rule, mask in self._repairs.items()}
        return {rule: count for rule, count in counts.items() if count}

    def reason_counts(self, rejected: np.ndarray) -> dict[str, int]:
        counts = {rule: int((mask & rejected).sum()) for rule, mask in self._reasons.items()}
        return dict(sorted(((r, c) for r, c in counts.items() if c), key=lambda rc: -rc[1]))


def category_rules(coded: dict[str, Coded], flags: Flags) -> None:
    """A value that is not (a variant of) an allowed value cannot be guessed: quarantine."""
    for name, column in coded.items():
        invalid = column.codes == INVALID
        if invalid.any():
            known = ", ".join(FEATURES_BY_NAME[name].known_values)
            flags.quarantine(invalid, f"{name} is not an allowed value", column.messages(
                invalid, lambda v, n=name, k=known: f"{n} {v!r} is not one of {k}"))
        spelled = (column.codes >= 0) & _differs_from_canonical(column)
        flags.repair(spelled, f"{name} spelling normalised")


def _differs_from_canonical(column: Coded) -> np.ndarray:
    canonical = set(column.values)
    per_unique = [str(u) not in canonical for u in column.raw_uniques] + [False]
    return np.array(per_unique, dtype=bool)[column.raw_codes]


def cross_field_rules(coded: dict[str, Coded], flags: Flags) -> None:
    """Phone and internet columns imply each other: derive blanks, reject contradictions."""
    phone, lines = coded["phone_service"], coded["multiple_lines"]
    no_phone = _is(phone, "No") | _is(lines, NO_PHONE)
    has_phone = _is(phone, "Yes") | _is(lines, "Yes") | _is(lines, "No")
    flags.quarantine(no_phone & has_phone, "phone_service contradicts multiple_lines",
                     "phone_service and multiple_lines disagree about a phone line")
    _derive(phone, no_phone & ~has_phone, "No", "phone_service derived from multiple_lines",
            flags)
    _derive(phone, has_phone & ~no_phone, "Yes", "phone_service derived from multiple_lines",
            flags)
    _derive(lines, no_phone & ~has_phone, NO_PHONE, "multiple_lines derived from phone_service",
            flags)

    internet = coded["internet_service"]
    addons = [coded[name] for name in ADDONS]
    no_net = _is(internet, "No") | np.logical_or.reduce([_is(a, NO_INTERNET) for a in addons])
    has_net = (_is(internet, "DSL") | _is(internet, "Fiber optic")
               | np.logical_or.reduce([_is(a, "Yes") | _is(a, "No") for a in addons]))
    flags.quarantine(no_net & has_net, "internet_service contradicts the add-ons",
                     "internet_service and the add-on columns disagree about an internet line")
    _derive(internet, no_net & ~has_net, "No",
            "internet_service derived 'No' (add-ons say 'No internet service')", flags)
    for name, addon in zip(ADDONS, addons, strict=True):
        _derive(addon, no_net & ~has_net, NO_INTERNET,
                f"{name} derived 'No internet service' from internet_service", flags)


def _is(column: Coded, value: str) -> np.ndarray:
    return column.codes == column.code_of(value)


def _derive(column: Coded, where: np.ndarray, value: str, rule: str, flags: Flags) -> None:
    blank = where & (column.codes == MISSING)
    if blank.any():
        column.codes[blank] = column.code_of(value)
        flags.repair(blank, rule)


def numeric_rules(frame: pd.DataFrame, flags: Flags) -> dict[str, np.ndarray]:
    """Parse the numeric columns, repair what is sound, reject impossible values."""
    senior = parse_number(frame["senior_citizen"], FLAG_WORDS)
    flags.quarantine(senior.missing, "senior_citizen is missing",
                     "senior_citizen is missing (a 0/1 flag has no safe default)")
    not_flag = ~senior.missing & ~np.isin(senior.values, (0.0, 1.0))
    flags.quarantine(not_flag, "senior_citizen is not 0 or 1",
                     senior.messages(not_flag, "senior_citizen ", " is not 0 or 1"))

    tenure = parse_number(frame["tenure"])
    _required(tenure, "tenure", flags)
    _in_range(tenure, "tenure", flags, whole=True)

    monthly = parse_number(frame["monthly_charges"])
    _required(monthly, "monthly_charges", flags)
    _in_range(monthly, "monthly_charges", flags)

    total = parse_number(frame["total_charges"])
    new_customer = total.missing & (tenure.values == 0)
    total.values[new_customer] = 0.0
    flags.repair(new_customer, "total_charges blank for a tenure-0 customer -> 0.0")
    still_missing = total.missing & ~new_customer
    flags.quarantine(still_missing, "total_charges is missing",
                     tenure.messages(still_missing, "total_charges is missing for tenure ", ""))
    _in_range(total, "total_charges", flags)

    rounded = {}
    for name, parsed in (("monthly_charges", monthly), ("total_charges", total)):
        with np.errstate(over="ignore"):  # 1e308 * 100 overflows; it is quarantined anyway
            rounded[name] = np.round(parsed.values, 2)
        changed = np.isfinite(parsed.values) & (rounded[name] != parsed.values)
        flags.repair(changed, f"{name} rounded to cents")
    return {
        "senior_citizen": _as_int(senior.values),
        "tenure": _as_int(tenure.values),
        "monthly_charges": rounded["monthly_charges"],
        "total_charges": rounded["total_charges"],
    }


def _as_int(values: np.ndarray) -> np.ndarray:
    """Whole numbers as int64; rejected values (NaN, inf, 1e308) become 0, never read."""
    safe = np.isfinite(values) & (np.abs(values) < 2.0**53)
    return np.where(safe, values, 0.0).astype(np.int64)


def _required(parsed: Parsed, name: str, flags: Flags) -> None:
    flags.quarantine(parsed.missing, f"{name} is missing")


def _in_range(parsed: Parsed, name: str, flags: Flags, whole: bool = False) -> None:
    feature = FEATURES_BY_NAME[name]
    low, high = feature.minimum, feature.maximum
    values = parsed.values
    flags.quarantine(parsed.unreadable, f"{name} is not a number",
                     parsed.messages(parsed.unreadable, f"{name} '", "' is not a number"))
    present = ~np.isnan(values)
    negative = present & (values < 0) & (low == 0) & (feature.kind == "float")
    flags.quarantine(negative, f"{name} is negative",
                     parsed.messages(negative, f"{name} ", " is negative"))
    outside = present & ~negative & ~((values >= low) & (values <= high))
    flags.quarantine(outside, f"{name} outside {low:g}..{high:g}",
                     parsed.messages(outside, f"{name} ", f" outside {low:g}..{high:g}"))
    if whole:
        fractional = present & ~outside & ~negative & (values != np.round(values))
        flags.quarantine(fractional, f"{name} is not a whole number",
                         parsed.messages(fractional, f"{name} ", " is not a whole number"))


def label_rules(frame: pd.DataFrame, flags: Flags) -> Coded:
    """The label must be Yes or No (after normalising its spelling); nothing is guessed."""
    feature = FEATURES_BY_NAME[LABEL_COLUMN]
    label = code_category(frame[LABEL_COLUMN], feature.allowed)
    flags.quarantine(label.codes == MISSING, "churn label is missing")
    invalid = label.codes == INVALID
    flags.quarantine(invalid, "churn label is not Yes or No",
                     label.messages(invalid, lambda v: f"churn {v!r} is not Yes or No"))
    return label


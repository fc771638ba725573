"""The cleaning rules: one function per line of the rule table in ``README.md``, in order.

Every rule is generated from ``demo.feature_spec`` (allowed values, ranges, kinds). A rule
reads the columns it needs and returns new ones; what it finds goes into ``Findings``: the
rows each repair fixed, and a reason for every row it rejects. ``clean.py`` runs the rules
top to bottom, then de-duplicates and checks the accounting.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from demo.data_layer.ingest import PARSE_ERROR
from demo.feature_spec import (
    FEATURES,
    FEATURES_BY_NAME,
    LABEL_COLUMN,
    RAW_COLUMNS,
    UNKNOWN,
    Feature,
    header_key,
)

CATEGORIES = tuple(f for f in FEATURES if f.kind == "category")
NO_PHONE, NO_INTERNET = "No phone service", "No internet service"
ADDONS = tuple(f.name for f in CATEGORIES if NO_INTERNET in (f.allowed or ()))
# Blank means an empty field or a null spelling. Categories compare folded spellings
# (header_key: "N/A" -> "na", "?" -> ""); numbers compare trimmed, lower-cased text.
BLANK_KEYS = frozenset({"", "na", "nan", "null", "none"})
BLANK_TEXT = ("", "na", "n/a", "nan", "null", "none", "?", "-")
SYNONYMS = {"y": "Yes", "true": "Yes", "n": "No", "false": "No", "f": "Female", "m": "Male",
            "fibreoptic": "Fiber optic", "fiber": "Fiber optic", "fibre": "Fiber optic",
            "monthly": "Month-to-month", "1year": "One year", "2year": "Two year",
            "twoyears": "Two year", "unknown": UNKNOWN}  # folded spelling -> allowed value
FLAG_WORDS = {"yes": 1.0, "y": 1.0, "true": 1.0, "no": 0.0, "n": 0.0, "false": 0.0}
NUMBER = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?inf(inity)?"


class Findings:
    """What the rules found: the rows each repair fixed, and a reason for each row rejected."""

    def __init__(self) -> None:
        self.rejected: dict[str, pd.Series] = {}  # rule -> reason text, one per rejected row
        self.repaired: dict[str, pd.Series] = {}  # rule -> bool per row

    def reject(self, rule: str, where: pd.Series, reason: str | pd.Series | None = None) -> None:
        if where.any():
            rows = where.index[where]
            text = reason.reindex(rows) if isinstance(reason, pd.Series) else (reason or rule)
            self.rejected[rule] = pd.Series(text, index=rows, dtype="str")

    def reject_whole_line(self, rule: str, where: pd.Series,
                          reason: str | pd.Series | None = None) -> None:
        """A blank or broken line: this one reason replaces every other for the row."""
        for earlier, reasons in self.rejected.items():
            self.rejected[earlier] = reasons[~where.reindex(reasons.index)]
        self.reject(rule, where, reason)

    def repair(self, rule: str, where: pd.Series) -> None:
        if where.any():
            self.repaired[rule] = self.repaired.get(rule, False) | where

    def reasons(self) -> pd.Series:
        """Each rejected row's reasons in rule order, joined by '; ' (a row lists them all)."""
        rows = pd.Index([], dtype="int64").append([r.index for r in self.rejected.values()])
        text = pd.Series(pd.NA, index=rows.unique().sort_values(), dtype="str")
        for reasons in self.rejected.values():
            earlier = text.loc[reasons.index]
            text.loc[reasons.index] = (earlier + "; " + reasons).fillna(reasons)
        return text


def read_category(raw: pd.Series, feature: Feature) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Each row's allowed value (NA when blank or not allowed), whether the value is not
    allowed, and whether it was respelled. Each distinct spelling is looked at once."""
    lookup = {header_key(value): value for value in feature.allowed or ()}
    lookup |= {key: value for key, value in SYNONYMS.items()
               if value in lookup.values() and key not in lookup}
    spellings = raw.astype("category")
    meaning = {s: lookup.get(header_key(s)) for s in spellings.cat.categories}
    not_allowed = [s for s, value in meaning.items()
                   if value is None and header_key(s) not in BLANK_KEYS]
    respelled = [s for s, value in meaning.items() if value is not None and s != value]
    value = spellings.map(meaning).astype("category").cat.set_categories(feature.allowed or ())
    return value, spellings.isin(not_allowed), spellings.isin(respelled)


def read_categories(frame: pd.DataFrame, found: Findings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """README: spelling variants map onto the spec's spelling; other values are rejected."""
    values, not_allowed = {}, {}
    for feature in CATEGORIES:
        name, raw = feature.name, frame[feature.name]
        values[name], not_allowed[name], respelled = read_category(raw, feature)
        shown = raw[not_allowed[name]].map(repr)
        found.reject(f"{name} is not an allowed value", not_allowed[name],
                     f"{name} " + shown + f" is not one of {', '.join(feature.known_values)}")
        found.repair(f"{name} spelling normalised", respelled)
    return pd.DataFrame(values), pd.DataFrame(not_allowed)


def fill_blank(values: pd.DataFrame, not_allowed: pd.DataFrame, name: str, where: pd.Series,
               value: str, rule: str, found: Findings) -> pd.Series:
    """The column with ``value`` written into its blank cells among ``where``."""
    blank = where & values[name].isna() & ~not_allowed[name]
    found.repair(rule, blank)
    return values[name].mask(blank, value)


def phone_rules(values: pd.DataFrame, not_allowed: pd.DataFrame,
                found: Findings) -> dict[str, pd.Series]:
    """README: blank phone columns derived from each other; contradictions rejected."""
    phone, lines = values["phone_service"], values["multiple_lines"]
    no_phone = phone.eq("No") | lines.eq(NO_PHONE)
    has_phone = phone.eq("Yes") | lines.isin(["Yes", "No"])
    found.reject("phone_service contradicts multiple_lines", no_phone & has_phone,
                 "phone_service and multiple_lines disagree about a phone line")
    rule = "phone_service derived from multiple_lines"
    phone = fill_blank(values, not_allowed, "phone_service", no_phone & ~has_phone, "No", rule,
                       found)
    phone = fill_blank(values.assign(phone_service=phone), not_allowed, "phone_service",
                       has_phone & ~no_phone, "Yes", rule, found)
    return {"phone_service": phone,
            "multiple_lines": fill_blank(values, not_allowed, "multiple_lines",
                                         no_phone & ~has_phone, NO_PHONE,
                                         "multiple_lines derived from phone_service", found)}


def internet_rules(values: pd.DataFrame, not_allowed: pd.DataFrame,
                   found: Findings) -> dict[str, pd.Series]:
    """README: blank internet columns derived from each other; contradictions rejected."""
    internet, addons = values["internet_service"], values[list(ADDONS)]
    no_net = internet.eq("No") | addons.isin([NO_INTERNET]).any(axis=1)
    has_net = internet.isin(["DSL", "Fiber optic"]) | addons.isin(["Yes", "No"]).any(axis=1)
    found.reject("internet_service contradicts the add-ons", no_net & has_net,
                 "internet_service and the add-on columns disagree about an internet line")
    only_no = no_net & ~has_net
    derived = {"internet_service": fill_blank(
        values, not_allowed, "internet_service", only_no, "No",
        "internet_service derived 'No' (add-ons say 'No internet service')", found)}
    for name in ADDONS:
        derived[name] = fill_blank(values, not_allowed, name, only_no, NO_INTERNET,
                                   f"{name} derived 'No internet service' from "
                                   "internet_service", found)
    return derived


def unknown_for_blank(values: pd.DataFrame, not_allowed: pd.DataFrame,
                      found: Findings) -> dict[str, pd.Series]:
    """README: any other blank category becomes the explicit value Unknown."""
    everywhere = pd.Series(True, index=values.index)
    return {f.name: fill_blank(values, not_allowed, f.name, everywhere, UNKNOWN,
                               f"{f.name} blank -> {UNKNOWN}", found) for f in CATEGORIES}


def read_number(raw: pd.Series, words: dict[str, float] | None = None,
                ) -> tuple[pd.Series, pd.Series, pd.Series]:
    """The trimmed text, the number (NaN when blank or unreadable) and whether it was blank;
    ``words`` adds spellings such as {"yes": 1.0} for a flag."""
    text = raw.str.strip()
    lowered = text.str.lower()
    # Parsed by Arrow ("float64[pyarrow]"): several times faster than pandas' own conversion
    number = text.where(text.str.fullmatch(NUMBER, case=False)).astype(
        "float64[pyarrow]").astype("float64")
    is_word = lowered.isin(list(words or {}))
    number[is_word] = lowered[is_word].map(words or {})
    return text, number, text.isna() | lowered.isin(BLANK_TEXT)


def check_number(name: str, text: pd.Series, number: pd.Series, blank: pd.Series,
                 found: Findings) -> None:
    """README: text that is not a number, a negative amount, a value outside the spec's
    range, and (for integer columns) a fraction are rejected."""
    feature = FEATURES_BY_NAME[name]
    low, high = feature.bounds
    shown = text.fillna("")
    unreadable = number.isna() & ~blank
    found.reject(f"{name} is not a number", unreadable,
                 f"{name} '" + shown[unreadable] + "' is not a number")
    present = number.notna()
    negative = present & (number < 0) & (low == 0) & (feature.kind == "float")
    found.reject(f"{name} is negative", negative, f"{name} " + shown[negative] + " is negative")
    outside = present & ~negative & ~number.between(low, high)
    found.reject(f"{name} outside {low:g}..{high:g}", outside,
                 f"{name} " + shown[outside] + f" outside {low:g}..{high:g}")
    if feature.kind == "integer":
        fraction = present & ~outside & ~negative & (number != number.round())
        found.reject(f"{name} is not a whole number", fraction,
                     f"{name} " + shown[fraction] + " is not a whole number")


def number_rules(frame: pd.DataFrame, found: Findings) -> pd.DataFrame:
    """README: the numeric rules, in the rule table's order; returns the typed numbers."""
    senior_text, senior, senior_blank = read_number(frame["senior_citizen"], FLAG_WORDS)
    found.reject("senior_citizen is missing", senior_blank,
                 "senior_citizen is missing (a 0/1 flag has no safe default)")
    not_flag = ~senior_blank & ~senior.isin([0.0, 1.0])
    found.reject("senior_citizen is not 0 or 1", not_flag,
                 "senior_citizen " + senior_text[not_flag].fillna("") + " is not 0 or 1")
    tenure_text, tenure, tenure_blank = read_number(frame["tenure"])
    found.reject("tenure is missing", tenure_blank)
    check_number("tenure", tenure_text, tenure, tenure_blank, found)
    monthly_text, monthly, monthly_blank = read_number(frame["monthly_charges"])
    found.reject("monthly_charges is missing", monthly_blank)
    check_number("monthly_charges", monthly_text, monthly, monthly_blank, found)

    total_text, total, total_blank = read_number(frame["total_charges"])
    new_customer = total_blank & tenure.eq(0)
    found.repair("total_charges blank for a tenure-0 customer -> 0.0", new_customer)
    total = total.mask(new_customer, 0.0)
    still_blank = total_blank & ~new_customer
    found.reject("total_charges is missing", still_blank,
                 "total_charges is missing for tenure " + tenure_text[still_blank].fillna(""))
    check_number("total_charges", total_text, total, total_blank, found)

    cents = {}
    for name, amount in (("monthly_charges", monthly), ("total_charges", total)):
        with np.errstate(over="ignore"):  # 1e308 * 100 overflows; it is rejected anyway
            cents[name] = amount.round(2)
        found.repair(f"{name} rounded to cents", np.isfinite(amount) & (cents[name] != amount))
    return pd.DataFrame({"senior_citizen": whole(senior), "tenure": whole(tenure), **cents})


def whole(number: pd.Series) -> pd.Series:
    """Whole numbers as int64; rejected values (NaN, inf, 1e308) become 0, never read."""
    return number.where(np.isfinite(number) & (number.abs() < 2.0**53), 0.0).astype("int64")


def label_rule(raw: pd.Series, found: Findings) -> pd.Series:
    """README: a blank label or one that is not (a variant of) Yes/No is rejected."""
    label, not_allowed, _ = read_category(raw, FEATURES_BY_NAME[LABEL_COLUMN])
    found.reject("churn label is missing", label.isna() & ~not_allowed)
    found.reject("churn label is not Yes or No", not_allowed,
                 "churn " + raw[not_allowed].map(repr) + " is not Yes or No")
    return label


def whole_line_rules(frame: pd.DataFrame, ids: pd.Series, found: Findings) -> None:
    """README: a blank line, or a line with the wrong number of fields, gets one reason."""
    maybe_blank = ids.isna() | (ids == "")  # a blank line has a blank id first of all
    fields = frame.loc[maybe_blank, [c for c in RAW_COLUMNS if c in frame.columns]]
    empty = fields.apply(lambda column: column.str.strip().fillna("") == "").all(axis=1)
    found.reject_whole_line("line is blank",
                            empty.reindex(frame.index, fill_value=False).astype(bool))
    if PARSE_ERROR in frame.columns:
        found.reject_whole_line("line has the wrong number of fields",
                                frame[PARSE_ERROR].notna(), frame[PARSE_ERROR])

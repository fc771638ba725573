"""The cleaning rules of ``demo/data_layer/README.md``, written as Spark SQL expressions.

Read this beside ``demo/data_layer/checks.py``: the same rules, in the same order, with the
same names and reason strings. Every expression is generated from ``demo.feature_spec``.
A rule is a ``Rule``: the rows it rejects (a boolean Column) and the message each gets.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import Column
from pyspark.sql import functions as F

from demo.data_layer.rules import (
    ADDONS,
    BLANK_KEYS,
    BLANK_TEXT,
    NO_INTERNET,
    NO_PHONE,
    NUMBER,
    SYNONYMS,
)
from demo.feature_spec import FEATURES, FEATURES_BY_NAME, Feature, header_key

CATEGORY_FEATURES = tuple(f for f in FEATURES if f.kind == "category")


@dataclass(frozen=True)
class Rule:
    """One quarantine rule: its name (counted in the summary), its rows, each row's message."""

    name: str
    rejects: Column
    message: Column


@dataclass(frozen=True)
class Repair:
    """One repair rule: its name (counted in the summary) and the rows it repaired."""

    name: str
    repaired: Column


def folded(column: Column) -> Column:
    """``header_key`` in Spark: lower case, letters and digits only."""
    return F.regexp_replace(F.lower(F.trim(column)), "[^0-9a-z]", "")


def trimmed(column: Column) -> Column:
    """Whitespace trimmed from both ends (tabs and newlines too, as Arrow's trim does)."""
    return F.regexp_replace(column, r"^\s+|\s+$", "")


def python_repr(column: Column) -> Column:
    """Python's ``repr`` of a string, as the pandas messages print it (``'Weekly'``)."""
    has_single, has_double = column.contains("'"), column.contains('"')
    escaped = F.regexp_replace(column, r"\\", r"\\\\")
    return (F.when(has_single & ~has_double, F.concat(F.lit('"'), escaped, F.lit('"')))
            .otherwise(F.concat(F.lit("'"), F.regexp_replace(escaped, "'", r"\\'"), F.lit("'"))))


def category_value(raw: Column, allowed: tuple[str, ...]) -> Column:
    """The allowed value a raw spelling folds onto (or a known synonym of), else null."""
    lookup: dict[str, str] = {}
    for value in allowed:
        lookup.setdefault(header_key(value), value)
    for key, value in SYNONYMS.items():
        if value in allowed:
            lookup.setdefault(key, value)
    pairs = [F.lit(item) for key_value in lookup.items() for item in key_value]
    return F.element_at(F.create_map(*pairs), folded(raw))


def is_blank_category(raw: Column) -> Column:
    """Blank, or a null spelling once folded (``N/A``, ``?``, ``-``)."""
    return raw.isNull() | folded(raw).isin(*sorted(BLANK_KEYS))


# -- categories (checks.category_rules) -------------------------------------------------


def category_invalid_rule(feature: Feature, raw: Column, value: Column, blank: Column) -> Rule:
    """README: a value that is not (a variant of) an allowed value -> quarantine.
    ``blank``: ``is_blank_category(raw)``, computed once by the caller."""
    known = ", ".join(feature.known_values)
    return Rule(f"{feature.name} is not an allowed value",
                value.isNull() & ~blank,
                F.concat(F.lit(f"{feature.name} "), python_repr(raw),
                         F.lit(f" is not one of {known}")))


def spelling_repair(feature: Feature, raw: Column, value: Column) -> Repair:
    """README: case, spaces and punctuation variants map onto the spec's spelling."""
    return Repair(f"{feature.name} spelling normalised", value.isNotNull() & (raw != value))


# -- phone and internet (checks.cross_field_rules) --------------------------------------


def phone_evidence(values: dict[str, Column]) -> tuple[Column, Column]:
    """(says there is no phone line, says there is one), from the two phone columns."""
    phone, lines = values["phone_service"], values["multiple_lines"]
    no_phone = _is(phone, "No") | _is(lines, NO_PHONE)
    has_phone = _is(phone, "Yes") | _is(lines, "Yes") | _is(lines, "No")
    return no_phone, has_phone


def internet_evidence(values: dict[str, Column]) -> tuple[Column, Column]:
    """(says there is no internet line, says there is one), from internet and add-ons."""
    internet = values["internet_service"]
    no_net = _is(internet, "No")
    has_net = _is(internet, "DSL") | _is(internet, "Fiber optic")
    for name in ADDONS:
        no_net = no_net | _is(values[name], NO_INTERNET)
        has_net = has_net | _is(values[name], "Yes") | _is(values[name], "No")
    return no_net, has_net


def contradiction_rules(values: dict[str, Column]) -> list[Rule]:
    """README: phone or internet columns that contradict each other -> quarantine."""
    no_phone, has_phone = phone_evidence(values)
    no_net, has_net = internet_evidence(values)
    return [
        Rule("phone_service contradicts multiple_lines", no_phone & has_phone,
             F.lit("phone_service and multiple_lines disagree about a phone line")),
        Rule("internet_service contradicts the add-ons", no_net & has_net,
             F.lit("internet_service and the add-on columns disagree about an internet line")),
    ]


def derivations(values: dict[str, Column]) -> list[tuple[str, Column, str, str]]:
    """README: a blank the other column states. (column, where, value, repair rule)."""
    no_phone, has_phone = phone_evidence(values)
    no_net, has_net = internet_evidence(values)
    phone_rule = "phone_service derived from multiple_lines"
    rows = [
        ("phone_service", no_phone & ~has_phone, "No", phone_rule),
        ("phone_service", has_phone & ~no_phone, "Yes", phone_rule),
        ("multiple_lines", no_phone & ~has_phone, NO_PHONE,
         "multiple_lines derived from phone_service"),
        ("internet_service", no_net & ~has_net, "No",
         "internet_service derived 'No' (add-ons say 'No internet service')"),
    ]
    rows += [(name, no_net & ~has_net, NO_INTERNET,
              f"{name} derived 'No internet service' from internet_service") for name in ADDONS]
    return rows


def _is(value: Column, expected: str) -> Column:
    return F.coalesce(value == F.lit(expected), F.lit(False))


# -- numbers (checks.numeric_rules) -----------------------------------------------------


@dataclass(frozen=True)
class Parsed:
    """A numeric column in Spark: the trimmed text, the value, and why it may be absent."""

    text: Column
    value: Column  # double; null where blank or unreadable
    missing: Column
    unreadable: Column


def parse_number(text: Column, words: dict[str, float] | None = None) -> Parsed:
    """``rules.parse_number``: the same null spellings, number pattern and flag words.
    ``text`` is the raw value already ``trimmed``."""
    lowered = F.lower(text)
    missing = text.isNull() | lowered.isin(*BLANK_TEXT)
    readable = F.coalesce(text.rlike(f"(?i)^({NUMBER})$"), F.lit(False))
    value = F.when(readable, text).cast("double")
    for word, number in (words or {}).items():
        value = F.when(lowered == word, F.lit(number)).otherwise(value)
    unreadable = value.isNull() & ~missing
    return Parsed(text, value, missing, unreadable)


def senior_rules(senior: Parsed) -> list[Rule]:
    """README: blank senior_citizen, or not 0 or 1 -> quarantine."""
    not_flag = ~senior.missing & ~F.coalesce(senior.value.isin(0.0, 1.0), F.lit(False))
    return [
        Rule("senior_citizen is missing", senior.missing,
             F.lit("senior_citizen is missing (a 0/1 flag has no safe default)")),
        Rule("senior_citizen is not 0 or 1", not_flag,
             F.concat(F.lit("senior_citizen "), senior.text, F.lit(" is not 0 or 1"))),
    ]


def required_rule(parsed: Parsed, name: str) -> Rule:
    """README: blank tenure, blank monthly_charges -> quarantine."""
    return Rule(f"{name} is missing", parsed.missing, F.lit(f"{name} is missing"))


def range_rules(parsed: Parsed, name: str, whole: bool = False) -> list[Rule]:
    """README: not a number, negative amount, out of range, not whole -> quarantine."""
    feature = FEATURES_BY_NAME[name]
    low, high = feature.bounds
    value, present = parsed.value, parsed.value.isNotNull()
    text = F.coalesce(parsed.text, F.lit(""))
    rules = [Rule(f"{name} is not a number", parsed.unreadable,
                  F.concat(F.lit(f"{name} '"), text, F.lit("' is not a number")))]
    negative = F.lit(False)
    if low == 0 and feature.kind == "float":
        negative = present & (value < 0)
        rules.append(Rule(f"{name} is negative", negative,
                          F.concat(F.lit(f"{name} "), text, F.lit(" is negative"))))
    outside = present & ~negative & ~((value >= low) & (value <= high))
    rules.append(Rule(f"{name} outside {low:g}..{high:g}", outside,
                      F.concat(F.lit(f"{name} "), text, F.lit(f" outside {low:g}..{high:g}"))))
    if whole:
        fractional = present & ~outside & ~negative & (value != F.rint(value))
        rules.append(Rule(f"{name} is not a whole number", fractional,
                          F.concat(F.lit(f"{name} "), text, F.lit(" is not a whole number"))))
    return rules


def to_cents(value: Column) -> Column:
    """README: charges rounded to cents, exactly as ``numpy.round(x, 2)`` (rint(x*100)/100)."""
    return F.rint(value * 100) / 100


def as_int(value: Column) -> Column:
    """``checks._as_int``: whole numbers as long; rejected values become 0, never read."""
    safe = value.isNotNull() & ~F.isnan(value) & (F.abs(value) < 2.0**53)
    return F.when(safe, value).otherwise(F.lit(0.0)).cast("long")


# -- the label (checks.label_rules) -----------------------------------------------------


def label_rules(raw: Column, value: Column) -> list[Rule]:
    """README: a blank label, or one that is not Yes or No -> quarantine."""
    blank = is_blank_category(raw)
    return [
        Rule("churn label is missing", value.isNull() & blank, F.lit("churn label is missing")),
        Rule("churn label is not Yes or No", value.isNull() & ~blank,
             F.concat(F.lit("churn "), python_repr(raw), F.lit(" is not Yes or No"))),
    ]


"""How real exports spell the same thing differently: header styles and category variants.

Every variant here folds back to its canonical spelling with ``feature_spec.header_key``
(lower-case, keep only letters and digits), so a cleaning rule that folds values that way
repairs all of them; anything that does not fold back (``Maybe``) is a real defect.
"""

from __future__ import annotations

import numpy as np

from demo.feature_spec import RAW_COLUMNS

# The header spelling of the public Telco Customer Churn export (CamelCase, with its quirks).
_CAMEL = {
    "customer_id": "customerID",
    "gender": "gender",
    "tenure": "tenure",
}

HEADER_STYLES: tuple[str, ...] = ("snake_case", "CamelCase", "camelCase", "Title_Snake", "lower")


def styled_header(name: str, style: str) -> str:
    """``name`` (canonical snake_case) written in one of ``HEADER_STYLES``."""
    words = name.split("_")
    if style == "snake_case":
        return name
    if style == "CamelCase":
        return _CAMEL.get(name, "".join(w.capitalize() for w in words))
    if style == "camelCase":
        return words[0] + "".join(w.capitalize() for w in words[1:])
    if style == "Title_Snake":
        return "_".join(w.capitalize() for w in words)
    if style == "lower":
        return "".join(words)
    raise ValueError(f"unknown header style {style!r}; expected one of {HEADER_STYLES}")


def mixed_headers(rng: np.random.Generator) -> dict[str, str]:
    """A header in which every style appears: canonical name -> header in the raw file."""
    order = rng.permutation(len(RAW_COLUMNS))
    styles = {RAW_COLUMNS[i]: HEADER_STYLES[k % len(HEADER_STYLES)] for k, i in enumerate(order)}
    return {name: styled_header(name, styles[name]) for name in RAW_COLUMNS}


def value_variants(canonical: str) -> tuple[str, ...]:
    """Case, whitespace and punctuation variants of a category value, never the value itself.

    ``"Month-to-month"`` -> ``"MONTH-TO-MONTH"``, ``"month-to-month"``, ``" Month-to-month "``,
    ``"Month-to-month "``, ``"Month to month"`` ...
    """
    candidates = [
        canonical.upper(),
        canonical.lower(),
        f" {canonical} ",
        f"{canonical} ",
        f" {canonical.lower()}",
    ]
    if "-" in canonical:
        candidates += [canonical.replace("-", " "), canonical.replace("-", " ").lower()]
    elif " (" in canonical:  # "Bank transfer (automatic)"
        candidates += [canonical.replace(" (", " - ").rstrip(")"), canonical.replace("(", "")
                       .replace(")", "")]
    elif " " in canonical:  # "Fiber optic", "No internet service"
        candidates += [canonical.lower(), canonical.replace(" ", "-")]
    unique = dict.fromkeys(c for c in candidates if c != canonical)
    return tuple(unique)


INVALID_LABELS: tuple[str, ...] = ("Maybe", "TBD", "Pending")

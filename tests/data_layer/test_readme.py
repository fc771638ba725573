"""The data layer's README names the functions that implement its rules: they must exist."""

from __future__ import annotations

import re
from pathlib import Path

from demo.data_layer import clean, ingest, rules

README = Path(clean.__file__).with_name("README.md")


def test_every_function_the_readme_names_exists() -> None:
    text = README.read_text()
    table = text[text.index("| rule (table lines) |"):text.index("Blank means")]
    named = set(re.findall(r"`([a-z_]+)`", table.split("\n", 2)[2])) - {
        "senior_citizen", "tenure", "monthly_charges", "total_charges", "internet_service",
        "customer_id", "clean"}
    assert len(named) >= 10
    missing = sorted(n for n in named if not any(
        callable(getattr(module, n, None)) for module in (clean, rules)))
    assert not missing, f"README names functions that rules.py and clean.py lack: {missing}"
    assert "bad_line_numbers" in text and callable(ingest.bad_line_numbers)
    for module in re.findall(r"`([a-z_]+\.py)`", text):
        assert (README.parent / module).exists(), f"README names {module}, which is gone"

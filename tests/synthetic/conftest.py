"""Shared draws for the generator tests: drawn once per module, never modified by a test."""

from __future__ import annotations

import pandas as pd
import pytest

from demo.synthetic.customers import draw_customers
from demo.synthetic.defects import DefectLog, make_raw

RATE_ROWS = 60_000  # enough rows for rates to land within a tenth of a point


@pytest.fixture(scope="module")
def clean() -> pd.DataFrame:
    return draw_customers(RATE_ROWS, seed=11)


@pytest.fixture(scope="module")
def raw_and_log(clean: pd.DataFrame) -> tuple[pd.DataFrame, DefectLog]:
    return make_raw(clean, seed=11)

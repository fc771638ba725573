"""Every row read ends in exactly one place, whatever mix of defects a file has."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from demo.data_layer.clean import QUARANTINE_REASON
from demo.synthetic.customers import draw_customers
from demo.synthetic.defects import DefectRates, make_raw
from tests.data_layer.conftest import clean_frame

NASTY = np.array(["", " ", "inf", "-inf", "1e308", "nan", "NULL", "?", "-5", "YES", " no ",
                  "Maybe", "\u00e9t\u00e9", "0", "1.5", "Fiber", "N/A"], dtype=object)


def random_mix(seed: int) -> pd.DataFrame:
    """A raw table with generator defects at random rates plus random nasty cells."""
    rng = np.random.default_rng(seed)
    rates = DefectRates(missing=rng.uniform(0, 0.4), category_variant=rng.uniform(0, 0.3),
                        invalid_label=rng.uniform(0, 0.1),
                        tenure_out_of_range=rng.uniform(0, 0.1),
                        blank_total=rng.uniform(0, 0.1), negative_total=rng.uniform(0, 0.1),
                        exact_duplicate=rng.uniform(0, 0.1), conflicting_id=rng.uniform(0, 0.1))
    raw, _ = make_raw(draw_customers(400, seed), seed, rates)
    raw = raw.astype(object)
    cells = rng.random(raw.shape) < rng.uniform(0, 0.05)
    raw = raw.mask(cells, rng.choice(NASTY, size=raw.shape))
    copies = raw.sample(frac=rng.uniform(0, 0.2), random_state=seed, replace=True)
    return pd.concat([raw, copies], ignore_index=True).sample(frac=1.0, random_state=seed)


@pytest.mark.parametrize("seed", range(12))
def test_rows_read_equals_silver_plus_quarantine_plus_duplicates(seed: int) -> None:
    raw = random_mix(seed)
    result = clean_frame(raw)
    assert result.rows_read == len(raw)
    assert result.rows_read == (result.rows_silver + result.rows_quarantined
                                + result.duplicates_dropped)
    assert result.silver["customer_id"].is_unique
    assert result.quarantine[QUARANTINE_REASON].str.len().gt(0).all()
    lines = pd.concat([result.silver["_source_row"], result.quarantine["_source_row"]])
    assert lines.is_unique  # no row is in both places
    assert result.rows_silver > 0


def test_generator_defects_land_where_the_defect_log_says() -> None:
    clean_truth = draw_customers(2000, 5)
    raw, log = make_raw(clean_truth, 5)
    result = clean_frame(raw)
    quarantined_lines = set(result.quarantine["_source_row"])
    for kind in ("invalid_label", "tenure_out_of_range", "negative_total", "conflicting_id"):
        lines = set(log.rows(kind) + 2) - set(log.rows("exact_duplicate") + 2)
        assert lines and lines <= quarantined_lines, kind
    assert result.duplicates_dropped >= len(log.rows("exact_duplicate"))
    new_customers = set(log.rows("blank_total_new_customer") + 2)
    assert new_customers - quarantined_lines  # repaired to 0.0, not quarantined

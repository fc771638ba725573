"""Scenarios shift what they claim to shift, and nothing else."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from demo.feature_spec import LABEL_COLUMN, RAW_COLUMNS
from demo.synthetic.customers import ChurnModel, churn_probability
from demo.synthetic.scenarios import SCENARIOS, generate_batch, get_scenario

ROWS = 30_000


@pytest.fixture(scope="module")
def batches() -> dict[str, pd.DataFrame]:
    return {
        name: generate_batch(ROWS, 21, name, id_start=1_000_000, dirty=False)
        for name in SCENARIOS
    }


def test_the_required_scenarios_exist_and_are_described() -> None:
    assert {"baseline", "price_rise", "fibre_rollout", "churn_shift"} <= set(SCENARIOS)
    for scenario in SCENARIOS.values():
        assert scenario.description and scenario.kind in ("none", "data drift", "concept drift")


def test_unknown_scenario_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="baseline"):
        get_scenario("nope")


def test_price_rise_raises_charges_by_about_15_percent(batches) -> None:
    ratio = batches["price_rise"]["monthly_charges"].mean() / batches["baseline"][
        "monthly_charges"
    ].mean()
    assert ratio == pytest.approx(1.15, abs=0.01)
    assert batches["price_rise"]["churn"].eq("Yes").mean() > batches["baseline"]["churn"].eq(
        "Yes"
    ).mean()


def test_fibre_rollout_brings_many_more_fibre_customers(batches) -> None:
    share = {n: b["internet_service"].eq("Fiber optic").mean() for n, b in batches.items()}
    assert share["baseline"] == pytest.approx(0.44, abs=0.015)
    assert share["fibre_rollout"] == pytest.approx(0.68, abs=0.015)


def test_churn_shift_keeps_the_customers_and_changes_who_churns(batches) -> None:
    base, shifted = batches["baseline"], batches["churn_shift"]
    inputs = [c for c in RAW_COLUMNS if c != LABEL_COLUMN]
    assert base[inputs].equals(shifted[inputs])  # same seed, same people
    churned = shifted["churn"].eq("Yes").to_numpy()
    fibre = shifted["internet_service"].eq("Fiber optic").to_numpy()
    base_churned = base["churn"].eq("Yes").to_numpy()
    assert churned[fibre].mean() - base_churned[fibre].mean() > 0.1
    old_truth = churn_probability(shifted, ChurnModel())
    new_truth = churn_probability(shifted, SCENARIOS["churn_shift"].params.churn)
    assert not np.allclose(old_truth, new_truth)


def test_production_batch_ids_do_not_collide_with_the_sample() -> None:
    sample = generate_batch(7043, 42, dirty=False)
    batch = generate_batch(5000, 7, "price_rise", id_start=1_000_000, dirty=False)
    assert not set(sample["customer_id"]) & set(batch["customer_id"])


def test_unlabelled_batch_is_the_labelled_one_without_its_label() -> None:
    labelled = generate_batch(2000, 3, "fibre_rollout", id_start=10, dirty=True)
    unlabelled = generate_batch(2000, 3, "fibre_rollout", id_start=10, dirty=True, with_label=False)
    assert len(unlabelled.columns) == len(labelled.columns) - 1
    pd.testing.assert_frame_equal(labelled[unlabelled.columns], unlabelled)
    clean = generate_batch(2000, 3, "fibre_rollout", id_start=10, dirty=False, with_label=False)
    assert list(clean.columns) == [c for c in RAW_COLUMNS if c != LABEL_COLUMN]

"""The data layer's labs: an upstream contract violation (lesson 02), and a drift alarm that
is either real or a broken release of the feature code (lesson 06)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from demo.labs.common import (
    INCOMING_FILE,
    LAB_ROWS,
    PRODUCTION_DRIFT_FILE,
    PRODUCTION_FILE,
    TRAINING_GOLD,
    Injection,
    changed_column,
    generated_gold,
)
from demo.settings import Settings

NO_CONTRACT = {"contract": {"skip": True}}  # the labs read quarantine and gold, not the contract


def contract_delivery(seed: int, rows: int = LAB_ROWS) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                Injection]:
    """(the delivery as it should have been, as it arrived, what changed): one column changes
    from a row on, the day the upstream system shipped its change."""
    from demo.synthetic.scenarios import generate_batch

    rng = np.random.default_rng(seed)
    healthy = generate_batch(rows, seed=int(rng.integers(1 << 30)), dirty=False)
    healthy = healthy.astype({c: "str" for c in healthy.select_dtypes("category").columns})
    start = int(rng.integers(rows // 3, 2 * rows // 3))
    delivered = healthy.copy()
    injection = changed_column(delivered, rng, "contract", slice(start, None))
    return healthy, delivered, replace(injection, change=f"{injection.change} from line "
                                                           f"{start + 2} of the file")


def break_contract(settings: Settings, seed: int, rows: int = LAB_ROWS) -> Injection:
    """Write an upstream delivery in which one column changes part-way through, and run the
    data steps on it (as the nightly ingestion would)."""
    from demo.pipeline import run_pipeline

    _, delivered, injection = contract_delivery(seed, rows)
    incoming = settings.workspace / INCOMING_FILE
    incoming.parent.mkdir(parents=True, exist_ok=True)
    delivered.to_csv(incoming, index=False)
    run_pipeline(settings, incoming, options=NO_CONTRACT, until="features")
    return injection


DRIFT_SCENARIOS = {  # scenario -> the features its change shows in first
    "price_rise": ("monthly_charges", "total_charges"),
    "fibre_rollout": ("internet_service", "monthly_charges"),  # fibre costs more
}
BROKEN_COLUMNS = {  # how a new release of the feature code breaks a column, and which ones
    "filled": ("tenure", "monthly_charges", "total_charges"),  # a fill rule hits every row
    "collapsed": ("contract", "internet_service", "payment_method"),  # a default for every row
}


def break_drift(settings: Settings, seed: int, rows: int = LAB_ROWS, story: str | None = None
                ) -> Injection:
    """Run the data steps on a production batch, perhaps break one column of its gold table
    the way a buggy release would, and write the drift monitor's report against training.
    The seed picks the story unless ``story`` ("drift" or "broken") does."""
    from demo.deployment_layer.monitoring import psi_by_feature
    from demo.pipeline import run_pipeline
    from demo.synthetic.scenarios import generate_batch

    rng = np.random.default_rng(seed)
    training = generated_gold(rows, int(rng.integers(1 << 30)))
    (settings.workspace / TRAINING_GOLD).parent.mkdir(parents=True, exist_ok=True)
    training.to_parquet(settings.workspace / TRAINING_GOLD, index=False)
    drifted = rng.random() < 0.5 if story is None else story == "drift"
    scenario = str(rng.choice(sorted(DRIFT_SCENARIOS))) if drifted else "baseline"
    batch = generate_batch(rows, seed=int(rng.integers(1 << 30)), scenario=scenario)
    incoming = settings.workspace / PRODUCTION_FILE
    incoming.parent.mkdir(parents=True, exist_ok=True)
    batch.to_csv(incoming, index=False)
    summary = run_pipeline(settings, incoming, options=NO_CONTRACT, until="features")
    gold_path = Path(summary["files"]["gold"])
    gold = pd.read_parquet(gold_path)
    if drifted:
        culprits = DRIFT_SCENARIOS[scenario]
        injection = Injection("drift", culprits[0], f"the customers changed ({scenario})",
                              {"kind": "drift", "accepted": list(culprits)})
    else:
        kind = str(rng.choice(sorted(BROKEN_COLUMNS)))
        column = str(rng.choice(BROKEN_COLUMNS[kind]))
        default = gold[column].median() if kind == "filled" else gold[column].mode().iloc[0]
        gold[column] = pd.Series(default, index=gold.index).astype(gold[column].dtype)
        gold.to_parquet(gold_path, index=False)
        injection = Injection("drift", column, f"the feature code {kind} {column}",
                              {"kind": "broken", "accepted": [column]})
    report = {"reference": str(TRAINING_GOLD),
              "current": str(gold_path.relative_to(settings.workspace)),
              "rows": {"reference": len(training), "current": len(gold)},
              "features": psi_by_feature(training, gold).to_dict(orient="records")}
    (settings.workspace / PRODUCTION_DRIFT_FILE).write_text(json.dumps(report, indent=2))
    return injection

"""A small served model in a fresh workspace, built by the real layers (tests, benchmarks).

The generator draws customers, the data layer cleans them into a gold table, the model
layer trains one candidate, registers it and lets its promotion policy make it champion.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from demo.settings import Settings

SANDBOX_CANDIDATE = "hist_gradient_boosting"


def generated_gold(rows: int, seed: int, scenario: str = "baseline", id_start: int = 0,
                   dirty: bool = True) -> pd.DataFrame:
    """Generated customers as a gold table, through the data layer's cleaning rules.

    Dirty by default, like real exports: the reference then holds the same ``Unknown``
    answers production batches do, so drift means drift and not a cleaning artefact.
    Quarantined rows are left out, so the table has somewhat fewer than ``rows`` rows.
    """
    from demo.deployment_layer.scoring import prepare_frame
    from demo.synthetic.scenarios import generate_batch

    raw = generate_batch(rows, seed, scenario, id_start=id_start, dirty=dirty)
    return prepare_frame(raw, f"generated-{scenario}-{seed}.csv").features


def write_gold(settings: Settings, gold: pd.DataFrame, name: str = "sandbox") -> Path:
    """Store a gold table where the data layer keeps them (the monitor's reference)."""
    settings.gold_dir.mkdir(parents=True, exist_ok=True)
    path = settings.gold_dir / f"{name}.parquet"
    gold.to_parquet(path, index=False)
    return path


def train_champion(settings: Settings, gold: pd.DataFrame,
                   candidate: str = SANDBOX_CANDIDATE) -> dict[str, Any]:
    """Write ``gold`` and run the model layer on it with one untuned candidate."""
    from demo.model_layer.runner import run_model_layer
    from demo.model_layer.train import TrainingConfig

    path = write_gold(settings, gold)
    config = TrainingConfig(candidates=(candidate,), trials=1, seed=settings.seed)
    return run_model_layer(settings, gold_path=path, config=config)

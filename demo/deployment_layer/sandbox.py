"""A small served model in a fresh workspace, built by the real layers (tests, benchmarks).

The generator draws customers, the data layer cleans them into a gold table, the model
layer trains one candidate, registers it and lets its promotion policy make it champion.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from demo.settings import Settings

if TYPE_CHECKING:
    from demo.model_layer.registry import PromotionOutcome

SANDBOX_CANDIDATE = "hist_gradient_boosting"


def generated_gold(rows: int, seed: int, scenario: str = "baseline", id_start: int = 0
                   ) -> pd.DataFrame:
    """Generated customers as a gold table, through the data layer's cleaning rules.

    Dirty, like real exports: the reference then holds the same ``Unknown`` answers
    production batches do, so drift means drift and not a cleaning artefact. Quarantined
    rows are left out, so the table has somewhat fewer than ``rows`` rows.
    """
    from demo.deployment_layer.scoring import prepare_frame
    from demo.synthetic.scenarios import generate_batch

    raw = generate_batch(rows, seed, scenario, id_start=id_start, dirty=True)
    return prepare_frame(raw, f"generated-{scenario}-{seed}.csv").features


def train_champion(settings: Settings, gold: pd.DataFrame) -> PromotionOutcome:
    """Save ``gold`` as the workspace's gold table (the monitor's reference), train one
    untuned candidate on it, register it and let the promotion policy judge it."""
    from demo.catalog import Catalog, new_run_id
    from demo.model_layer.registry import register_and_promote
    from demo.model_layer.steps import best_to_register, train_and_track
    from demo.model_layer.train import TrainingConfig

    Catalog(settings).save("gold", gold, new_run_id())
    config = TrainingConfig(candidates=(SANDBOX_CANDIDATE,), trials=1, seed=settings.seed)
    tracked = train_and_track(settings, gold, config)
    return register_and_promote(settings, best_to_register(tracked), tracked.training.split.test)

"""What every lab shares: the words a diagnosis is given in, where each lab writes, the
ways upstream systems change a column, and the ``Injection`` a lab returns."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from demo.model_layer.registry import PromotionOutcome
    from demo.settings import Settings

# The words a diagnosis is given in: the exercises' labs answer with these, so an answer is a
# choice a grader can check, not a sentence.
LAYERS = ("data", "model", "deployment")
ROLES = ("business analyst", "data engineer", "data scientist", "MLOps engineer",
         "software developer")
ARTIFACTS = ("quarantine table", "data-layer summary", "validation report", "silver table",
             "gold table", "tracking runs", "model registry", "drift report", "served features",
             "prediction log")
FIXES = ("convert the unit back", "map the spelling back", "move the alias back",
         "widen the contract", "retrain the model", "roll back the code", "drop the column")

LAB_ROWS = 400  # small on purpose: a lab is about reading artifacts, not about volume

# Where each lab puts what it adds to the workspace.
INCOMING_FILE = Path("incoming") / "customers.csv"  # contract: the upstream delivery
SERVED_FILE = Path("serving") / "served_features.parquet"  # skew: what reached the model
DRIFT_FILE = Path("reports") / "serving_drift.json"  # skew: the drift monitor's report
LEAK_GOLD_FILE = Path("lake") / "gold" / "20260301T020000000000Z.parquet"  # leak: with the CRM's
PRODUCTION_FILE = Path("incoming") / "production.csv"  # drift: the production batch
TRAINING_GOLD = Path("lake") / "training" / "gold.parquet"  # drift: what the champion learnt on
PRODUCTION_DRIFT_FILE = Path("reports") / "production_drift.json"  # drift: the monitor's report

# How upstream systems and serving clients change a column, seen in the wild.
UNIT_CHANGES = {  # column -> (how it arrives, the factor it arrives multiplied by)
    "contract": {"monthly_charges": ("in cents", 100.0)},
    "skew": {"monthly_charges": ("per day", 1 / 30), "total_charges": ("in thousands", 1e-3),
             "tenure": ("in years", 1 / 12)},
}
NEW_SPELLINGS = {  # column -> (canonical value, how it now arrives)
    "contract": ("Month-to-month", "Flex monthly"),
    "internet_service": ("Fiber optic", "FTTH"),
    "payment_method": ("Electronic check", "E-check"),
    "online_security": ("No internet service", "No internet"),
}


@dataclass(frozen=True)
class Injection:
    """What a lab broke: known to whoever broke it, never written to the workspace."""

    lab: str
    culprit: str  # a column, a feature, or the version the alias wrongly points at
    change: str  # in words, e.g. "monthly_charges in cents from line 214 of the file"
    detail: dict[str, object]



def changed_column(frame: pd.DataFrame, rng: np.random.Generator, lab: str,
                    rows: slice) -> Injection:
    """Change one column of ``frame`` (in place) on ``rows``: another unit or a new spelling."""
    if rng.random() < 0.5:
        column = str(rng.choice(sorted(UNIT_CHANGES[lab])))
        words, factor = UNIT_CHANGES[lab][column]
        changed = frame.loc[rows, column].astype("float64") * factor
        frame[column] = frame[column].astype("float64")
        frame.loc[rows, column] = changed.round(2) if lab == "contract" else changed
        detail: dict[str, object] = {"kind": "unit", "factor": factor}
    else:
        column = str(rng.choice(sorted(NEW_SPELLINGS)))
        known, new = NEW_SPELLINGS[column]
        frame.loc[rows, column] = frame.loc[rows, column].replace({known: new})
        words, detail = f"'{known}' spelled '{new}'", {"kind": "spelling", "from": known,
                                                      "to": new}
    return Injection(lab, column, f"{column} {words}", detail)


def generated_gold(rows: int, seed: int, scenario: str = "baseline", id_start: int = 0
                   ) -> pd.DataFrame:
    """Generated customers as a gold table, through the data layer's cleaning rules (in
    memory). Dirty, like real exports: the table then holds the same ``Unknown`` answers
    production batches do, so drift means drift and not a cleaning artefact. Quarantined
    rows are left out, so the table has somewhat fewer than ``rows`` rows."""
    from demo.deployment_layer.scoring import prepare_frame
    from demo.synthetic.scenarios import generate_batch

    raw = generate_batch(rows, seed, scenario, id_start=id_start, dirty=True)
    return prepare_frame(raw, f"generated-{scenario}-{seed}.csv").features


def train_champion(settings: Settings, gold: pd.DataFrame) -> PromotionOutcome:
    """A small served model in a fresh workspace (labs, tests, benchmarks): save ``gold`` as
    the workspace's gold table (the monitor's reference), train one untuned candidate on it,
    register it and let the promotion policy judge it."""
    from demo.catalog import Catalog, new_run_id
    from demo.model_layer.registry import register_and_promote
    from demo.model_layer.steps import best_to_register, train_and_track
    from demo.model_layer.train import TrainingConfig

    Catalog(settings).save("gold", gold, new_run_id())
    config = TrainingConfig(candidates=("hist_gradient_boosting",), trials=1,
                            seed=settings.seed)
    tracked = train_and_track(settings, gold, config)
    return register_and_promote(settings, best_to_register(tracked), tracked.training.split.test)

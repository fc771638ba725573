"""The serving lab (lesson 06): one feature reaches the model transformed unlike in
training (another unit, another spelling); nothing refuses it, only the drift monitor sees it."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd

from demo.errors import DemoError
from demo.labs.common import (
    DRIFT_FILE,
    LAB_ROWS,
    SERVED_FILE,
    Injection,
    changed_column,
    generated_gold,
)
from demo.settings import Settings


def served_features(seed: int, rows: int = LAB_ROWS) -> tuple[pd.DataFrame, pd.DataFrame,
                                                              Injection]:
    """(the features as training computed them, as serving sent them, what differs)."""
    from demo.feature_spec import INPUT_COLUMNS

    rng = np.random.default_rng(seed)
    columns = ["customer_id", *INPUT_COLUMNS]
    healthy = generated_gold(rows, int(rng.integers(1 << 30)))[columns]
    healthy = healthy.astype({c: "str" for c in healthy.select_dtypes("category").columns})
    served = healthy.copy()
    injection = changed_column(served, rng, "skew", slice(None))
    return healthy, served, replace(injection, change=f"{injection.change} at serving")


def break_skew(settings: Settings, seed: int, rows: int = LAB_ROWS) -> Injection:
    """Write a batch of served features in which one feature arrives transformed, and the
    drift monitor's report on it against the training data (the workspace's latest gold
    table; a small generated one in an empty workspace)."""
    from demo.catalog import Catalog
    from demo.deployment_layer.monitoring import psi_by_feature

    try:
        reference_path = Catalog(settings).path("gold")
    except DemoError:
        reference_path = settings.gold_dir / "lab_training.parquet"
        reference_path.parent.mkdir(parents=True, exist_ok=True)
        generated_gold(rows, seed + 1).to_parquet(reference_path, index=False)
    _, served, injection = served_features(seed, rows)
    served_path = settings.workspace / SERVED_FILE
    served_path.parent.mkdir(parents=True, exist_ok=True)
    served.to_parquet(served_path, index=False)
    reference = pd.read_parquet(reference_path)
    report = {"reference": str(reference_path.relative_to(settings.workspace)),
              "current": str(SERVED_FILE),
              "rows": {"reference": len(reference), "current": len(served)},
              "features": psi_by_feature(reference, served).to_dict(orient="records")}
    drift_path = settings.workspace / DRIFT_FILE
    drift_path.parent.mkdir(parents=True, exist_ok=True)
    drift_path.write_text(json.dumps(report, indent=2))
    return injection

"""One training per test session on a few thousand generated customers, shared read-only.

Tests that change the registry (promotion) train their own small models in their own
workspace, so the shared champion never moves under another test.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest

from demo.model_layer.registry import PromotionOutcome, register_and_promote
from demo.model_layer.steps import best_to_register, train_and_track
from demo.model_layer.tracking import TrackedTraining
from demo.model_layer.train import TrainingConfig, TrainingResult
from demo.settings import Settings
from demo.synthetic.customers import draw_customers

SESSION_ROWS = 4_000
SESSION_SEED = 11


def gold_frame(rows: int, seed: int) -> pd.DataFrame:
    """A clean gold-shaped table: text categories and churn as 0/1, as the data layer writes."""
    frame = draw_customers(rows, seed)
    text = {c: frame[c].astype(str) for c in frame.columns
            if isinstance(frame[c].dtype, pd.CategoricalDtype)}
    frame = frame.assign(**text)
    return frame.assign(churn=(frame["churn"] == "Yes").astype("int64"))


@dataclass(frozen=True)
class SessionModels:
    settings: Settings
    gold: pd.DataFrame
    tracked: TrackedTraining
    version: str
    outcome: PromotionOutcome
    validation_report: dict

    @property
    def training(self) -> TrainingResult:
        return self.tracked.training


@pytest.fixture(scope="session")
def session_models(tmp_path_factory: pytest.TempPathFactory) -> SessionModels:
    """All three candidates trained (2 trials each), the best registered and promoted."""
    settings = Settings.from_env(tmp_path_factory.mktemp("models") / "workspace")
    gold = gold_frame(SESSION_ROWS, SESSION_SEED)
    report = {"summary": {"success": True, "critical_failures": []}, "run_id": "session"}
    config = TrainingConfig(trials=2, seed=7, generator_seed=SESSION_SEED)
    tracked = train_and_track(settings, gold, config, validation_report=report)
    outcome = register_and_promote(settings, best_to_register(tracked), tracked.training.split.test)
    return SessionModels(settings, gold, tracked, outcome.challenger_version, outcome, report)


def checkout_commit() -> str:
    """The commit this checkout is at, read with git here: lineage must record exactly it.

    The tests run in a git checkout (CI clones one); outside one they fail rather than accept
    the "unknown" that would let lineage degrade silently.
    """
    import subprocess

    from demo.paths import PROJECT_ROOT

    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=60, check=False)
    if done.returncode != 0:
        pytest.fail(f"lineage tests need a git checkout with a commit: {done.stderr.strip()}")
    return done.stdout.strip()

"""One settings object for the whole pipeline, read from arguments and the environment.

Nothing here touches the disk at import time; ``Settings.ensure_dirs`` creates folders
when a step is about to write.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from demo.paths import DEFAULT_WORKSPACE

WORKSPACE_ENV = "DEMO_WORKSPACE"

# The course runs offline: the libraries that phone home are told not to.
OFFLINE_ENV = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "GX_ANALYTICS_ENABLED": "false",
    "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    "DO_NOT_TRACK": "1",
}


def configure_offline() -> None:
    """Turn telemetry off for this process and its children (idempotent)."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


@dataclass(frozen=True)
class Settings:
    """Where artifacts go and the knobs every layer shares."""

    workspace: Path = field(default_factory=lambda: DEFAULT_WORKSPACE)
    seed: int = 42
    model_name: str = "churn-classifier"
    experiment_name: str = "churn-pipeline"

    @classmethod
    def from_env(cls, workspace: str | Path | None = None, **overrides: object) -> Settings:
        """Workspace from the argument, else $DEMO_WORKSPACE, else ./workspace in the repo."""
        chosen = workspace or os.environ.get(WORKSPACE_ENV) or DEFAULT_WORKSPACE
        return cls(workspace=Path(chosen).expanduser().resolve(), **overrides)  # type: ignore[arg-type]

    def with_workspace(self, workspace: str | Path) -> Settings:
        return replace(self, workspace=Path(workspace).expanduser().resolve())

    # -- the workspace layout (see DESIGN.md) -------------------------------------------
    @property
    def lake_dir(self) -> Path:
        return self.workspace / "lake"

    @property
    def bronze_dir(self) -> Path:
        return self.lake_dir / "bronze"

    @property
    def silver_dir(self) -> Path:
        return self.lake_dir / "silver"

    @property
    def gold_dir(self) -> Path:
        return self.lake_dir / "gold"

    @property
    def quarantine_dir(self) -> Path:
        return self.lake_dir / "quarantine"

    @property
    def reports_dir(self) -> Path:
        return self.workspace / "reports"

    @property
    def serving_dir(self) -> Path:
        return self.workspace / "serving"

    @property
    def batches_dir(self) -> Path:
        """Generated 'production' batches for scoring and monitoring."""
        return self.workspace / "batches"

    @property
    def mlflow_db(self) -> Path:
        return self.workspace / "mlflow.db"

    @property
    def tracking_uri(self) -> str:
        return f"sqlite:///{self.mlflow_db}"

    @property
    def artifacts_dir(self) -> Path:
        return self.workspace / "mlartifacts"

    @property
    def prediction_log(self) -> Path:
        return self.serving_dir / "predictions.jsonl"

    def ensure_dirs(self) -> None:
        for folder in (
            self.bronze_dir,
            self.silver_dir,
            self.gold_dir,
            self.quarantine_dir,
            self.reports_dir,
            self.serving_dir,
            self.batches_dir,
            self.artifacts_dir,
        ):
            folder.mkdir(parents=True, exist_ok=True)

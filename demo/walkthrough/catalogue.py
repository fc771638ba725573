"""The walkthrough's steps: layer, owning role, the demo function, the cloud component.

Names only; no work. ``STEPS`` lists the steps in the talk's order.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from demo.errors import DemoError
from demo.paths import DEFAULT_WORKSPACE
from demo.settings import WORKSPACE_ENV, Settings

APP_WORKSPACE = DEFAULT_WORKSPACE / "app"


@dataclass(frozen=True)
class Step:
    """One step of the walkthrough and where it sits in the reference architecture."""

    key: str
    title: str
    layer: str  # "data", "model" or "deployment"
    role: str  # the role that owns the step (a row of datasets/roles.csv)
    function: str  # "module:qualname" of the demo function that does the work
    component: str  # the reference-architecture component (a row of cloud_services.csv)
    artifact: str  # what the step leaves in the workspace
    requires: tuple[str, ...] = ()


STEPS: tuple[Step, ...] = (
    Step("raw", "Raw data", "data", "data engineer", "demo.synthetic.defects:make_raw",
         "sources", "the raw CSV export, as received"),
    Step("clean", "Cleaning and quarantine", "data", "data engineer",
         "demo.data_layer.clean:clean", "data pipelines",
         "bronze, silver and quarantine tables (Parquet)", ("raw",)),
    Step("contract", "Data contract", "data", "data engineer",
         "demo.data_layer.contract:validate_silver", "data validation",
         "the validation report (JSON)", ("clean",)),
    Step("features", "Features", "data", "data scientist",
         "demo.data_layer.features:build_gold", "feature store",
         "the gold feature table (Parquet)", ("contract",)),
    Step("train", "Training and tracking", "model", "data scientist",
         "demo.model_layer.train:fit_candidates", "experiment tracking",
         "MLflow runs: parameters, metrics, plots, models", ("features",)),
    Step("registry", "Registry and promotion", "model", "MLOps engineer",
         "demo.model_layer.registry:register_and_promote", "model registry",
         "a registered model version with the champion alias", ("train",)),
    Step("serve", "Serving", "deployment", "software developer",
         "demo.deployment_layer.api:create_app", "managed endpoints",
         "the prediction log (JSON lines)", ("registry",)),
    Step("monitor", "Monitoring", "deployment", "MLOps engineer",
         "demo.deployment_layer.monitoring:drift_report", "monitoring",
         "the drift report (JSON)", ("registry",)),
    Step("retrain", "Retraining and promotion", "deployment", "MLOps engineer",
         "demo.deployment_layer.retrain:retrain", "pipelines / orchestration",
         "a challenger version and the promotion decision", ("monitor",)),
)

STEPS_BY_KEY: dict[str, Step] = {step.key: step for step in STEPS}


def app_settings() -> Settings:
    """The app's settings: $DEMO_WORKSPACE when set, else ``workspace/app`` in the repo."""
    return Settings.from_env(os.environ.get(WORKSPACE_ENV) or APP_WORKSPACE)


def resolve_function(dotted: str) -> Callable[..., object]:
    """The function named ``module:qualname``; ``DemoError`` when its layer is not there."""
    module_name, _, qualname = dotted.partition(":")
    try:
        target: object = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise DemoError(f"{module_name} is not available in this checkout") from exc
    for part in qualname.split("."):
        target = getattr(target, part, None)
        if target is None:
            raise DemoError(f"{dotted} is not available in this checkout")
    return target  # type: ignore[return-value]


def raw_dir(settings: Settings) -> Path:
    """Where the walkthrough keeps the raw file it starts from."""
    return settings.workspace / "raw"


def raw_path(settings: Settings) -> Path:
    return raw_dir(settings) / "customers_raw.csv"


DEFAULT_TRAFFIC = "price_rise"
DEFAULT_ROWS = 7_043  # the size of the public export the course's data imitates


@dataclass(frozen=True)
class Presets:
    """The workshop's scenario presets: dirty or clean raw data, which production traffic."""

    dirty: bool = True
    traffic: str = DEFAULT_TRAFFIC
    rows: int = DEFAULT_ROWS  # customers in the raw file "run all" starts from


def traffic_scenarios() -> list[str]:
    """The generator's scenarios for production traffic ("baseline" has no drift)."""
    from demo.synthetic.scenarios import SCENARIOS

    return list(SCENARIOS)

"""How the app presents each step: title, layer, owning role, the demo function, the cloud
component, the artifact. Names only; the steps themselves are ``demo.steps``.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from demo.data_layer.steps import DEFAULT_ROWS
from demo.deployment_layer.steps import DEFAULT_TRAFFIC
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


STEPS: tuple[Step, ...] = (
    Step("raw", "Raw data", "data", "data engineer", "demo.synthetic.defects:make_raw",
         "sources", "the raw CSV export, as received"),
    Step("clean", "Cleaning and quarantine", "data", "data engineer",
         "demo.data_layer.clean:clean", "data pipelines",
         "bronze, silver and quarantine tables (Parquet)"),
    Step("contract", "Data contract", "data", "data engineer",
         "demo.data_layer.contract:validate_silver", "data validation",
         "the validation report (JSON)"),
    Step("features", "Features", "data", "data scientist",
         "demo.data_layer.features:build_gold", "feature store",
         "the gold feature table (Parquet)"),
    Step("train", "Training and tracking", "model", "data scientist",
         "demo.model_layer.train:fit_candidates", "experiment tracking",
         "MLflow runs: parameters, metrics, plots, models"),
    Step("registry", "Registry and promotion", "model", "MLOps engineer",
         "demo.model_layer.registry:register_and_promote", "model registry",
         "a registered model version with the champion alias"),
    Step("serve", "Serving", "deployment", "software developer",
         "demo.deployment_layer.api:create_app", "managed endpoints",
         "the prediction log (JSON lines)"),
    Step("monitor", "Monitoring", "deployment", "MLOps engineer",
         "demo.deployment_layer.monitoring_runner:monitor_frame", "monitoring",
         "the drift report (JSON)"),
    Step("retrain", "Retraining and promotion", "deployment", "MLOps engineer",
         "demo.deployment_layer.retrain:retrain", "pipelines / orchestration",
         "a challenger version and the promotion decision"),
)

STEPS_BY_KEY: dict[str, Step] = {step.key: step for step in STEPS}


def completed_steps(settings: Settings) -> list[str]:
    """The keys of the steps that have run, in the walkthrough's order."""
    from demo.step_record import load_record

    record = load_record(settings)
    return [step.key for step in STEPS if step.key in record]


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


QUICK_TRIALS = 1  # "run all" trains each candidate once, on its defaults


@dataclass(frozen=True)
class Presets:
    """The workshop's scenario presets: dirty or clean raw data, which production traffic."""

    dirty: bool = True
    traffic: str = DEFAULT_TRAFFIC
    rows: int = DEFAULT_ROWS  # customers in the raw file "run all" starts from

    def step_options(self) -> dict[str, dict[str, Any]]:
        """The options ``demo.steps.run_all`` passes to each step under these presets."""
        traffic = {"traffic": self.traffic, "dirty": self.dirty}
        return {"raw": {"rows": self.rows, "dirty": self.dirty},
                "train": {"trials": QUICK_TRIALS}, "serve": traffic, "monitor": traffic}


def traffic_scenarios() -> list[str]:
    """The generator's scenarios for production traffic ("baseline" has no drift)."""
    from demo.synthetic.scenarios import SCENARIOS

    return list(SCENARIOS)

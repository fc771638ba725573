"""The pipeline as a workshop walks it: one step at a time, each leaving an artifact.

The Streamlit app shows these steps in the talk's order. This package names the steps
(layer, role, the ``demo`` function that does the work, the cloud component it maps to) and
calls the layers' public functions in order; it holds no pipeline logic of its own. Every
result is written to the workspace and recorded, so a page can show what its step produced
after a page switch or a restart, and a step run before its prerequisites gets a
``DemoError`` that says what to run.
"""

from __future__ import annotations

from collections.abc import Callable

from demo.settings import Settings
from demo.walkthrough import data_steps, deployment_steps, model_steps
from demo.walkthrough.catalogue import (
    APP_WORKSPACE,
    DEFAULT_ROWS,
    DEFAULT_TRAFFIC,
    STEPS,
    STEPS_BY_KEY,
    Presets,
    Step,
    app_settings,
    raw_path,
    resolve_function,
    traffic_scenarios,
)
from demo.walkthrough.record import (
    completed_steps,
    load_record,
    require,
    reset_workspace,
    save_step,
    step_result,
)

__all__ = [
    "APP_WORKSPACE", "DEFAULT_ROWS", "DEFAULT_TRAFFIC", "RUNNERS", "STEPS", "STEPS_BY_KEY", "Presets", "Settings",
    "Step", "app_settings", "completed_steps", "load_record", "raw_path", "require",
    "reset_workspace", "resolve_function", "run_all", "save_step", "step_result",
    "traffic_scenarios",
]

# What "run all" does for each step, with the presets and default choices.
RUNNERS: dict[str, Callable[[Settings, Presets], dict]] = {
    "raw": data_steps.run_raw,
    "clean": data_steps.run_clean,
    "contract": data_steps.run_contract,
    "features": data_steps.run_features,
    "train": model_steps.run_train,
    "registry": model_steps.run_registry,
    "serve": deployment_steps.run_serve,
    "monitor": deployment_steps.run_monitor,
    "retrain": deployment_steps.run_retrain,
}


def run_all(
    settings: Settings,
    presets: Presets,
    on_step: Callable[[Step, int], None] | None = None,
) -> dict[str, dict]:
    """Run every step in order with the presets; ``on_step(step, index)`` before each."""
    results = {}
    for index, step in enumerate(STEPS):
        if step.key not in RUNNERS:
            break
        if on_step is not None:
            on_step(step, index)
        results[step.key] = RUNNERS[step.key](settings, presets)
    return results

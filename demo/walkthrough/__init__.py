"""The pipeline as a workshop walks it: how the app presents each step of ``demo.steps``.

The Streamlit app shows the steps in the talk's order. This package names them (title,
layer, role, the ``demo`` function that does the work, the cloud component it maps to) and
holds the workshop's presets and the tables only the app shows. Steps run through
``demo.steps.run_step`` / ``run_all``; their record (``demo.step_record``) lets a page show a
step's result after a page switch or a restart.
"""

from __future__ import annotations

from demo.data_layer.steps import DEFAULT_ROWS
from demo.deployment_layer.steps import DEFAULT_TRAFFIC
from demo.settings import Settings
from demo.step_record import load_record, reset_workspace
from demo.walkthrough.presentation import (
    APP_WORKSPACE,
    STEPS,
    STEPS_BY_KEY,
    Presets,
    Step,
    app_settings,
    completed_steps,
    resolve_function,
    traffic_scenarios,
)

__all__ = [
    "APP_WORKSPACE", "DEFAULT_ROWS", "DEFAULT_TRAFFIC", "STEPS", "STEPS_BY_KEY", "Presets",
    "Settings", "Step", "app_settings", "completed_steps", "load_record", "reset_workspace",
    "resolve_function", "traffic_scenarios",
]

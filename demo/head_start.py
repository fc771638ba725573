"""Head start: the MLflow store of a fresh workspace, created by a second process early on.

A new SQLite store costs training about a second (MLflow creates its tables, then walks them
through every schema migration), and nothing before training needs it. ``python -m demo run``
spends its first seconds in the data layer, on one core. So ``run_all`` starts
``prepare_store`` before the first step and calls ``wait_for`` just before training: the
store is built on the second core meanwhile. The child only calls ``open_store``, exactly
what training would; if it fails, training's own ``open_store`` reports the problem. A run
that stops in the data layer leaves that empty store behind, no other trace.
"""

from __future__ import annotations

import os
import subprocess
import sys

from demo.profile import child_environment
from demo.settings import OFFLINE_ENV, Settings

# What the child runs: open the workspace's store (which creates it and the experiment).
OPEN_STORE = ("import sys; from demo.settings import Settings; "
              "from demo.model_layer.store import open_store; "
              "open_store(Settings.from_env(sys.argv[1], experiment_name=sys.argv[2]))")


def prepare_store(settings: Settings) -> subprocess.Popen[bytes] | None:
    """Start creating the workspace's MLflow store in a child process; ``None`` when there
    is nothing to create (the store exists already, or tracking is a server's job)."""
    if settings.uses_tracking_server or settings.mlflow_db.exists():
        return None
    settings.workspace.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-c", OPEN_STORE, str(settings.workspace), settings.experiment_name],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, **OFFLINE_ENV, **child_environment(settings.profile)})


def wait_for(preparation: subprocess.Popen[bytes] | None) -> None:
    """Until the child is done (a store half-made by a killed child would be worse)."""
    if preparation is not None:
        preparation.wait()

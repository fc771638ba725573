"""The workspace's MLflow store: one explicit client, never a process-wide setting.

Nothing here calls ``mlflow.set_tracking_uri``: two workspaces in one process (a notebook
comparing two sites, a test beside a server) never write into each other's store. The file
is checked before MLflow touches it, so a garbage ``mlflow.db`` is one clear sentence, not a
long SQLAlchemy traceback.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from demo.errors import TrackingStoreError
from demo.settings import Settings, configure_offline

# Tables every MLflow SQLite store has; a database without them is someone else's file.
_MLFLOW_TABLES = ("experiments", "runs", "registered_models")


@dataclass(frozen=True)
class TrackingStore:
    """The workspace's tracking store: a client bound to it, and the pipeline's experiment."""

    client: Any  # mlflow.MlflowClient(tracking_uri=..., registry_uri=...)
    experiment_id: str
    settings: Settings


def check_store(db_path: Path, create: bool = True) -> None:
    """Raise ``TrackingStoreError`` naming ``db_path`` when it is missing or not an MLflow store."""
    if not db_path.exists():
        if create:
            return
        raise TrackingStoreError(
            f"no MLflow tracking store at {db_path}: run `python -m demo train` first")
    if db_path.is_dir():
        raise TrackingStoreError(f"the MLflow tracking store {db_path} is a folder, not a file")
    if db_path.stat().st_size == 0:
        return  # a fresh SQLite file: MLflow initialises it
    try:
        with sqlite3.connect(f"{db_path.as_uri()}?mode=ro", uri=True) as connection:
            rows = connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            tables = {name for (name,) in rows}
    except sqlite3.DatabaseError as exc:
        raise TrackingStoreError(
            f"the MLflow tracking store {db_path} is corrupt or not a database ({exc}); "
            "move it away or delete it to start a fresh store") from exc
    missing = [t for t in _MLFLOW_TABLES if t not in tables]
    if tables and missing:
        raise TrackingStoreError(f"the MLflow tracking store {db_path} is not an MLflow "
                                 f"database (tables missing: {', '.join(missing)})")


def open_store(settings: Settings, create: bool = True) -> TrackingStore:
    """A client on the workspace's store, with the experiment (created when ``create``).

    The experiment's artifacts live inside the workspace, never in the current folder. With
    ``create=False`` (reading, loading) a missing store or experiment is an error.
    """
    configure_offline()
    if settings.uses_tracking_server:
        from demo.platform.tracking_server import require_tracking_server

        require_tracking_server(settings.tracking_uri)  # one line if it is down
        # Against a server MLflow prints a link for every run it creates: dozens per training.
        os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
    else:
        check_store(settings.mlflow_db, create=create)
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    from mlflow import MlflowClient  # importing mlflow sets its loggers to INFO: quiet them after
    from mlflow.exceptions import MlflowException

    if "MLFLOW_LOGGING_LEVEL" not in os.environ:  # MLflow's INFO chatter hides our output
        logging.getLogger("mlflow").setLevel(logging.WARNING)

    settings.workspace.mkdir(parents=True, exist_ok=True)
    client = MlflowClient(tracking_uri=settings.tracking_uri, registry_uri=settings.tracking_uri)
    try:
        experiment = client.get_experiment_by_name(settings.experiment_name)
        if experiment is not None:
            return TrackingStore(client, experiment.experiment_id, settings)
        if not create:
            raise TrackingStoreError(
                f"the MLflow tracking store {settings.tracking_store} has no experiment "
                f"'{settings.experiment_name}': run `python -m demo train` first")
        if settings.uses_tracking_server:  # the server stores the artifacts (--serve-artifacts)
            experiment_id = client.create_experiment(settings.experiment_name)
        else:
            settings.artifacts_dir.mkdir(parents=True, exist_ok=True)
            experiment_id = client.create_experiment(
                settings.experiment_name, artifact_location=settings.artifacts_dir.as_uri())
    except MlflowException as exc:
        raise TrackingStoreError(f"the MLflow tracking store {settings.tracking_store} cannot be "
                                 f"used: {str(exc).splitlines()[0]}") from exc
    return TrackingStore(client, experiment_id, settings)

"""Point MLflow at the workspace: one SQLite store, local artifacts, one experiment.

MLflow's own default (``sqlite:///mlflow.db`` in whatever folder you happen to be in) would
scatter stores around a laptop, so every entry point of the model layer calls
``use_workspace_tracking`` first. The store is checked before MLflow touches it: a garbage
``mlflow.db`` would otherwise surface as a long SQLAlchemy traceback.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from demo.errors import TrackingStoreError
from demo.settings import Settings, configure_offline

# Tables every MLflow SQLite store has; a database without them is someone else's file.
_MLFLOW_TABLES = ("experiments", "runs", "registered_models")


def check_store(db_path: Path, create: bool = True) -> None:
    """Raise ``TrackingStoreError`` naming ``db_path`` when it is missing or not an MLflow store.

    A missing store is fine when ``create`` is true (training makes a new one); an empty
    file is a fresh SQLite database that MLflow initialises.
    """
    if not db_path.exists():
        if create:
            return
        raise TrackingStoreError(
            f"no MLflow tracking store at {db_path}: run `python -m demo train` first"
        )
    if db_path.is_dir():
        raise TrackingStoreError(f"the MLflow tracking store {db_path} is a folder, not a file")
    if db_path.stat().st_size == 0:
        return
    try:
        with sqlite3.connect(f"{db_path.as_uri()}?mode=ro", uri=True) as connection:
            rows = connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            tables = {name for (name,) in rows}
    except sqlite3.DatabaseError as exc:
        raise TrackingStoreError(
            f"the MLflow tracking store {db_path} is corrupt or not a database ({exc}); "
            "move it away or delete it to start a fresh store"
        ) from exc
    missing = [t for t in _MLFLOW_TABLES if t not in tables]
    if tables and missing:
        raise TrackingStoreError(
            f"the MLflow tracking store {db_path} is not an MLflow database "
            f"(tables missing: {', '.join(missing)})"
        )


def use_workspace_tracking(settings: Settings, create: bool = True) -> str:
    """Use the workspace's store for tracking and registry; return the experiment id.

    The experiment is created with its ``artifact_location`` inside the workspace, so
    artifacts never land in the current folder. With ``create=False`` (loading a model) a
    missing store is an error instead of a new empty one.
    """
    configure_offline()
    check_store(settings.mlflow_db, create=create)
    import mlflow

    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    if "MLFLOW_LOGGING_LEVEL" not in os.environ:  # MLflow's INFO chatter hides our output
        logging.getLogger("mlflow").setLevel(logging.WARNING)
    from mlflow.exceptions import MlflowException

    settings.workspace.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(settings.tracking_uri)
    mlflow.set_registry_uri(settings.tracking_uri)
    try:
        experiment = mlflow.get_experiment_by_name(settings.experiment_name)
        if experiment is None:
            if not create:
                raise TrackingStoreError(
                    f"the MLflow tracking store {settings.mlflow_db} has no experiment "
                    f"'{settings.experiment_name}': run `python -m demo train` first"
                )
            settings.artifacts_dir.mkdir(parents=True, exist_ok=True)
            experiment_id = mlflow.create_experiment(
                settings.experiment_name, artifact_location=settings.artifacts_dir.as_uri()
            )
        else:
            experiment_id = experiment.experiment_id
        mlflow.set_experiment(experiment_id=experiment_id)
    except MlflowException as exc:
        raise TrackingStoreError(
            f"the MLflow tracking store {settings.mlflow_db} cannot be used: "
            f"{str(exc).splitlines()[0]}"
        ) from exc
    return experiment_id


def log_frame(frame: Any, artifact_path: str) -> None:
    """Log a DataFrame as a Parquet artifact of the active run (``dir/name.parquet``)."""
    import mlflow

    folder, _, file_name = artifact_path.rpartition("/")
    with tempfile.TemporaryDirectory() as scratch:
        local = Path(scratch) / file_name
        frame.to_parquet(local, index=False)
        mlflow.log_artifact(str(local), artifact_path=folder or None)


def log_figures(figures: dict[str, Any], folder: str) -> None:
    """Log matplotlib figures as PNG artifacts of the active run."""
    import mlflow

    for file_name, figure in figures.items():
        mlflow.log_figure(figure, f"{folder}/{file_name}")

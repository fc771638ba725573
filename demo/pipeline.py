"""The whole pipeline, one layer after another: plain functions, files in one workspace.

Each layer is one call that returns one section of the run summary. The data layer's
accounting sits at the top level of ``reports/run_summary.json`` (``rows_read``,
``rows_silver`` ...); every later layer adds its own section under its name.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from demo.data_layer.runner import Progress, run_data_layer, write_summary
from demo.paths import SAMPLE_RAW_CSV
from demo.settings import Settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

LayerStep = Callable[[Settings], dict[str, Any]]


def later_layers() -> list[tuple[str, LayerStep]]:
    """The layers after the data layer, in order: (summary section, step)."""
    from demo.deployment_layer.runner import run_deployment_layer
    from demo.model_layer.runner import run_model_layer

    return [("model", run_model_layer), ("deployment", run_deployment_layer)]


def data_layer_on_engine(settings: Settings, raw_path: str | Path, on_step: Progress,
                         spark: SparkSession | None = None) -> dict[str, Any]:
    """The data layer on the profile's engine: pandas in this process, or Spark (the same
    rules as Spark SQL expressions); either way the tables land in the workspace's lake.

    ``spark``: a session already started to use on the Spark engine (ignored by pandas)."""
    if settings.profile.data_engine == "spark":
        from demo.platform.spark_data_layer import run_spark_data_layer

        return run_spark_data_layer(settings, raw_path, master=settings.profile.spark_master,
                                    spark=spark)
    return run_data_layer(settings, raw_path, on_step=on_step).summary()


def run_pipeline(settings: Settings, raw_path: str | Path = SAMPLE_RAW_CSV,
                 on_step: Progress | None = None) -> dict[str, Any]:
    """Run every layer on ``raw_path``; write and return the run summary."""
    step = on_step or (lambda name: None)
    if settings.uses_tracking_server:  # before the data layer's work, not after it
        from demo.platform.tracking_server import require_tracking_server

        require_tracking_server(settings.tracking_uri)
    summary = data_layer_on_engine(settings, raw_path, step)
    write_summary(settings, summary)
    for section, run_layer in later_layers():
        step(section)
        summary[section] = run_layer(settings)
        write_summary(settings, summary)
    return summary

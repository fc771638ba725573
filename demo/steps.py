"""The pipeline as one ordered list of steps, and the one function that runs a step.

A step is a plain function: it reads its named inputs from the catalog (``demo.catalog``),
writes its named outputs there, and returns what it wrote with a summary. ``run_step``
checks that the step's inputs were made (else says which step to run first), runs it and
records its summary in the workspace (``demo.step_record``); ``run_all`` runs every step in
order. The command line (``python -m demo run``), the Streamlit app and the notebooks all go
through these two functions: nobody wires the steps by hand a second time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from demo.catalog import Catalog
from demo.data_layer import steps as data
from demo.deployment_layer import steps as deployment
from demo.errors import DemoError
from demo.head_start import prepare_store, wait_for
from demo.model_layer import steps as model
from demo.settings import Settings
from demo.step_record import Done, load_record, save_step


@dataclass(frozen=True)
class Step:
    """One step: its key, the function that does it, the catalog names it reads and writes."""

    key: str
    function: Callable[..., Done]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]


RAW = Step("raw", data.raw, (), ("raw",))
DATA_STEPS = (
    Step("clean", data.clean, ("raw",), ("bronze", "silver", "quarantine")),
    Step("contract", data.contract, ("silver",), ("validation",)),
    Step("features", data.features, ("silver", "validation"), ("gold",)),
)
# On the platform profile the data layer runs on Spark, as one step with the same outputs.
SPARK_DATA = Step("spark_data", data.spark_data, ("raw",),
                  ("bronze", "silver", "quarantine", "gold"))
LATER_STEPS = (
    Step("train", model.train, ("gold",), ("candidates",)),
    Step("registry", model.registry, ("candidates",), ("champion", "challenger")),
    Step("serve", deployment.serve, ("champion",), ("traffic", "prediction_log")),
    Step("monitor", deployment.monitor, ("gold", "champion"),
         ("production_batch", "production_features", "scores", "drift_report")),
    Step("retrain", deployment.retrain, ("gold", "production_features", "champion"),
         ("champion", "challenger")),
)
STEPS: tuple[Step, ...] = (RAW, *DATA_STEPS, *LATER_STEPS)  # the laptop profile's pipeline
SPARK_STEPS: tuple[Step, ...] = (RAW, SPARK_DATA, *LATER_STEPS)

OnStep = Callable[[Step, int], None]


def pipeline_for(settings: Settings) -> tuple[Step, ...]:
    """The steps in order for the settings' data engine (pandas, or Spark)."""
    return SPARK_STEPS if settings.profile.data_engine == "spark" else STEPS


def step_named(key: str, settings: Settings) -> Step:
    for step in pipeline_for(settings):
        if step.key == key:
            return step
    names = ", ".join(s.key for s in pipeline_for(settings))
    raise DemoError(f"no step called {key!r} in this pipeline: one of {names}")


def producer(name: str, settings: Settings) -> Step:
    """The first step that writes ``name`` (later ones, like retrain, only update it)."""
    return next(s for s in pipeline_for(settings) if name in s.outputs)


def prerequisites(key: str, settings: Settings) -> list[str]:
    """The steps whose outputs step ``key`` reads, in pipeline order."""
    needed = {producer(name, settings).key for name in step_named(key, settings).inputs}
    return [s.key for s in pipeline_for(settings) if s.key in needed]


def dependents(key: str, settings: Settings) -> set[str]:
    """Every step that reads ``key``'s outputs, directly or not: stale once ``key`` reruns."""
    stale = {key}
    for step in pipeline_for(settings):  # in order: a step's prerequisites come before it
        if stale & set(prerequisites(step.key, settings)):
            stale.add(step.key)
    return stale - {key}


def require(settings: Settings, key: str) -> None:
    """``DemoError`` naming the first step to run before ``key`` (its inputs are missing)."""
    record = load_record(settings)
    for needed in prerequisites(key, settings):
        if needed not in record:
            made = ", ".join(set(step_named(needed, settings).outputs)
                             & set(step_named(key, settings).inputs))
            raise DemoError(f"the step '{key}' needs {made}, which the step '{needed}' makes "
                            f"and which is not in {settings.workspace} yet: run '{needed}' "
                            "first (on the command line, `python -m demo run` runs every step)")


def as_catalog(where: Catalog | Settings) -> Catalog:
    return where if isinstance(where, Catalog) else Catalog(where)


def run_step(key: str, where: Catalog | Settings, **options: Any) -> dict[str, Any]:
    """Run one step on the workspace of ``where`` and record it; the record's entry
    (``artifacts``, ``summary``, ``seconds``, ``finished_at``)."""
    catalog = as_catalog(where)
    settings = catalog.settings
    require(settings, key)
    settings.ensure_dirs()
    started = time.perf_counter()
    done = step_named(key, settings).function(catalog, **options)
    return save_step(settings, key, done.artifacts, done.summary,
                     stale=dependents(key, settings),
                     seconds=round(time.perf_counter() - started, 3))


def run_all(where: Catalog | Settings, options: dict[str, dict[str, Any]] | None = None,
            on_step: OnStep | None = None, until: str | None = None,
            start: str | None = None) -> dict[str, dict[str, Any]]:
    """Run every step in order (from ``start``, up to and including ``until``);
    ``options[key]`` are the keyword arguments of step ``key``; ``on_step(step, index)`` is
    called before each."""
    catalog, options = as_catalog(where), options or {}
    if catalog.settings.uses_tracking_server:  # before the data layer's work, not after it
        from demo.platform.tracking_server import require_tracking_server

        require_tracking_server(catalog.settings.tracking_uri)
    steps = pipeline_for(catalog.settings)
    first = 0 if start is None else steps.index(step_named(start, catalog.settings))
    chosen = list(steps[first:])
    keys = [step.key for step in chosen]
    if until in keys:
        chosen = chosen[:keys.index(until) + 1]
    # A fresh MLflow store is built by a second process while the steps before training run
    # (demo.head_start); with no step before training, training makes the store itself.
    trains_later = any(step.key == "train" for step in chosen[1:])
    store = prepare_store(catalog.settings) if trains_later else None
    results = {}
    try:
        for index, step in enumerate(chosen, first):
            if step.key == "train":
                wait_for(store)
            if on_step is not None:
                on_step(step, index)
            results[step.key] = run_step(step.key, catalog, **options.get(step.key, {}))
    finally:
        wait_for(store)
    return results

"""Turning what a student's code made into plain data, on the student's side.

Some answers are objects (a Great Expectations expectation, a pydantic model class, an MLflow
signature, a run in a tracking store) or files in the student's scratch folder. The tests
name one of the exports below; the runner applies it where the object lives, and only its
plain result crosses. An export is an ordinary function of (value, *inputs the test chose).

``RECIPES`` build the few non-data arguments a test needs on the student's side (a fitted
baseline model), from data the test sends.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd


class Recipe:
    """An argument built on the student's side by ``RECIPES[name](*args)``."""

    def __init__(self, name: str, *args: Any) -> None:
        if name not in RECIPES:
            raise KeyError(f"no recipe named {name!r}")
        self.name, self.args = name, args

    def build(self) -> Any:
        return RECIPES[self.name](*self.args)


def _prior_classifier(inputs: pd.DataFrame, labels: pd.Series) -> Any:
    from sklearn.dummy import DummyClassifier

    return DummyClassifier(strategy="prior").fit(inputs, labels)


RECIPES: dict[str, Callable[..., Any]] = {"prior_classifier": _prior_classifier}

_GX_BATCH: list[Any] = []


def _gx_batch_definition() -> Any:
    import great_expectations as gx

    if not _GX_BATCH:
        _GX_BATCH.append(gx.get_context(mode="ephemeral").data_sources.add_pandas("exercise")
                         .add_dataframe_asset("customers")
                         .add_batch_definition_whole_dataframe("whole table"))
    return _GX_BATCH[0]


def expectation_verdicts(value: Any, frames: list[pd.DataFrame]) -> dict[str, Any]:
    """Is it an expectation, on which column, and does each frame pass it."""
    import great_expectations as gx

    is_expectation = isinstance(value, gx.expectations.Expectation)
    column = getattr(value, "column", None) if is_expectation else None
    passes = []
    if is_expectation:
        batch_definition = _gx_batch_definition()
        for frame in frames:
            batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
            passes.append(bool(batch.validate(value).success))
    return {"is_expectation": is_expectation, "type": type(value).__name__,
            "column": column if type(column) is str else None, "passes": passes}


def request_model_verdicts(value: Any, payloads: list[dict[str, Any]]) -> dict[str, Any]:
    """Is it a pydantic model class, its fields, and which fields each payload breaks."""
    from pydantic import BaseModel, ValidationError

    if not (isinstance(value, type) and issubclass(value, BaseModel)):
        return {"is_model": False, "type": repr(value)[:200], "fields": [], "required": [],
                "rejected": []}
    rejected = []
    for payload in payloads:
        try:
            value.model_validate(payload)
            rejected.append([])
        except ValidationError as error:
            rejected.append([str(p["loc"][0]) for p in error.errors() if p["loc"]])
    fields = value.model_fields
    return {"is_model": True, "type": value.__name__, "fields": [str(f) for f in fields],
            "required": [str(n) for n, info in fields.items() if info.is_required()],
            "rejected": rejected}


def signature_dict(value: Any) -> dict[str, Any]:
    """An MLflow signature as its own dict form (the trusted side rebuilds it)."""
    from mlflow.models import ModelSignature

    if not isinstance(value, ModelSignature):
        return {"is_signature": False, "type": type(value).__name__, "signature": {}}
    plain = {k: v for k, v in value.to_dict().items() if type(v) is str}
    return {"is_signature": True, "type": "ModelSignature", "signature": plain}


def tracked_run(run_id: Any, uri: str) -> dict[str, Any]:
    """The run ``run_id`` as the tracking store at ``uri`` holds it."""
    import mlflow

    client = mlflow.MlflowClient(uri)
    run = client.get_run(str(run_id))
    experiment = client.get_experiment(run.info.experiment_id)
    return {"run_id": run.info.run_id, "params": dict(run.data.params),
            "metrics": {k: float(v) for k, v in run.data.metrics.items()},
            "status": run.info.status, "experiment": experiment.name}


EXPORTS: dict[str, Callable[..., Any]] = {
    "expectation": expectation_verdicts,
    "request_model": request_model_verdicts,
    "signature": signature_dict,
    "tracked_run": tracked_run,
}


# -- files on the student's side (their scratch folder) ---------------------------------------


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _glob(folder: Path, pattern: str) -> list[Path]:
    return sorted(folder.glob(pattern))


FILE_OPS: dict[str, Callable[..., Any]] = {
    "mkdir": lambda path: path.mkdir(parents=True, exist_ok=True),
    "write_text": _write_text,
    "exists": lambda path: path.exists(),
    "glob": _glob,
    "read_parquet": lambda path: pd.read_parquet(path),
}

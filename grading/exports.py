"""Turning what a student's code made into plain data, on the student's side.

Some answers are objects (a Great Expectations expectation, a pydantic model class, an MLflow
signature, a run in a tracking store) or files in the student's scratch folder. The tests
name one of the exports below; the runner applies it where the object lives, and only its
plain result crosses. An export is an ordinary function of (value, *inputs the test chose).

An export runs on the student's side, so a submission can replace it: an export therefore
describes the answer (an expectation's class and arguments, a model's JSON schema, a
signature's dict) and the trusted side rebuilds and checks it; it never reports a verdict.

``RECIPES`` build the few non-data arguments a test needs on the student's side (a fitted
baseline model), from data the test sends.
"""

from __future__ import annotations

import base64
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

def expectation_config(value: Any) -> dict[str, Any]:
    """An expectation as its class name and arguments; the trusted side rebuilds it from
    Great Expectations' own classes and validates with it, so nothing forged here passes."""
    import great_expectations as gx

    if not isinstance(value, gx.expectations.Expectation):
        return {"is_expectation": False, "type": type(value).__name__, "kwargs": {}}
    kwargs = {str(k): v for k, v in dict(value.configuration.kwargs).items()
              if k not in ("batch_id", "result_format")}
    return {"is_expectation": True, "type": type(value).__name__, "kwargs": kwargs}


def request_model_schema(value: Any) -> dict[str, Any]:
    """A pydantic model class as its JSON schema; the trusted side validates with that."""
    from pydantic import BaseModel

    if not (isinstance(value, type) and issubclass(value, BaseModel)):
        return {"is_model": False, "type": repr(value)[:200], "schema": {}}
    return {"is_model": True, "type": value.__name__, "schema": value.model_json_schema()}


def signature_dict(value: Any) -> dict[str, Any]:
    """An MLflow signature as its own dict form (the trusted side rebuilds it)."""
    from mlflow.models import ModelSignature

    if not isinstance(value, ModelSignature):
        return {"is_signature": False, "type": type(value).__name__, "signature": {}}
    plain = {k: v for k, v in value.to_dict().items() if type(v) is str}
    return {"is_signature": True, "type": "ModelSignature", "signature": plain}


MAX_STORE_BYTES = 8 * 2**20  # the largest file (a workspace's file, a store) either side reads


EXPORTS: dict[str, Callable[..., Any]] = {
    "expectation": expectation_config,
    "request_model": request_model_schema,
    "signature": signature_dict,
}


# -- files on the student's side (their scratch folder) ---------------------------------------


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _glob(folder: Path, pattern: str) -> list[Path]:
    return sorted(folder.glob(pattern))


def _write_base64(path: Path, data: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(data, validate=True))


def _read_base64(path: Path) -> str:
    if path.stat().st_size > MAX_STORE_BYTES:
        raise ValueError(f"{path.name} is larger than the grader reads ({MAX_STORE_BYTES:,} bytes)")
    return base64.b64encode(path.read_bytes()).decode()


FILE_OPS: dict[str, Callable[..., Any]] = {
    "mkdir": lambda path: path.mkdir(parents=True, exist_ok=True),
    "write_text": _write_text,
    "exists": lambda path: path.exists(),
    "glob": _glob,
    "read_parquet": lambda path: pd.read_parquet(path),
    "write_base64": _write_base64,  # any file (a Parquet table, a tracking store), as base64
    "read_base64": _read_base64,
}


class FolderTransfers:
    """Copying a whole folder made on the trusted side (a broken lab workspace) into the
    student's scratch folder, and reading files back, on top of ``folder``, ``write_bytes``
    and ``read_bytes``."""

    def folder(self, name: str) -> Path:
        raise NotImplementedError

    def write_bytes(self, path: Path, data: bytes) -> None:
        raise NotImplementedError

    def put_folder(self, source: Path, name: str) -> Path:
        """A new folder on the student's side holding a copy of every file under ``source``."""
        target = self.folder(name)
        for path in sorted(source.rglob("*")):
            if path.is_file():
                self.write_bytes(target / path.relative_to(source), path.read_bytes())
        return target


def decoded_bytes(data: object) -> bytes:
    """What ``read_base64`` sent, checked on the trusted side."""
    if type(data) is not str:
        raise ValueError(f"expected the file as base64 text, got {type(data).__name__}")
    decoded = base64.b64decode(data, validate=True)
    if len(decoded) > MAX_STORE_BYTES:
        raise ValueError("a file larger than the grader reads")
    return decoded


# -- the trusted side: rebuilding what crossed ------------------------------------------------


def rebuilt_expectation(exported: dict[str, Any]) -> Any:
    """The expectation described by ``expectation_config``, built from Great Expectations'
    own class of that name; ``None`` when there is no such expectation class."""
    import great_expectations as gx

    kind = getattr(gx.expectations, str(exported.get("type")), None)
    if not (isinstance(kind, type) and issubclass(kind, gx.expectations.Expectation)):
        return None
    return kind(**exported["kwargs"])


def passes_expectation(expectation: Any, frame: pd.DataFrame) -> bool:
    """Validate ``frame`` with ``expectation`` in a throwaway Great Expectations context."""
    import great_expectations as gx

    batch = (gx.get_context(mode="ephemeral").data_sources.add_pandas("exercise")
             .add_dataframe_asset("customers").add_batch_definition_whole_dataframe("whole")
             .get_batch(batch_parameters={"dataframe": frame}))
    return bool(batch.validate(expectation).success)


def refused_fields(schema: dict[str, Any], payload: dict[str, Any]) -> list[str]:
    """The fields a request schema (JSON schema) refuses in ``payload``; empty: accepted."""
    import jsonschema

    definitions = schema.get("properties", {})
    refused = [name for name in schema.get("required", []) if name not in payload]
    if schema.get("additionalProperties") is False:
        refused += [name for name in payload if name not in definitions]
    for error in jsonschema.Draft202012Validator(schema).iter_errors(payload):
        if error.absolute_path:
            refused.append(str(error.absolute_path[0]))
    return list(dict.fromkeys(refused))

"""Reading back what tracking and the registry wrote: a registered model, safely, a run's
rows and artifacts, and a candidate run re-trained from its record.

Every model the pipeline serves or compares is loaded here, one at a time (a lock), with
skops and this code's allow-list of types, never with a process-wide switch such as
``MLFLOW_ALLOW_PICKLE_DESERIALIZATION``.
"""

from __future__ import annotations

import json
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pandas as pd

from demo.errors import ModelError
from demo.model_layer.evaluate import BusinessCosts
from demo.model_layer.lineage import dataset_hash
from demo.model_layer.split import SplitFractions, split_gold
from demo.model_layer.store import TrackingStore, open_store
from demo.model_layer.tracking import SKOPS_TRUSTED_TYPES
from demo.model_layer.train import fit_trial, native_threads, score_model
from demo.settings import Settings

CHAMPION = "champion"
CHALLENGER = "challenger"
LINEAGE_TAGS = ("data_hash", "rows_total", "rows_train", "rows_validation", "rows_test",
                "feature_spec_version", "git_commit", "generator_seed", "holdout_hash")
# One model load at a time in this process: an API reload and a request-time load never
# interleave their downloads and deserialisation.
_LOAD_LOCK = threading.Lock()


@dataclass(frozen=True)
class LoadedModel:
    """A registered model ready to predict, with what the registry knows about it."""

    model: Any  # the fitted scikit-learn Pipeline
    version: str
    run_id: str
    alias: str
    threshold: float
    metrics: dict[str, float]
    lineage: dict[str, str]


def version_by_alias(settings: Settings, alias: str, store: TrackingStore | None = None
                     ) -> Any | None:
    """The ``ModelVersion`` holding ``alias``, or None."""
    from mlflow.exceptions import MlflowException

    store = store or open_store(settings, create=False)
    try:
        return store.client.get_model_version_by_alias(settings.model_name, alias)
    except MlflowException:
        return None


def require_alias(settings: Settings, alias: str, store: TrackingStore | None = None) -> Any:
    """The ``ModelVersion`` holding ``alias``, or a ``ModelError`` naming the store."""
    found = version_by_alias(settings, alias, store)
    if found is None:
        raise ModelError(f"no model registered as '{alias}' in {settings.tracking_store}: "
                         "run `python -m demo train` first")
    return found


def load_version(store: TrackingStore, version: str) -> Any:
    """Download one registered version and rebuild its pipeline with skops.

    The allow-list of types is this code's ``SKOPS_TRUSTED_TYPES``, not the list written in
    the model's own MLmodel file (which a crafted model could extend). Only skops files are
    accepted: a pickle would run whatever code it carries.
    """
    import mlflow.artifacts
    import skops.io
    from mlflow.exceptions import MlflowException
    from mlflow.models import Model

    name = store.settings.model_name
    try:
        with _LOAD_LOCK, tempfile.TemporaryDirectory() as scratch:
            uri = store.client.get_model_version_download_uri(name, version)
            # A local store is read in place: a copy would need disk the host may not have.
            local = Path(unquote(urlparse(uri).path))
            if urlparse(uri).scheme not in ("file", ""):  # a tracking server: fetch the files
                local = Path(mlflow.artifacts.download_artifacts(
                    artifact_uri=uri, dst_path=scratch, tracking_uri=store.settings.tracking_uri,
                    registry_uri=store.settings.tracking_uri))
            flavor = Model.load(local).flavors.get("sklearn", {})
            if flavor.get("serialization_format") != "skops":
                raise ModelError(f"{name} version {version} is not saved with skops "
                                 f"({flavor.get('serialization_format')!r}): refusing to load")
            return skops.io.load(local / flavor["pickled_model"], trusted=SKOPS_TRUSTED_TYPES)
    except (MlflowException, OSError, TypeError) as exc:  # TypeError: skops' untrusted types
        raise ModelError(f"cannot load {name} version {version} from "
                         f"{store.settings.artifacts_dir}: {str(exc).splitlines()[0]}") from exc


def load_model(settings: Settings, alias: str = CHAMPION) -> LoadedModel:
    """Load ``models:/<model_name>@<alias>`` from the workspace's registry."""
    store = open_store(settings, create=False)
    found = require_alias(settings, alias, store)
    model = load_version(store, str(found.version))
    run = store.client.get_run(found.run_id)
    lineage = {k: v for k, v in run.data.tags.items() if k in LINEAGE_TAGS}
    lineage.update({k: v for k, v in found.tags.items() if k != "decision_threshold"})
    return LoadedModel(
        model=model, version=str(found.version), run_id=found.run_id, alias=alias,
        threshold=float(found.tags.get("decision_threshold", "0.5")),
        metrics=dict(run.data.metrics), lineage=lineage)


def recorded_test_split(store: TrackingStore, run_id: str) -> pd.DataFrame:
    """The test split a candidate run was judged on (logged on its parent training run)."""
    parent_id = store.client.get_run(run_id).data.tags.get("mlflow.parentRunId", run_id)
    with tempfile.TemporaryDirectory() as scratch:
        local = store.client.download_artifacts(parent_id, "split/test.parquet", scratch)
        return pd.read_parquet(local)


def all_runs(store: TrackingStore, filter_string: str = "") -> list[Any]:
    """Every run of the experiment matching ``filter_string``, newest first, all pages."""
    runs, token = [], None
    while True:
        page = store.client.search_runs([store.experiment_id], filter_string,
                                        order_by=["attributes.start_time DESC"],
                                        page_token=token)
        runs.extend(page)
        token = page.token
        if not token:
            return runs


def artifact_dir(store: TrackingStore, run_id: str) -> Path:
    """The local folder of a run's artifacts (the workspace's artifact root is local)."""
    return Path(unquote(urlparse(store.client.get_run(run_id).info.artifact_uri).path))


def reproduce_run(settings: Settings, run_id: str, gold_df: pd.DataFrame) -> dict[str, float]:
    """Re-train a candidate run from what it recorded (model, hyperparameters, costs, split
    shares, seed) on the same data; its test metrics.

    Refuses when ``gold_df`` is not the data the run was trained on (its hash differs).
    """
    from mlflow.exceptions import MlflowException

    client = open_store(settings, create=False).client
    try:
        run = client.get_run(run_id)
    except MlflowException:
        raise ModelError(f"no run {run_id} in {settings.tracking_store}") from None
    recorded = run.data.params
    if "candidate" not in recorded:
        raise ModelError(f"run {run_id} is not a candidate run (it has no 'candidate' param)")
    params = {k.removeprefix("hp."): json.loads(v) for k, v in recorded.items()
              if k.startswith("hp.")}
    costs = BusinessCosts(**{k.removeprefix("cost."): float(v) for k, v in recorded.items()
                             if k.startswith("cost.")})
    parent = client.get_run(run.data.tags["mlflow.parentRunId"]).data.params
    if parent.get("split.test") == "given":
        raise ModelError(f"run {run_id} was tested on a given holdout; pass it to reproduce it")
    fractions = SplitFractions(float(parent["split.validation"]), float(parent["split.test"]))
    actual_hash, recorded_hash = dataset_hash(gold_df), run.data.tags["data_hash"]
    if actual_hash != recorded_hash:
        raise ModelError(f"the data differs from run {run_id}'s: hash {actual_hash[:12]}… "
                         f"instead of {recorded_hash[:12]}…")
    seed = int(recorded["seed"])
    split = split_gold(gold_df, seed, fractions)
    with native_threads(len(split.train)):
        model, _ = fit_trial(recorded["candidate"], params, split, seed)
        threshold, _, test = score_model(model, split, costs)
    return {**test, "decision_threshold": threshold}

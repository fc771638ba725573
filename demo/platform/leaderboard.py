"""The room's leaderboard, read from the shared tracking server.

Every learner's training logs one run per candidate, tagged with the learner's name and the
hash of the data it was trained on. Runs are only comparable on the same held-out rows, so the
leaderboard keeps the runs of the room's most common data hash (the committed sample, unless
the instructor chose another file) and lists the others apart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from demo.errors import ModelError

if TYPE_CHECKING:
    from demo.model_layer.registry import PromotionOutcome
    from demo.settings import Settings

METRIC = "test_roc_auc"
COST = "test_expected_cost_per_customer"
COLUMNS = ["learner", "candidate", METRIC, COST, "data_hash", "run_id", "started"]


def room_runs(tracking_uri: str, experiment_name: str) -> pd.DataFrame:
    """One row per candidate run in the experiment: who, what, how good, on which data."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    experiment = client.get_experiment_by_name(experiment_name)
    if experiment is None:
        return pd.DataFrame(columns=COLUMNS)
    rows = []
    for run in client.search_runs([experiment.experiment_id], max_results=5000):
        candidate = run.data.params.get("candidate")
        if candidate is None or METRIC not in run.data.metrics:
            continue  # parent runs and tuning trials
        rows.append({
            "learner": run.data.tags.get("learner", "(untagged)"),
            "candidate": candidate,
            METRIC: run.data.metrics[METRIC],
            COST: run.data.metrics.get(COST),
            "data_hash": run.data.tags.get("data_hash", ""),
            "run_id": run.info.run_id,
            "started": pd.Timestamp(run.info.start_time, unit="ms", tz="UTC"),
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def leaderboard(runs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(each learner's best run on the room's common data, best first; runs on other data)."""
    if runs.empty:
        return runs, runs
    common = runs["data_hash"].value_counts().index[0]
    comparable = runs[runs["data_hash"] == common]
    best = (comparable.sort_values([METRIC, "started"], ascending=[False, True])
            .drop_duplicates("learner").reset_index(drop=True))
    best.index = best.index + 1  # a rank, as a room reads it
    return best, runs[runs["data_hash"] != common]


def promotions(tracking_uri: str, model_name: str) -> pd.DataFrame:
    """Every registered version: whose run it came from, its aliases, the promotion verdict."""
    from mlflow import MlflowClient

    # The registry named explicitly: otherwise a registry URI set earlier in the process
    # (the laptop profile sets one) would be searched instead of the server's.
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    versions = client.search_model_versions(f"name = '{model_name}'")
    aliases: dict[str, list[str]] = {}  # search results leave aliases out: ask the model
    if versions:
        for alias, number in client.get_registered_model(model_name).aliases.items():
            aliases.setdefault(str(number), []).append(alias)
    rows = []
    for version in versions:
        learner = "(unknown)"
        if version.run_id:
            learner = client.get_run(version.run_id).data.tags.get("learner", "(untagged)")
        rows.append({
            "version": int(version.version),
            "aliases": ", ".join(sorted(aliases.get(str(version.version), []))),
            "learner": learner,
            "candidate": version.tags.get("candidate", ""),
            "decision": version.tags.get("promotion_decision", ""),
            "reason": version.tags.get("promotion_reason", ""),
        })
    return pd.DataFrame(rows).sort_values("version") if rows else pd.DataFrame(rows)


def promote_room_best(settings: Settings) -> PromotionOutcome:
    """The instructor's move: the best run of the room's leaderboard becomes the challenger,
    and the same promotion policy as every learner's judges it against the champion, on
    the held-out rows that run was tested on (the room's common split).
    """
    from demo.model_layer.loading import recorded_test_split
    from demo.model_layer.registry import ModelToRegister, apply_promotion, register
    from demo.model_layer.store import open_store

    best, _ = leaderboard(room_runs(settings.tracking_uri, settings.experiment_name))
    if best.empty:
        raise ModelError(f"no candidate run in experiment '{settings.experiment_name}' on "
                         f"{settings.tracking_uri}: the room has not trained yet")
    store = open_store(settings, create=False)
    top = store.client.get_run(best.iloc[0]["run_id"])
    version = top.data.tags.get("registered_version")
    if version is None:  # a learner's candidate that was never registered: register it now
        [logged] = store.client.search_logged_models(
            [store.experiment_id], filter_string=f"source_run_id = '{top.info.run_id}'")
        version = register(store, ModelToRegister(
            top.data.params["candidate"], f"models:/{logged.model_id}", top.info.run_id,
            float(top.data.tags["decision_threshold"]), top.data.tags["data_hash"]))
    holdout = recorded_test_split(store, top.info.run_id)
    return apply_promotion(settings, version, holdout)

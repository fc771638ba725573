"""The model layer's edges: read the gold table, train, track, register, promote, summarise.

``run_model_layer`` is step 5-6 of the pipeline. It refuses a gold table whose data
contract failed (unless forced), fits every candidate (``train``), records them in MLflow
(``tracking``), registers the best one and lets the promotion policy decide whether it
serves (``registry``).
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from demo.catalog import Catalog
from demo.errors import ContractError, DataError
from demo.model_layer.lineage import dataset_hash, lineage_tags
from demo.model_layer.loading import CHALLENGER, CHAMPION, recorded_test_split, require_alias
from demo.model_layer.registry import (
    ModelToRegister,
    PromotionOutcome,
    apply_promotion,
    register_and_promote,
)
from demo.model_layer.split import split_gold, split_with_holdout
from demo.model_layer.store import open_store
from demo.model_layer.tracking import TrackedTraining, log_training
from demo.model_layer.train import TrainingConfig, check_config, fit_candidates
from demo.paths import SAMPLE_RAW_CSV
from demo.settings import Settings

SUMMARY_FILE = "model_summary.json"
SAMPLE_GENERATOR_SEED = 42  # the committed sample's seed (datasets/README.md)


def generator_seed(gold: pd.DataFrame) -> int | None:
    """The generator seed behind ``gold`` when it is known: only the committed sample's."""
    sources = gold["_source_file"].unique() if "_source_file" in gold.columns else []
    if len(sources) == 1 and Path(str(sources[0])).resolve() == SAMPLE_RAW_CSV.resolve():
        return SAMPLE_GENERATOR_SEED
    return None


def read_gold(path: Path) -> pd.DataFrame:
    """Read a gold Parquet file, naming the file when it cannot be read."""
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read the gold table {path}: {exc}") from exc


def contract_report(settings: Settings) -> dict[str, Any] | None:
    """The data contract's latest validation result (JSON in reports/), if one was written."""
    path = settings.reports_dir / "validation.json"
    if not path.exists():
        return None
    try:
        report: dict[str, Any] = json.loads(path.read_text())
        return report
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read the validation report {path}: {exc}") from exc


def check_contract(report: dict[str, Any] | None, gold_path: Path, force: bool) -> None:
    """Refuse to train when the latest data contract run failed, unless ``force``.

    The data layer writes no gold table for a failed run, so a failed latest validation means
    the newest gold table is from an earlier run, not from the data just ingested.
    """
    status = (report or {}).get("summary", report or {})
    if not report or status.get("success") is not False or force:
        return
    failures = status.get("critical_failures") or status.get("failed_expectations") or []
    run_id = report.get("run_id", "?")
    stale = "" if gold_path.stem == run_id else (
        f"; the newest gold table ({gold_path.name}) is from an earlier run"
    )
    raise ContractError(
        f"the latest data contract run ({run_id}) failed"
        + (f" on: {'; '.join(str(f) for f in failures[:3])}" if failures else "")
        + stale
        + ": fix the data and run `python -m demo ingest`, or pass --force to train anyway"
    )


def train_and_track(
    settings: Settings, gold: pd.DataFrame, config: TrainingConfig,
    validation_report: dict[str, Any] | None = None, holdout: pd.DataFrame | None = None,
) -> TrackedTraining:
    """Split ``gold``, fit every candidate, then record it all in the workspace's MLflow.

    With ``holdout`` the test split is that frame (see ``split_with_holdout``): retraining
    judges a challenger on rows the caller kept aside.
    """
    check_config(config)
    if holdout is None:
        split = split_gold(gold, config.seed, config.fractions)
    else:
        split = split_with_holdout(gold, holdout, config.seed, config.fractions)
    lineage = lineage_tags(gold, split.sizes(), config.generator_seed)
    if holdout is not None:
        lineage["holdout_hash"] = dataset_hash(holdout)
    training = fit_candidates(split, config)
    return log_training(open_store(settings), training, lineage, validation_report,
                        holdout_given=holdout is not None)


def best_to_register(tracked: TrackedTraining, name: str | None = None) -> ModelToRegister:
    """The best candidate (or ``name``) of a tracked training, ready for the registry."""
    fit = tracked.training.best if name is None else tracked.training.candidates[name]
    return ModelToRegister(fit.name, tracked.model_uris[fit.name], tracked.run_ids[fit.name],
                           fit.threshold, tracked.data_hash)


def model_summary(
    tracked: TrackedTraining, outcome: PromotionOutcome, settings: Settings
) -> dict[str, Any]:
    """The run summary's ``model`` section (JSON-ready)."""
    training, version = tracked.training, outcome.challenger_version
    return {
        "experiment": settings.experiment_name,
        "tracking_uri": settings.tracking_uri,
        "training_run_id": tracked.parent_run_id,
        "data_hash": tracked.data_hash,
        "rows": training.split.sizes(),
        "candidates": {
            c.name: {
                "run_id": tracked.run_ids[c.name],
                "params": c.params,
                "decision_threshold": c.threshold,
                "validation": c.validation,
                "test": c.test,
            }
            for c in training.candidates.values()
        },
        "best_candidate": training.best.name,
        "registered_model": settings.model_name,
        "registered_version": version,
        "alias": CHAMPION if outcome.serving_version == version else CHALLENGER,
        "champion_version": outcome.serving_version,
        "promotion": outcome.to_dict(),
        "policy": settings.policy.as_params(),
    }


def write_summary(settings: Settings, summary: dict[str, Any]) -> Path:
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    path = settings.reports_dir / SUMMARY_FILE
    path.write_text(json.dumps(summary, indent=2, default=str))
    return path


def run_model_layer(
    settings: Settings,
    gold_path: Path | None = None,
    config: TrainingConfig | None = None,
    force: bool = False,
    margin: float | None = None,
) -> dict[str, Any]:
    """Train on the latest (or given) gold table, register, promote; the summary section.

    ``config`` and ``margin`` default to the settings' policy (``demo/params.toml``).
    """
    path = gold_path or Catalog(settings).path("gold")
    report = contract_report(settings)
    if gold_path is None:
        check_contract(report, path, force)
    if report is not None and report.get("run_id") != path.stem:
        report = None  # that validation is not this table's
    gold = read_gold(path)
    config = config or TrainingConfig.from_settings(settings)
    if config.generator_seed is None:
        config = replace(config, generator_seed=generator_seed(gold))
    started = time.perf_counter()
    tracked = train_and_track(settings, gold, config, validation_report=report)
    trained = time.perf_counter()
    outcome = register_and_promote(settings, best_to_register(tracked),
                                   tracked.training.split.test, margin)
    summary = model_summary(tracked, outcome, settings)
    summary["gold_path"] = str(path)
    summary["seconds"] = {"train_and_track": round(trained - started, 3),
                          "register_and_promote": round(time.perf_counter() - trained, 3)}
    write_summary(settings, summary)
    return summary


def promote_challenger(settings: Settings, margin: float | None = None) -> PromotionOutcome:
    """Re-apply the policy to the current challenger, on the test rows it was trained with."""
    found = require_alias(settings, CHALLENGER)
    holdout = recorded_test_split(open_store(settings, create=False), found.run_id)
    return apply_promotion(settings, str(found.version), holdout, margin)

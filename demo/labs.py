"""Failure-injection labs: break a workspace in a named, seeded way, then find out from the
artifacts alone what broke, and repair it.

Five labs, in lessons 02, 05 and 06:

- ``contract`` (lesson 02): an upstream system changes how it sends one column, part-way
  through a delivery (a price in cents, a category spelled a new way). The data layer runs on
  the delivery and quarantines what breaks its contract.
- ``champion`` (lesson 05): the registry's ``champion`` alias points at a version the promotion
  policy did not choose (a rollback nobody undid, or a rejected version promoted by hand).
- ``leak`` (lesson 05): columns from the CRM join the gold table, and one of them is filled
  in only after a customer has left; the newest tracked run looks too good to be true.
- ``skew`` (lesson 06): one feature reaches the model transformed differently than in training
  (another unit, a category spelled another way); nothing refuses it, only the drift monitor
  sees it.
- ``drift`` (lesson 06): the drift monitor alarms on a production batch. Either the customers
  really changed (prices rose, fibre was rolled out) or a new release of the feature code
  broke one column; the lake's tables tell which.

The seed picks what breaks, so two learners (and the grader's hidden variants) get different
culprits. Each ``break_*`` function returns an ``Injection`` saying what it broke; the command
line never shows it and nothing in the workspace records it: finding it is the exercise.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from demo.errors import DemoError
from demo.settings import Settings

# The words a diagnosis is given in: the exercises' labs answer with these, so an answer is a
# choice a grader can check, not a sentence.
LAYERS = ("data", "model", "deployment")
ROLES = ("business analyst", "data engineer", "data scientist", "MLOps engineer",
         "software developer")
ARTIFACTS = ("quarantine table", "data-layer summary", "validation report", "silver table",
             "gold table", "tracking runs", "model registry", "drift report", "served features",
             "prediction log")
FIXES = ("convert the unit back", "map the spelling back", "move the alias back",
         "widen the contract", "retrain the model", "roll back the code", "drop the column")

LAB_ROWS = 400  # small on purpose: a lab is about reading artifacts, not about volume

# Where each lab puts what it adds to the workspace.
INCOMING_FILE = Path("incoming") / "customers.csv"  # contract: the upstream delivery
SERVED_FILE = Path("serving") / "served_features.parquet"  # skew: what reached the model
DRIFT_FILE = Path("reports") / "serving_drift.json"  # skew: the drift monitor's report
LEAK_GOLD_FILE = Path("lake") / "gold" / "20260301T020000000000Z.parquet"  # leak: with the CRM's
PRODUCTION_FILE = Path("incoming") / "production.csv"  # drift: the production batch
TRAINING_GOLD = Path("lake") / "training" / "gold.parquet"  # drift: what the champion learnt on
PRODUCTION_DRIFT_FILE = Path("reports") / "production_drift.json"  # drift: the monitor's report

# How upstream systems and serving clients change a column, seen in the wild.
UNIT_CHANGES = {  # column -> (how it arrives, the factor it arrives multiplied by)
    "contract": {"monthly_charges": ("in cents", 100.0)},
    "skew": {"monthly_charges": ("per day", 1 / 30), "total_charges": ("in thousands", 1e-3),
             "tenure": ("in years", 1 / 12)},
}
NEW_SPELLINGS = {  # column -> (canonical value, how it now arrives)
    "contract": ("Month-to-month", "Flex monthly"),
    "internet_service": ("Fiber optic", "FTTH"),
    "payment_method": ("Electronic check", "E-check"),
    "online_security": ("No internet service", "No internet"),
}


@dataclass(frozen=True)
class Injection:
    """What a lab broke: known to whoever broke it, never written to the workspace."""

    lab: str
    culprit: str  # a column, a feature, or the version the alias wrongly points at
    change: str  # in words, e.g. "monthly_charges in cents from line 214 of the file"
    detail: dict[str, object]


# -- lesson 02: an upstream contract violation --------------------------------------------------


def _changed_column(frame: pd.DataFrame, rng: np.random.Generator, lab: str,
                    rows: slice) -> Injection:
    """Change one column of ``frame`` (in place) on ``rows``: another unit or a new spelling."""
    if rng.random() < 0.5:
        column = str(rng.choice(sorted(UNIT_CHANGES[lab])))
        words, factor = UNIT_CHANGES[lab][column]
        changed = frame.loc[rows, column].astype("float64") * factor
        frame[column] = frame[column].astype("float64")
        frame.loc[rows, column] = changed.round(2) if lab == "contract" else changed
        detail: dict[str, object] = {"kind": "unit", "factor": factor}
    else:
        column = str(rng.choice(sorted(NEW_SPELLINGS)))
        known, new = NEW_SPELLINGS[column]
        frame.loc[rows, column] = frame.loc[rows, column].replace({known: new})
        words, detail = f"'{known}' spelled '{new}'", {"kind": "spelling", "from": known,
                                                      "to": new}
    return Injection(lab, column, f"{column} {words}", detail)


def contract_delivery(seed: int, rows: int = LAB_ROWS) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                Injection]:
    """(the delivery as it should have been, as it arrived, what changed): one column changes
    from a row on, the day the upstream system shipped its change."""
    from demo.synthetic.scenarios import generate_batch

    rng = np.random.default_rng(seed)
    healthy = generate_batch(rows, seed=int(rng.integers(1 << 30)), dirty=False)
    healthy = healthy.astype({c: "str" for c in healthy.select_dtypes("category").columns})
    start = int(rng.integers(rows // 3, 2 * rows // 3))
    delivered = healthy.copy()
    injection = _changed_column(delivered, rng, "contract", slice(start, None))
    return healthy, delivered, replace(injection, change=f"{injection.change} from line "
                                                           f"{start + 2} of the file")


def break_contract(settings: Settings, seed: int, rows: int = LAB_ROWS) -> Injection:
    """Write an upstream delivery in which one column changes part-way through, and run the
    data layer on it (as the nightly ingestion would)."""
    from demo.data_layer.runner import run_data_layer

    _, delivered, injection = contract_delivery(seed, rows)
    incoming = settings.workspace / INCOMING_FILE
    incoming.parent.mkdir(parents=True, exist_ok=True)
    delivered.to_csv(incoming, index=False)
    run_data_layer(settings, incoming, validate=False)
    return injection


# -- lesson 05: a stale or wrong champion alias ---------------------------------------------


def registry_history(settings: Settings, seed: int, versions: int | None = None) -> str:
    """A registry with several versions, each judged by the real promotion policy (scores
    drawn at random, no model files): the version the policy left as champion."""
    from demo.model_layer.loading import CHALLENGER, CHAMPION
    from demo.model_layer.registry import decide_promotion
    from demo.model_layer.store import open_store

    rng = np.random.default_rng(seed)
    count = versions or int(rng.integers(4, 7))
    store = open_store(settings)
    client, name, margin = store.client, settings.model_name, settings.policy.promotion_margin
    from mlflow.exceptions import MlflowException

    try:
        client.get_registered_model(name)
    except MlflowException:
        client.create_registered_model(name)
    champion, champion_score = None, None
    for number in range(1, count + 1):
        if number == count:  # the newest: best on paper, but not by the policy's margin
            score = (champion_score or 0.8) + float(rng.uniform(0.1, 0.8)) * margin
        else:
            score = float(rng.uniform(0.80, 0.86))
        run = client.create_run(store.experiment_id, run_name=f"retrain-{number}")
        client.log_metric(run.info.run_id, "holdout_roc_auc", round(score, 4))
        client.set_terminated(run.info.run_id)
        version = client.create_model_version(name, source=f"lab-model-{number}",
                                              run_id=run.info.run_id)
        decision = decide_promotion(champion_score, round(score, 4), margin)
        verdict = "promoted" if decision.promote else "kept_champion"
        for key, value in (("promotion_decision", verdict), ("promotion_reason", decision.reason)):
            client.set_model_version_tag(name, version.version, key, value)
        client.set_tag(run.info.run_id, "promotion.decision", verdict)
        if decision.promote:
            champion, champion_score = str(version.version), round(score, 4)
            client.set_registered_model_alias(name, CHAMPION, champion)
        else:
            client.set_registered_model_alias(name, CHALLENGER, str(version.version))
    return str(champion)


def break_champion(settings: Settings, seed: int) -> Injection:
    """Point ``champion`` at another version than the one the policy chose. In an empty
    workspace, first write a registry history to break."""
    from demo.model_layer.loading import CHAMPION, version_by_alias
    from demo.model_layer.store import open_store

    store = open_store(settings)
    client, name = store.client, settings.model_name
    numbers = [str(v.version) for v in client.search_model_versions(f"name='{name}'")]
    if not numbers:
        chosen = registry_history(settings, seed)
        numbers = [str(v.version) for v in client.search_model_versions(f"name='{name}'")]
    else:
        serving = version_by_alias(settings, CHAMPION, store)
        if serving is None:
            raise DemoError(f"{name} has no champion to break; train first (python -m demo train)")
        chosen = str(serving.version)
    others = sorted((n for n in numbers if n != chosen), key=int)
    if not others:
        raise DemoError(f"the registry holds only version {chosen} of {name}; register another "
                        "first (python -m demo retrain), then break it")
    wrong = str(np.random.default_rng(seed).choice(others))
    client.set_registered_model_alias(name, CHAMPION, wrong)
    how = "an older version (a rollback never undone)" if int(wrong) < int(chosen) else \
        "a version the policy rejected"
    return Injection("champion", wrong, f"champion moved from version {chosen} to {how}",
                     {"policy_champion": chosen})


# -- lesson 06: a training/serving skew in one feature --------------------------------------


def _gold(rows: int, seed: int) -> pd.DataFrame:
    from demo.data_layer.clean import clean
    from demo.data_layer.features import build_gold
    from demo.data_layer.ingest import to_bronze
    from demo.synthetic.scenarios import generate_batch

    return build_gold(clean(to_bronze(generate_batch(rows, seed=seed), "lab.csv")).silver)


def served_features(seed: int, rows: int = LAB_ROWS) -> tuple[pd.DataFrame, pd.DataFrame,
                                                              Injection]:
    """(the features as training computed them, as serving sent them, what differs)."""
    from demo.feature_spec import MODEL_INPUTS

    rng = np.random.default_rng(seed)
    columns = ["customer_id", *(f.name for f in MODEL_INPUTS)]
    healthy = _gold(rows, int(rng.integers(1 << 30)))[columns]
    healthy = healthy.astype({c: "str" for c in healthy.select_dtypes("category").columns})
    served = healthy.copy()
    injection = _changed_column(served, rng, "skew", slice(None))
    return healthy, served, replace(injection, change=f"{injection.change} at serving")


def break_skew(settings: Settings, seed: int, rows: int = LAB_ROWS) -> Injection:
    """Write a batch of served features in which one feature arrives transformed, and the
    drift monitor's report on it against the training data (the workspace's latest gold
    table; a small generated one in an empty workspace)."""
    from demo.catalog import Catalog
    from demo.deployment_layer.monitoring import psi_by_feature

    try:
        reference_path = Catalog(settings).path("gold")
    except DemoError:
        reference_path = settings.gold_dir / "lab_training.parquet"
        reference_path.parent.mkdir(parents=True, exist_ok=True)
        _gold(rows, seed + 1).to_parquet(reference_path, index=False)
    _, served, injection = served_features(seed, rows)
    served_path = settings.workspace / SERVED_FILE
    served_path.parent.mkdir(parents=True, exist_ok=True)
    served.to_parquet(served_path, index=False)
    reference = pd.read_parquet(reference_path)
    report = {"reference": str(reference_path.relative_to(settings.workspace)),
              "current": str(SERVED_FILE),
              "rows": {"reference": len(reference), "current": len(served)},
              "features": psi_by_feature(reference, served).to_dict(orient="records")}
    drift_path = settings.workspace / DRIFT_FILE
    drift_path.parent.mkdir(parents=True, exist_ok=True)
    drift_path.write_text(json.dumps(report, indent=2))
    return injection


# -- lesson 05: a label leak in the gold table ---------------------------------------------

# Columns the CRM adds to the gold table. Each can be filled two ways: for every customer
# alike (harmless), or only once a customer has left (a leak: at prediction time it is empty).
CRM_COLUMNS = ("cancellation_reason", "last_invoice_amount", "survey_score")
REASONS = ("price", "moved", "service", "competitor")
LEAK_NOISE = 0.03  # a few records are wrong both ways, so the leak is almost, not fully, perfect


def _crm_column(name: str, gold: pd.DataFrame, rng: np.random.Generator, leaks: bool
                ) -> pd.Series:
    """``name`` as the CRM fills it: after exit only when ``leaks``, for everyone otherwise."""
    rows = len(gold)
    churned = gold["churn"].to_numpy() == 1
    if leaks:
        filled = churned ^ (rng.random(rows) < LEAK_NOISE)
    else:
        filled = rng.random(rows) < 0.3
        if name == "last_invoice_amount":
            filled = np.ones(rows, dtype=bool)
    if name == "cancellation_reason":
        values = np.where(filled, rng.choice(REASONS, rows), "none")
        return pd.Series(values, index=gold.index, dtype="str")
    if name == "last_invoice_amount":
        amount = (gold["monthly_charges"].to_numpy() * rng.uniform(0.3, 1.1, rows)).round(2)
        return pd.Series(np.where(filled, amount, 0.0), index=gold.index)
    return pd.Series(np.where(filled, rng.integers(1, 6, rows), 0), index=gold.index)


def leaky_gold(seed: int, rows: int = LAB_ROWS) -> tuple[pd.DataFrame, Injection]:
    """(the gold table with the CRM's columns, one of them filled after exit; what leaks)."""
    rng = np.random.default_rng(seed)
    gold = _gold(rows, int(rng.integers(1 << 30)))
    leak = str(rng.choice(CRM_COLUMNS))
    crm = {name: _crm_column(name, gold, rng, leaks=name == leak) for name in CRM_COLUMNS}
    gold = gold.assign(support_tickets=rng.poisson(1.5, len(gold)), **crm)
    return gold, Injection("leak", leak, f"{leak} is filled in after a customer has left", {})


def break_leak(settings: Settings, seed: int, rows: int = LAB_ROWS) -> Injection:
    """Write a gold table with the CRM's columns and a tracked history in which the run that
    first used them scores far above every run before it."""
    from demo.feature_spec import MODEL_INPUTS
    from demo.model_layer.store import open_store

    gold, injection = leaky_gold(seed, rows)
    gold_path = settings.workspace / LEAK_GOLD_FILE
    gold_path.parent.mkdir(parents=True, exist_ok=True)
    gold.to_parquet(gold_path, index=False)
    rng = np.random.default_rng(seed + 1)
    store = open_store(settings)
    inputs = [f.name for f in MODEL_INPUTS]
    history = [(f"weekly-{week}", inputs, float(rng.uniform(0.82, 0.86))) for week in range(1, 5)]
    history.append(("weekly-5-crm", [*inputs, "support_tickets", *CRM_COLUMNS],
                    float(rng.uniform(0.985, 0.997))))
    for run_name, features, score in history:
        run = store.client.create_run(store.experiment_id, run_name=run_name)
        store.client.log_param(run.info.run_id, "features", ",".join(features))
        store.client.set_tag(run.info.run_id, "gold_table", str(LEAK_GOLD_FILE))
        store.client.log_metric(run.info.run_id, "holdout_roc_auc", round(score, 4))
        store.client.set_terminated(run.info.run_id)
    return injection


# -- lesson 06: real drift, or a broken pipeline? -------------------------------------------

DRIFT_SCENARIOS = {  # scenario -> the features its change shows in first
    "price_rise": ("monthly_charges", "total_charges"),
    "fibre_rollout": ("internet_service", "monthly_charges"),  # fibre costs more
}
BROKEN_COLUMNS = {  # how a new release of the feature code breaks a column, and which ones
    "filled": ("tenure", "monthly_charges", "total_charges"),  # a fill rule hits every row
    "collapsed": ("contract", "internet_service", "payment_method"),  # a default for every row
}


def break_drift(settings: Settings, seed: int, rows: int = LAB_ROWS, story: str | None = None
                ) -> Injection:
    """Run the data layer on a production batch, perhaps break one column of its gold table
    the way a buggy release would, and write the drift monitor's report against training.
    The seed picks the story unless ``story`` ("drift" or "broken") does."""
    from demo.data_layer.runner import run_data_layer
    from demo.deployment_layer.monitoring import psi_by_feature
    from demo.synthetic.scenarios import generate_batch

    rng = np.random.default_rng(seed)
    training = _gold(rows, int(rng.integers(1 << 30)))
    (settings.workspace / TRAINING_GOLD).parent.mkdir(parents=True, exist_ok=True)
    training.to_parquet(settings.workspace / TRAINING_GOLD, index=False)
    drifted = rng.random() < 0.5 if story is None else story == "drift"
    scenario = str(rng.choice(sorted(DRIFT_SCENARIOS))) if drifted else "baseline"
    batch = generate_batch(rows, seed=int(rng.integers(1 << 30)), scenario=scenario)
    incoming = settings.workspace / PRODUCTION_FILE
    incoming.parent.mkdir(parents=True, exist_ok=True)
    batch.to_csv(incoming, index=False)
    gold_path = run_data_layer(settings, incoming, validate=False).paths["gold"]
    gold = pd.read_parquet(gold_path)
    if drifted:
        culprits = DRIFT_SCENARIOS[scenario]
        injection = Injection("drift", culprits[0], f"the customers changed ({scenario})",
                              {"kind": "drift", "accepted": list(culprits)})
    else:
        kind = str(rng.choice(sorted(BROKEN_COLUMNS)))
        column = str(rng.choice(BROKEN_COLUMNS[kind]))
        default = gold[column].median() if kind == "filled" else gold[column].mode().iloc[0]
        gold[column] = pd.Series(default, index=gold.index).astype(gold[column].dtype)
        gold.to_parquet(gold_path, index=False)
        injection = Injection("drift", column, f"the feature code {kind} {column}",
                              {"kind": "broken", "accepted": [column]})
    report = {"reference": str(TRAINING_GOLD),
              "current": str(gold_path.relative_to(settings.workspace)),
              "rows": {"reference": len(training), "current": len(gold)},
              "features": psi_by_feature(training, gold).to_dict(orient="records")}
    (settings.workspace / PRODUCTION_DRIFT_FILE).write_text(json.dumps(report, indent=2))
    return injection


LABS: dict[str, tuple[str, Callable[[Settings, int], Injection]]] = {
    "contract": ("lesson 02: an upstream system changes how it sends one column",
                 break_contract),
    "champion": ("lesson 05: the champion alias points at a version the policy did not choose",
                 break_champion),
    "leak": ("lesson 05: a column of the gold table is filled in after the customer left",
             break_leak),
    "skew": ("lesson 06: one feature reaches the model transformed unlike in training",
             break_skew),
    "drift": ("lesson 06: the drift monitor alarms: the customers changed, or the code broke",
              break_drift),
}


def break_workspace(name: str, settings: Settings, seed: int) -> Injection:
    """Break ``settings.workspace`` with the lab ``name``; what broke (keep it to yourself)."""
    if name not in LABS:
        raise DemoError(f"no lab named {name!r}; the labs are: {', '.join(LABS)}")
    return LABS[name][1](settings, seed)

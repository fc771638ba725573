"""The registry's labs (lesson 05): a champion alias the policy did not choose, and a label
leak in the gold table behind a run that looks too good to be true."""

from __future__ import annotations

import numpy as np
import pandas as pd

from demo.errors import DemoError
from demo.labs.common import LAB_ROWS, LEAK_GOLD_FILE, Injection, generated_gold
from demo.settings import Settings


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
    gold = generated_gold(rows, int(rng.integers(1 << 30)))
    leak = str(rng.choice(CRM_COLUMNS))
    crm = {name: _crm_column(name, gold, rng, leaks=name == leak) for name in CRM_COLUMNS}
    gold = gold.assign(support_tickets=rng.poisson(1.5, len(gold)), **crm)
    return gold, Injection("leak", leak, f"{leak} is filled in after a customer has left", {})


def break_leak(settings: Settings, seed: int, rows: int = LAB_ROWS) -> Injection:
    """Write a gold table with the CRM's columns and a tracked history in which the run that
    first used them scores far above every run before it."""
    from demo.feature_spec import INPUT_COLUMNS
    from demo.model_layer.store import open_store

    gold, injection = leaky_gold(seed, rows)
    gold_path = settings.workspace / LEAK_GOLD_FILE
    gold_path.parent.mkdir(parents=True, exist_ok=True)
    gold.to_parquet(gold_path, index=False)
    rng = np.random.default_rng(seed + 1)
    store = open_store(settings)
    inputs = list(INPUT_COLUMNS)
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

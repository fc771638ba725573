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
One module per layer the labs break: ``data_labs``, ``registry_labs``, ``serving_labs``.
"""

from __future__ import annotations

from collections.abc import Callable

from demo.errors import DemoError
from demo.labs.common import (
    ARTIFACTS,
    DRIFT_FILE,
    FIXES,
    INCOMING_FILE,
    LAYERS,
    LEAK_GOLD_FILE,
    PRODUCTION_DRIFT_FILE,
    ROLES,
    SERVED_FILE,
    Injection,
)
from demo.labs.data_labs import break_contract, break_drift, contract_delivery
from demo.labs.registry_labs import (
    CRM_COLUMNS,
    break_champion,
    break_leak,
    leaky_gold,
    registry_history,
)
from demo.labs.serving_labs import break_skew, served_features
from demo.settings import Settings

__all__ = ["ARTIFACTS", "CRM_COLUMNS", "DRIFT_FILE", "FIXES", "INCOMING_FILE", "LABS", "LAYERS",
           "LEAK_GOLD_FILE", "PRODUCTION_DRIFT_FILE", "ROLES", "SERVED_FILE", "Injection",
           "break_champion", "break_contract", "break_drift", "break_leak", "break_skew",
           "break_workspace", "contract_delivery", "leaky_gold", "registry_history",
           "served_features"]

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

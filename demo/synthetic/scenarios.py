"""Named "production" scenarios: how the customer base or the churn behaviour drifts.

A scenario is a ``PopulationParams``: the training sample is drawn under ``baseline``; the
deployment layer scores and monitors batches drawn under the others. Data drift changes who
the customers are (``price_rise``, ``fibre_rollout``); concept drift changes who churns
(``churn_shift``), which no input-drift monitor can see until the labels come in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from demo.feature_spec import LABEL_COLUMN
from demo.synthetic.customers import ChurnModel, PopulationParams, draw_customers
from demo.synthetic.defects import make_raw


@dataclass(frozen=True)
class Scenario:
    name: str
    kind: str  # "none", "data drift" or "concept drift"
    description: str
    params: PopulationParams = field(default_factory=PopulationParams)


# Concept drift: a competitor's fibre offer. Fibre customers and long-standing customers now
# leave more readily, the contract matters less, and paying by electronic check no longer
# signals churn. The inputs look the same; the relation between inputs and churn does not.
SHIFTED_CHURN = ChurnModel(
    intercept=-1.2,
    contract={"Month-to-month": 0.4, "One year": -0.4, "Two year": -0.9},
    tenure_per_month=-0.008,
    fiber_optic=1.5,
    electronic_check=0.0,
)

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "baseline",
            "none",
            "The population the training sample is drawn from: no drift.",
        ),
        Scenario(
            "price_rise",
            "data drift",
            "Every monthly charge is 15 % higher (and so every total charge); the churn model "
            "is unchanged, so churn rises through the charges coefficient.",
            PopulationParams(price_factor=1.15),
        ),
        Scenario(
            "fibre_rollout",
            "data drift",
            "Fibre optic is rolled out: 68 % of customers on fibre instead of 44 %, DSL 20 % "
            "instead of 34 %, no internet 12 % instead of 22 %. Same churn model.",
            PopulationParams(internet_shares=(0.20, 0.68, 0.12)),
        ),
        Scenario(
            "churn_shift",
            "concept drift",
            "Same customers, different churn behaviour: fibre +1.5 log-odds (was +0.65), "
            "tenure -0.008 per month (was -0.032), month-to-month +0.4 (was +0.9), "
            "electronic check 0 (was +0.45).",
            PopulationParams(churn=SHIFTED_CHURN),
        ),
    )
}


# Another company, for the capstone project (exercises/capstone/): Northwind Telecom, a rural
# operator. Its customers differ (mostly DSL, more seniors, more two-year contracts, 8 %
# dearer) and so does why they leave: no tech support and being a senior weigh far more than
# in the lessons' population, the contract and the payment method far less. The lessons never
# use it, so it stays out of SCENARIOS (the app's presets and the data card list those).
NORTHWIND_CHURN = ChurnModel(
    intercept=-1.1,
    contract={"Month-to-month": 0.45, "One year": -0.3, "Two year": -0.9},
    tenure_per_month=-0.012,
    fiber_optic=0.2,
    no_internet=-0.3,
    electronic_check=0.0,
    paperless_billing=0.1,
    monthly_charges_per_dollar=0.02,
    no_tech_support=1.1,
    no_online_security=0.2,
    senior_citizen=0.8,
    dependents=-0.4,
    partner=-0.1,
)

PROJECT_SCENARIOS: dict[str, Scenario] = {
    "northwind": Scenario(
        "northwind",
        "another company",
        "Northwind Telecom, a rural operator: 58 % DSL, 12 % fibre, 30 % seniors, 35 % on "
        "two-year contracts, prices 8 % higher; churn driven by missing tech support "
        "(+1.1 log-odds) and age (+0.8), hardly by the contract (+0.45 month-to-month).",
        PopulationParams(
            contract_shares=(0.40, 0.25, 0.35),
            internet_shares=(0.58, 0.12, 0.30),
            payment_shares=(0.15, 0.40, 0.25, 0.20),
            senior_share=0.30,
            price_factor=1.08,
            churn=NORTHWIND_CHURN,
        ),
    ),
}


def known_scenarios() -> dict[str, Scenario]:
    """Every scenario the generator can draw: the lessons' ones, then the projects'."""
    return {**SCENARIOS, **PROJECT_SCENARIOS}


def get_scenario(name: str) -> Scenario:
    """The scenario called ``name``; ``KeyError`` naming the known ones otherwise."""
    known = known_scenarios()
    try:
        return known[name]
    except KeyError:
        raise KeyError(
            f"unknown scenario {name!r}; expected one of: {', '.join(known)}"
        ) from None


def generate_batch(
    rows: int,
    seed: int,
    scenario: str = "baseline",
    id_start: int = 0,
    dirty: bool = True,
    with_label: bool = True,
) -> pd.DataFrame:
    """A batch of ``rows`` customers under ``scenario``, ids numbered from ``id_start``.

    ``dirty`` gives the raw export (mixed headers, defects); otherwise the clean ground truth
    with canonical headers. Without the label the batch is exactly the labelled one minus its
    churn column, so labels that "arrive later" can be joined back by position.
    """
    clean = draw_customers(rows, seed, get_scenario(scenario).params, id_start=id_start)
    if not dirty:
        return clean if with_label else clean.drop(columns=LABEL_COLUMN)
    raw, log = make_raw(clean, seed)
    return raw if with_label else raw.drop(columns=log.headers[LABEL_COLUMN])

"""A clean customer population in the Telco Customer Churn schema, with a known churn model.

Churn is drawn from a logistic model of the features (``ChurnModel``), so the signal is real
and learnable, and the data card can state exactly what a model should find. Everything is
vectorised: one million customers take well under a second or two.

Two churn modes (``CHURN_MODES``), chosen with ``population(churn_mode)``:

* ``linear`` (the default, and the committed sample): the log-odds are a sum of per-feature
  effects, exactly what a logistic regression can represent, so no model can beat it by much;
* ``non_linear``: the same customers, but part of the churn comes from rules a sum cannot
  express (``NonLinearEffects``): a contract x tenure interaction, a price step and a segment
  with its own reason to leave. A tree model has something to find here that a linear one
  can only approximate; lesson 06 uses both modes to test "start simple" on data where
  either answer could come out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from demo.feature_spec import FEATURES_BY_NAME, INTERNET_ADDON, RAW_COLUMNS

CONTRACTS = FEATURES_BY_NAME["contract"].known_values
INTERNET = FEATURES_BY_NAME["internet_service"].known_values
PAYMENTS = FEATURES_BY_NAME["payment_method"].known_values
ADDONS = (  # the internet add-ons; the last two are streaming
    "online_security",
    "online_backup",
    "device_protection",
    "tech_support",
    "streaming_tv",
    "streaming_movies",
)

# Customer ids look like the public data set's ("7590-VHVEG"): 4 digits, a dash, 5 letters.
# A fixed bijection of the row index onto that space keeps them unique without a lookup.
_ID_SPACE = 10_000 * 26**5
_ID_MULTIPLIER = 2_654_435_761  # odd and not divisible by 5 or 13, so coprime with the space


@dataclass(frozen=True)
class NonLinearEffects:
    """Log-odds terms that switch on for a group of customers (the ``non_linear`` mode).

    None of them is a sum of per-feature effects: a logistic regression on the raw features
    can only approximate them, while a tree splits on them directly.
    """

    # contract x tenure: the first months on a contract one can leave at any time
    new_on_monthly_contract: float = 1.8
    new_months: int = 6  # tenure below this counts as new
    # a threshold: bills above the price step feel expensive, whatever the services
    price_step: float = 1.5
    price_step_dollars: float = 95.0
    # a segment with its own reason to leave: seniors on fibre without tech support
    senior_fibre_no_support: float = 2.2
    # contract x tenure again: long-standing customers on a term contract rarely leave
    loyal_on_term_contract: float = -1.0
    loyal_months: int = 48  # tenure above this counts as loyal

    def log_odds(self, frame: pd.DataFrame) -> np.ndarray:
        tenure = frame["tenure"].to_numpy(dtype=float)
        monthly_contract = (frame["contract"] == "Month-to-month").to_numpy()
        senior_fibre_no_support = (
            (frame["senior_citizen"].to_numpy() == 1)
            & (frame["internet_service"] == "Fiber optic").to_numpy()
            & (frame["tech_support"] == "No").to_numpy()
        )
        odds: np.ndarray = (
            self.new_on_monthly_contract * (monthly_contract & (tenure < self.new_months))
            + self.price_step
            * (frame["monthly_charges"].to_numpy(dtype=float) > self.price_step_dollars)
            + self.senior_fibre_no_support * senior_fibre_no_support
            + self.loyal_on_term_contract * (~monthly_contract & (tenure > self.loyal_months))
        )
        return odds


@dataclass(frozen=True)
class ChurnModel:
    """Log-odds contributions of each feature to churn (the ground truth the model learns)."""

    intercept: float = -1.35
    contract: dict[str, float] = field(
        default_factory=lambda: {"Month-to-month": 0.9, "One year": -0.7, "Two year": -1.7}
    )
    tenure_per_month: float = -0.032
    fiber_optic: float = 0.65
    no_internet: float = -0.55
    electronic_check: float = 0.45
    paperless_billing: float = 0.25
    monthly_charges_per_dollar: float = 0.012  # centred on $65
    no_tech_support: float = 0.35
    no_online_security: float = 0.3
    senior_citizen: float = 0.25
    dependents: float = -0.2
    partner: float = -0.1
    non_linear: NonLinearEffects | None = None  # None: the linear mode, a sum of the above


# The non-linear mode: weaker per-feature effects (tenure, contract) plus the rules of
# ``NonLinearEffects``; the intercept keeps the churn rate near the linear mode's (about 32 %
# against 28 %).
NON_LINEAR_CHURN = ChurnModel(
    intercept=-2.0,
    contract={"Month-to-month": 0.7, "One year": -0.6, "Two year": -1.4},
    tenure_per_month=-0.012,
    non_linear=NonLinearEffects(),
)
CHURN_MODES: dict[str, ChurnModel] = {"linear": ChurnModel(), "non_linear": NON_LINEAR_CHURN}


@dataclass(frozen=True)
class PopulationParams:
    """The shape of the customer base; drift scenarios change these."""

    contract_shares: tuple[float, float, float] = (0.55, 0.21, 0.24)
    internet_shares: tuple[float, float, float] = (0.34, 0.44, 0.22)  # DSL, Fiber, No
    payment_shares: tuple[float, float, float, float] = (0.34, 0.23, 0.22, 0.21)
    senior_share: float = 0.16
    price_factor: float = 1.0  # multiplies every monthly charge
    churn: ChurnModel = field(default_factory=ChurnModel)


def population(churn_mode: str = "linear") -> PopulationParams:
    """The baseline population with churn drawn in ``churn_mode`` (a key of ``CHURN_MODES``)."""
    try:
        return PopulationParams(churn=CHURN_MODES[churn_mode])
    except KeyError:
        raise KeyError(
            f"unknown churn mode {churn_mode!r}; expected one of: {', '.join(CHURN_MODES)}"
        ) from None


def customer_ids(start: int, count: int) -> np.ndarray:
    """Unique ids for rows ``start .. start+count-1`` (deterministic, no collisions)."""
    index = np.arange(start, start + count, dtype=np.int64)
    code = (index * _ID_MULTIPLIER + 12_345) % _ID_SPACE
    digits, letters = np.divmod(code, 26**5)
    chars = np.empty((count, 5), dtype="U1")
    for position in range(4, -1, -1):
        letters, remainder = np.divmod(letters, 26)
        chars[:, position] = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))[remainder]
    prefix = np.char.zfill(digits.astype(str), 4)
    suffix = chars.view("U5").ravel()
    return np.char.add(np.char.add(prefix, "-"), suffix)


# Columns are built as pandas Categoricals from integer codes: converting millions of numpy
# strings to pandas' string dtype would cost more than drawing the whole population.
def _categorical(codes: np.ndarray, categories: tuple[str, ...]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(np.int8), categories=list(categories))


def _yes_no(flags: np.ndarray) -> pd.Categorical:
    return _categorical(flags.astype(np.int8), ("No", "Yes"))


def _choice(rng: np.random.Generator, n: int, shares: tuple[float, ...]) -> np.ndarray:
    """Integer codes 0..len(shares)-1 drawn with the given shares."""
    return np.searchsorted(np.cumsum(shares), rng.random(n) * sum(shares), side="right")


def draw_customers(
    rows: int, seed: int, params: PopulationParams | None = None, id_start: int = 0
) -> pd.DataFrame:
    """Draw ``rows`` clean customers with churn labels; same seed, same frame."""
    params = params or PopulationParams()
    rng = np.random.default_rng(seed)
    n = rows

    contract_code = _choice(rng, n, params.contract_shares)  # 0 monthly, 1 one year, 2 two
    # Month-to-month customers are newer; two-year customers have stayed long.
    tenure = np.select(
        [contract_code == 0, contract_code == 1],
        [rng.exponential(16.0, n), rng.normal(40.0, 17.0, n)],
        rng.normal(56.0, 14.0, n),
    )
    tenure = np.clip(np.rint(tenure), 0, 72).astype(np.int64)
    tenure[(tenure == 0) & (rng.random(n) < 0.8)] = 1  # brand-new customers are rare

    internet_code = _choice(rng, n, params.internet_shares)  # 0 DSL, 1 fibre, 2 none
    has_internet = internet_code != 2
    phone = rng.random(n) < np.where(has_internet, 0.88, 1.0)  # everyone has something
    multiple = phone & (rng.random(n) < 0.45)

    addon_rates = {
        "online_security": 0.35,
        "online_backup": 0.44,
        "device_protection": 0.44,
        "tech_support": 0.36,
        "streaming_tv": 0.49,
        "streaming_movies": 0.50,
    }
    addon_taken: dict[str, np.ndarray] = {}
    for name, rate in addon_rates.items():
        addon_taken[name] = has_internet & (rng.random(n) < rate + 0.1 * (contract_code == 2))
    addons = {  # codes follow INTERNET_ADDON: Yes, No, No internet service
        name: _categorical(np.where(has_internet, np.where(taken, 0, 1), 2), INTERNET_ADDON)
        for name, taken in addon_taken.items()
    }

    senior = (rng.random(n) < params.senior_share).astype(np.int64)
    partner = rng.random(n) < 0.48
    dependents = rng.random(n) < np.where(partner, 0.5, 0.1)
    paperless = rng.random(n) < 0.59 + 0.1 * (internet_code == 1)
    payment_code = _choice(rng, n, params.payment_shares)
    gender_code = (rng.random(n) < 0.5).astype(np.int8)

    monthly = (
        20.0 * phone
        + 5.0 * multiple
        + np.select([internet_code == 0, internet_code == 1], [25.0, 50.0], 0.0)
        + sum(5.0 * addon_taken[a] for a in ADDONS[:4])
        + sum(10.0 * addon_taken[a] for a in ADDONS[4:])
        + rng.normal(0.0, 2.0, n)
    ) * params.price_factor
    monthly = np.round(np.clip(monthly, 18.25, 200.0), 2)
    total = np.round(monthly * tenure * rng.normal(1.0, 0.03, n).clip(0.9, 1.1), 2)

    frame = pd.DataFrame(
        {
            "customer_id": customer_ids(id_start, n),
            "gender": _categorical(gender_code, ("Female", "Male")),
            "senior_citizen": senior,
            "partner": _yes_no(partner),
            "dependents": _yes_no(dependents),
            "tenure": tenure,
            "phone_service": _yes_no(phone),
            "multiple_lines": _categorical(
                np.where(phone, np.where(multiple, 0, 1), 2), ("Yes", "No", "No phone service")
            ),
            "internet_service": _categorical(internet_code, INTERNET),
            **addons,
            "contract": _categorical(contract_code, CONTRACTS),
            "paperless_billing": _yes_no(paperless),
            "payment_method": _categorical(payment_code, PAYMENTS),
            "monthly_charges": monthly,
            "total_charges": total,
        }
    )
    probability = churn_probability(frame, params.churn)
    frame["churn"] = _yes_no(rng.random(n) < probability)
    return frame[list(RAW_COLUMNS)]


def churn_probability(frame: pd.DataFrame, model: ChurnModel | None = None) -> np.ndarray:
    """The true churn probability of each customer under ``model`` (the Bayes optimum)."""
    model = model or ChurnModel()
    has_internet = frame["internet_service"] != "No"
    log_odds = (
        model.intercept
        + frame["contract"].map(model.contract).to_numpy(dtype=float)
        + model.tenure_per_month * frame["tenure"].to_numpy(dtype=float)
        + model.fiber_optic * (frame["internet_service"] == "Fiber optic").to_numpy()
        + model.no_internet * (~has_internet).to_numpy()
        + model.electronic_check * (frame["payment_method"] == "Electronic check").to_numpy()
        + model.paperless_billing * (frame["paperless_billing"] == "Yes").to_numpy()
        + model.monthly_charges_per_dollar * (frame["monthly_charges"].to_numpy(float) - 65.0)
        + model.no_tech_support * (has_internet & (frame["tech_support"] == "No")).to_numpy()
        + model.no_online_security
        * (has_internet & (frame["online_security"] == "No")).to_numpy()
        + model.senior_citizen * frame["senior_citizen"].to_numpy(dtype=float)
        + model.dependents * (frame["dependents"] == "Yes").to_numpy()
        + model.partner * (frame["partner"] == "Yes").to_numpy()
    )
    if model.non_linear is not None:
        log_odds = log_odds + model.non_linear.log_odds(frame)
    return np.asarray(1.0 / (1.0 + np.exp(-log_odds)))

"""Figures for the data card (``datasets/README.md``), computed rather than typed in.

    python -m demo.synthetic.card            # schema table, defect rates, reference AUCs

``schema_markdown`` renders the schema from the feature specification, and
``reference_auc`` measures what a good model reaches on the clean data, in either churn mode:
a logistic regression and a histogram gradient boosting model fitted on a held-out split, and
the Bayes AUC of the true churn probabilities (no model can do better on average).
"""

from __future__ import annotations

from dataclasses import fields

import pandas as pd

from demo.feature_spec import (
    CATEGORICAL_INPUTS,
    FEATURES,
    INPUT_COLUMNS,
    LABEL_COLUMN,
    NUMERIC_INPUTS,
    POSITIVE_LABEL,
    UNKNOWN,
)
from demo.synthetic.defects import DEFECT_KINDS, DefectRates

_TYPES = {
    "id": "text",
    "category": "text (category)",
    "binary": "integer 0/1",
    "integer": "integer",
    "float": "decimal",
    "label": "text (label)",
}


def schema_markdown() -> str:
    """The schema as a Markdown table, straight from ``demo.feature_spec``.

    Values marked * are never in a source file: cleaning writes them for a blank category.
    """
    lines = ["| column | type | meaning | allowed values / range |", "| --- | --- | --- | --- |"]
    for feature in FEATURES:
        if feature.allowed:
            domain = ", ".join(f"`{value}`" for value in feature.known_values)
            if UNKNOWN in feature.allowed:
                domain += f", `{UNKNOWN}`*"
        elif feature.minimum is not None:
            domain = f"{feature.minimum:g} to {feature.maximum:g}"
        else:
            domain = "unique per customer"
        lines.append(
            f"| `{feature.name}` | {_TYPES[feature.kind]} | {feature.description} | {domain} |"
        )
    return "\n".join(lines)


def defect_rates_markdown(rates: DefectRates | None = None) -> str:
    """The defect kinds and their rates as a Markdown table."""
    rates = rates or DefectRates()
    values = {f.name: getattr(rates, f.name) for f in fields(rates)}
    lines = ["| defect | rate | what it looks like |", "| --- | --- | --- |"]
    for kind, meaning in DEFECT_KINDS.items():
        rate = values.get(kind)
        shown = "every tenure-0 customer" if rate is None else f"{rate:.1%}"
        lines.append(f"| `{kind}` | {shown} | {meaning} |")
    return "\n".join(lines)


def reference_auc(rows: int = 7043, seed: int = 42, test_size: float = 0.3,
                  churn_mode: str = "linear") -> dict[str, float]:
    """Held-out ROC AUC of two standard models and of the true probabilities, clean data."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from threadpoolctl import threadpool_limits

    from demo.synthetic.customers import (
        CHURN_MODES,
        churn_probability,
        draw_customers,
        population,
    )

    clean = draw_customers(rows, seed, population(churn_mode))
    inputs, categorical, numeric = list(INPUT_COLUMNS), list(CATEGORICAL_INPUTS), list(NUMERIC_INPUTS)
    y = (clean[LABEL_COLUMN] == POSITIVE_LABEL).astype(int).to_numpy()
    truth = churn_probability(clean, CHURN_MODES[churn_mode])
    X_train, X_test, y_train, y_test, _, truth_test = train_test_split(
        clean[inputs], y, truth, test_size=test_size, stratify=y, random_state=seed
    )
    models = {
        "logistic_regression": make_pipeline(
            ColumnTransformer(
                [("categories", OneHotEncoder(handle_unknown="ignore"), categorical),
                 ("numbers", StandardScaler(), numeric)]
            ),
            LogisticRegression(max_iter=2000),
        ),
        # native categorical support: the categories arrive as pandas categoricals
        "hist_gradient_boosting": HistGradientBoostingClassifier(
            categorical_features="from_dtype", random_state=seed
        ),
    }
    scores = {}
    # One thread: on a busy 2-core machine OpenMP threads fight and a 1 s fit takes 30 s.
    with threadpool_limits(1):
        for name, model in models.items():
            model.fit(X_train, y_train)
            scores[name] = float(roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]))
    scores["bayes_true_probability"] = float(roc_auc_score(y_test, truth_test))
    scores["churn_rate"] = float(y.mean())
    scores["test_rows"] = float(len(y_test))
    return scores


def scenario_effects(rows: int = 50_000, seed: int = 7) -> pd.DataFrame:
    """What each scenario does to the clean population, measured on a draw of ``rows``.

    ``auc_baseline_truth`` scores the batch with the baseline's true probabilities: it stays
    at the Bayes level under data drift and drops under concept drift.
    """
    from sklearn.metrics import roc_auc_score

    from demo.synthetic.customers import ChurnModel, churn_probability
    from demo.synthetic.scenarios import SCENARIOS, generate_batch

    lines = []
    for name, scenario in SCENARIOS.items():
        batch = generate_batch(rows, seed, name, id_start=10_000_000, dirty=False)
        churned = (batch[LABEL_COLUMN] == POSITIVE_LABEL).to_numpy()
        lines.append(
            {
                "scenario": name,
                "mean_monthly_charges": batch["monthly_charges"].mean(),
                "fibre_share": (batch["internet_service"] == "Fiber optic").mean(),
                "churn_rate": churned.mean(),
                "auc_true_model": roc_auc_score(
                    churned, churn_probability(batch, scenario.params.churn)
                ),
                "auc_baseline_truth": roc_auc_score(
                    churned, churn_probability(batch, ChurnModel())
                ),
            }
        )
    return pd.DataFrame(lines)


def main() -> None:
    print(schema_markdown(), end="\n\n")
    print(defect_rates_markdown(), end="\n\n")
    for churn_mode in ("linear", "non_linear"):
        print(f"churn mode {churn_mode}:")
        print(pd.Series(reference_auc(churn_mode=churn_mode)).round(3).to_string(), end="\n\n")
    print(scenario_effects().round(3).to_string(index=False))


if __name__ == "__main__":
    main()

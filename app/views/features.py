"""Features: the gold table the model layer trains on, one column per model input."""

from __future__ import annotations

import pandas as pd
import step_page
import streamlit as st

from demo.feature_spec import MODEL_INPUTS
from demo.steps import run_step

step = step_page.header("features")
settings = step_page.settings()

st.markdown(
    "Gold is the hand-off from the data layer to the model layer: the customer id, every "
    "model input with its final type, the label as 0/1, and the lineage columns that say "
    "where each row came from. In the cloud this is a feature store table."
)

step_page.action_button(step, "Build the gold table", "Building features...",
                        lambda: run_step("features", settings))

entry = step_page.done("features")
if entry is not None:
    summary = entry["summary"]
    rows, columns, churn = st.columns(3)
    rows.metric("Rows", f"{summary['rows']:,}")
    columns.metric("Columns", len(summary["columns"]))
    if summary.get("churn_rate") is not None:
        churn.metric("Churn rate", f"{summary['churn_rate']:.1%}")
    gold = step_page.table(entry["artifacts"][0], rows=50)
    if gold is not None:
        st.dataframe(gold, width="stretch", height=300)

st.subheader("The model inputs (from the feature spec)")
st.dataframe(
    pd.DataFrame(
        {
            "feature": f.name,
            "kind": f.kind,
            "allowed": ", ".join(f.allowed) if f.allowed else f"{f.minimum} to {f.maximum}",
            "description": f.description,
        }
        for f in MODEL_INPUTS
    ),
    hide_index=True,
    width="stretch",
)
step_page.footer(step, [] if entry is None else entry["artifacts"])

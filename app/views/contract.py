"""Data contract: a Great Expectations suite, derived from the feature spec, run on silver."""

from __future__ import annotations

import step_page
import streamlit as st

from demo.steps import run_step

step = step_page.header("contract")
settings = step_page.settings()

st.markdown(
    "The contract is what the model layer is promised: every column present, of the right "
    "type, inside its allowed values or range, ids unique. The suite is generated from the "
    "same feature spec as the cleaning rules, so the two cannot drift apart. A critical "
    "failure stops the pipeline here, before a model learns from broken data."
)

step_page.action_button(step, "Run the data contract",
                        "Validating silver (Great Expectations)...",
                        lambda: run_step("contract", settings))

entry = step_page.done("contract")
if entry is not None:
    summary = entry["summary"]
    if summary["success"]:
        st.success(f"The contract holds: {summary['expectations']} expectations checked on "
                   "silver.")
    else:
        st.error("The contract failed: " + "; ".join(summary["critical_failures"])
                 + ". The features step will refuse this silver table.")
    results = step_page.table(entry["artifacts"][1])
    if results is not None:
        st.subheader("Every expectation")
        st.dataframe(results, hide_index=True, width="stretch", height=380)
step_page.footer(step, [] if entry is None else entry["artifacts"])

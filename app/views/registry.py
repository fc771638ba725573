"""Registry and promotion: a version of the model, aliases, and the policy that moves them."""

from __future__ import annotations

import step_page
import streamlit as st

from demo.steps import run_step
from demo.walkthrough.display import registry_versions

step = step_page.header("registry")
settings = step_page.settings()

st.markdown(
    "The MLOps engineer registers a trained model as a numbered **version** of "
    f"`{settings.model_name}`. Serving never asks for a version number: it asks for the "
    "alias **champion**. A new version is judged against the champion on the same held-out "
    "rows; it takes the alias only when it is better by a margin, otherwise it waits as "
    "**challenger**."
)

if step_page.missing_prerequisite(step) is None:
    training = step_page.done("train")["summary"]
    with st.form("register"):
        names = list(training["candidates"])
        candidate = st.selectbox("Candidate to register", names,
                                 index=names.index(training["best"]), key="register_candidate")
        margin = st.slider("Promotion margin (ROC AUC a challenger must gain)", 0.0, 0.05,
                           settings.policy.promotion_margin, step=0.001, format="%.3f",
                           key="register_margin")
        if st.form_submit_button("Register and apply the promotion policy", type="primary"):
            step_page.run_step("Registering...", lambda: run_step(
                "registry", settings, candidate=candidate, margin=margin))

entry = step_page.done("registry")
if entry is not None:
    summary = entry["summary"]
    step_page.promotion(
        summary["decision"]["promote"],
        f"Version {summary['version']} ({summary['candidate']}): "
        f"{summary['decision']['reason']}.",
        [(f"Version {summary['challenger_version']} test ROC AUC", summary["challenger_score"]),
         (f"Champion (version {summary['champion_version']})", summary["champion_score"])],
        summary["serving_version"])
    st.subheader("Every registered version")
    versions = step_page.run_or_warn(lambda: registry_versions(settings))
    if versions is not None:
        st.dataframe(versions, hide_index=True, width="stretch")
step_page.footer(step, [] if entry is None else entry["artifacts"])

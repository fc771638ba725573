"""Retraining and promotion: a challenger trained on new labelled data, judged, maybe promoted."""

from __future__ import annotations

import step_page
import streamlit as st

from demo.steps import run_step
from demo.walkthrough.display import registry_versions

step = step_page.header("retrain")
settings = step_page.settings()

st.markdown(
    "When the monitor recommends it (or on a schedule), the MLOps engineer retrains: the "
    "training data plus the labelled rows of the monitored batch give a **challenger** of "
    "the same recipe as the champion. Both are judged on a fresh holdout of the new data; "
    "the promotion policy decides who serves. The API picks the new aliases up on reload."
)

if step_page.missing_prerequisite(step) is None:
    monitored = step_page.done("monitor")["summary"]
    source = (f"of scenario **{monitored['scenario']}**" if monitored["scenario"]
              else f"**{monitored['batch']}**")  # a file given to `monitor --batch`
    st.caption(f"New labelled data: the monitored batch {source} "
               f"({monitored['rows_current']:,} usable rows; "
               f"verdict: {monitored['verdict']} drift).")
    with st.form("retrain"):
        trials = st.slider("Search trials for the challenger", 1, 6, 1, key="retrain_trials")
        if st.form_submit_button("Retrain and judge the challenger", type="primary"):
            step_page.run_step("Retraining (tracked in MLflow)...",
                               lambda: run_step("retrain", settings, trials=trials))

entry = step_page.done("retrain")
if entry is not None:
    summary = entry["summary"]
    verdict = "promoted to champion" if summary["promoted"] else "stays challenger"
    step_page.promotion(
        summary["promoted"],
        f"Version {summary['challenger_version']} {verdict}: {summary['reason']}.",
        [(f"Challenger v{summary['challenger_version']} ({summary['metric']})",
          summary["challenger_score"]),
         (f"Champion v{summary['champion_version']} ({summary['metric']})",
          summary["champion_score"])],
        summary["serving_version"])
    st.caption(f"Trained on {summary['training_rows']:,} rows; judged on "
               f"{summary['holdout_rows']:,} held-out rows of the new batch.")
    versions = step_page.run_or_warn(lambda: registry_versions(settings))
    if versions is not None:
        st.subheader("The registry now")
        st.dataframe(versions, hide_index=True, width="stretch")
step_page.footer(step, [] if entry is None else entry["artifacts"])

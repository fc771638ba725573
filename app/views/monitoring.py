"""Monitoring: is production traffic still like the training data? PSI per feature, a verdict."""

from __future__ import annotations

import altair as alt
import pandas as pd
import step_page
import streamlit as st
import workshop_sidebar

from demo.deployment_layer.steps import MONITOR_ROWS
from demo.steps import run_step
from demo.walkthrough import traffic_scenarios
from demo.walkthrough.display import psi_table

LEVEL_COLOURS = {"none": "#2e7d32", "moderate": "#ef6c00", "severe": "#c62828"}

step = step_page.header("monitor")
settings = step_page.settings()
MODERATE, SEVERE = settings.policy.monitoring_psi_moderate, settings.policy.monitoring_psi_severe

st.markdown(
    "The MLOps engineer compares each production batch with the data the champion learnt "
    f"from. The Population Stability Index (PSI) per feature says how far a distribution "
    f"moved: below {MODERATE} is stable, {MODERATE} to {SEVERE} is moderate drift, above "
    f"{SEVERE} is severe. Prediction drift and, once labels arrive, the ROC AUC tell whether "
    "the model still works."
)

if step_page.missing_prerequisite(step) is None:
    presets = workshop_sidebar.presets()
    scenarios = traffic_scenarios()
    with st.form("monitor"):
        scenario = st.selectbox("Drift scenario of the production batch", scenarios,
                                index=scenarios.index(presets.traffic), key="monitor_scenario")
        rows = st.slider("Rows in the batch", 500, 10_000, MONITOR_ROWS,
                         step=500, key="monitor_rows")
        if st.form_submit_button("Run the drift monitor", type="primary"):
            step_page.run_step("Generating the batch and measuring drift...",
                               lambda: run_step("monitor", settings, traffic=scenario,
                                                rows=rows, dirty=presets.dirty))

entry = step_page.done("monitor")
if entry is not None:
    summary = entry["summary"]
    verdict = summary["verdict"]
    advice = ("retraining recommended" if summary["retrain_recommended"]
              else "no retraining needed")
    # A batch given to `python -m demo monitor --batch FILE` has no scenario: its file name.
    source = (f"Scenario **{summary['scenario']}**" if summary["scenario"]
              else f"Batch **{summary['batch']}**")
    message = (f"{source}: "
               f"{'no' if verdict == 'none' else verdict} drift, {advice}. Drifted "
               f"features: {', '.join(summary['drifted_features']) or 'none'}.")
    (st.success if verdict == "none" and not summary["retrain_recommended"] else st.warning)(
        message)
    psi_col, prediction_col, auc_col = st.columns(3)
    psi_col.metric("Rows compared", f"{summary['rows_current']:,} vs "
                   f"{summary['rows_reference']:,}")
    prediction_col.metric("Prediction PSI", f"{summary['prediction_psi']:.3f}",
                          help=summary["prediction_level"])
    if summary["performance"].get("roc_auc") is not None:
        before = summary["reference_performance"].get("roc_auc")
        auc_col.metric("ROC AUC on the batch", f"{summary['performance']['roc_auc']:.3f}",
                       delta=None if before is None else
                       f"{summary['performance']['roc_auc'] - before:+.3f} vs training")
    table = psi_table(summary)
    bars = alt.Chart(table).mark_bar().encode(
        x=alt.X("psi:Q", title="PSI"),
        y=alt.Y("feature:N", sort="-x", title=None),
        color=alt.Color("level:N", scale=alt.Scale(domain=list(LEVEL_COLOURS),
                                                   range=list(LEVEL_COLOURS.values()))),
        tooltip=["feature", "kind", alt.Tooltip("psi:Q", format=".3f"), "level"],
    )
    rules = alt.Chart(pd.DataFrame({"psi": [MODERATE, SEVERE]})).mark_rule(
        strokeDash=[4, 4]).encode(x="psi:Q")
    st.subheader("PSI per feature")
    st.altair_chart(bars + rules, width="stretch")
    with st.expander("The numbers"):
        st.dataframe(table, hide_index=True, width="stretch")
    html = entry["artifacts"][1]
    with open(html, "rb") as report_file:
        st.download_button("Download the drift report (HTML, works offline)", report_file,
                           file_name="drift_report.html", mime="text/html",
                           key="monitor_download")
step_page.footer(step, [] if entry is None else entry["artifacts"])

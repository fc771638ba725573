"""Training and tracking: candidates fitted on gold, every run tracked in MLflow."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import step_page
import streamlit as st

from demo.model_layer.candidates import CANDIDATES
from demo.steps import run_step
from demo.walkthrough.display import runs_table

step = step_page.header("train")
settings = step_page.settings()

st.markdown(
    "The data scientist compares a trivial baseline, a simple model and a stronger one on the "
    "same split. Every run is tracked in MLflow (a SQLite file in the workspace): parameters, "
    "metrics, plots, the model with its signature, and the lineage of the data it saw. "
    "*If it's not tracked, it doesn't exist.*"
)

if step_page.missing_prerequisite(step) is None:
    with st.form("train"):
        chosen = st.multiselect("Candidates", list(CANDIDATES), default=list(CANDIDATES),
                                key="train_candidates")
        st.caption(" · ".join(f"**{c.name}**: {c.description}" for c in CANDIDATES.values()))
        mode = st.radio("Hyperparameters", ["Defaults", "Random search", "Set by hand"],
                        horizontal=True, key="train_mode")
        trials = st.slider("Search trials per candidate", 2, 12, 4, key="train_trials")
        c_col, rate_col, iter_col, leaves_col = st.columns(4)
        c_value = c_col.number_input("logistic_regression C", 0.001, 100.0, 1.0,
                                     format="%.3f", key="train_c")
        rate = rate_col.number_input("boosting learning_rate", 0.01, 1.0, 0.1, key="train_lr")
        max_iter = iter_col.number_input("boosting max_iter", 10, 500, 100, step=10,
                                         key="train_max_iter")
        leaves = leaves_col.number_input("boosting max_leaf_nodes", 3, 127, 31,
                                         key="train_leaves")
        submitted = st.form_submit_button("Train and track", type="primary")
    if submitted and not chosen:
        st.warning("Choose at least one candidate to train.")
    elif submitted:
        by_hand = {"logistic_regression": {"C": float(c_value)},
                   "hist_gradient_boosting": {"learning_rate": float(rate),
                                              "max_iter": int(max_iter),
                                              "max_leaf_nodes": int(leaves)}}
        step_page.run_step("Training and logging to MLflow...", lambda: run_step(
            "train", settings, candidates=tuple(chosen),
            params={k: v for k, v in by_hand.items() if k in chosen} if mode == "Set by hand"
            else None,
            trials=trials if mode == "Random search" else 1))

entry = step_page.done("train")
if entry is not None:
    summary = entry["summary"]
    st.success(f"Best on validation ROC AUC: **{summary['best']}** "
               f"(training run `{summary['parent_run_id'][:8]}`, data hash "
               f"`{summary['data_hash'][:12]}`).")
    metrics = pd.json_normalize([{"candidate": name, **candidate}  # validation.x -> validation_x
                                 for name, candidate in summary["candidates"].items()], sep="_")
    shown = ["candidate", "validation_roc_auc", "test_roc_auc", "test_pr_auc", "test_f1",
             "test_expected_cost_per_customer", "threshold"]
    st.subheader("Metrics (test split, threshold chosen on validation costs)")
    st.dataframe(metrics[[c for c in shown if c in metrics.columns]], hide_index=True,
                 width="stretch")
    st.bar_chart(metrics.set_index("candidate")[["validation_roc_auc", "test_roc_auc"]],
                 stack=False, horizontal=True)
    st.subheader("Plots logged with each run")
    tabs = st.tabs(list(summary["candidates"]))
    for tab, (name, info) in zip(tabs, summary["candidates"].items(), strict=True):
        with tab:
            st.caption(f"run `{info['run_id']}` · parameters {info['params']}")
            plots = sorted(Path(info["plots"]).glob("*.png"))
            columns = st.columns(3)
            for index, plot in enumerate(plots):
                columns[index % 3].image(str(plot), caption=plot.stem.replace("_", " "))
    st.subheader("Runs compared (every training in this workspace)")
    runs = step_page.run_or_warn(lambda: runs_table(settings))
    if runs is not None:
        st.dataframe(runs, hide_index=True, width="stretch")
step_page.footer(step, [] if entry is None else entry["artifacts"])

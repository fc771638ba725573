"""Best practices: the talk's five takeaways, each measured on this walkthrough's data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import page_index
import pandas as pd
import step_page
import streamlit as st

from demo.course.codebase import lines_by_area
from demo.walkthrough import practice_steps

settings = step_page.settings()

st.title("Best practices")
st.markdown("The talk ends with five takeaways. Here each one is an experiment you can run on "
            "the data and models of this walkthrough.")


@st.cache_data(show_spinner=False, max_entries=8)
def measured(name: str, workspace: str, stamp: str) -> pd.DataFrame:
    """An experiment's table, kept until the workspace's tables change (``stamp``)."""
    experiments: dict[str, Callable[..., pd.DataFrame]] = {
        "simple": practice_steps.simple_versus_complex,
        "clean": practice_steps.clean_versus_dirty,
        "thresholds": practice_steps.decision_thresholds,
    }
    return experiments[name](step_page.settings())


def experiment(name: str, needs: str, label: str) -> pd.DataFrame | None:
    """Run (or recall) one experiment once its prerequisite step has run."""
    entry = step_page.done(needs)
    if entry is None:
        step_page.needs(needs)
        return None
    stamp = "|".join(str(Path(p).stat().st_mtime) if Path(p).exists() else p
                     for p in entry["artifacts"])
    key = f"practice_{name}"
    if st.button(label, key=key) or st.session_state.get(f"{key}_ran"):
        result = step_page.run_step("Measuring...", lambda: measured(
            name, str(settings.workspace), stamp))
        st.session_state[f"{key}_ran"] = result is not None
        return result
    return None


st.header("1. Don't overengineer from day one")
st.markdown("Start simple and working. How much does each step up in complexity buy on the "
            "same test rows, and what does it cost in training time?")
simple = experiment("simple", "features", "Compare simple and complex models")
if simple is not None:
    st.dataframe(simple, width="stretch")
    st.bar_chart(simple["roc_auc"], horizontal=True)
st.markdown("And in a whole ML system the model is a small part (lines of code in `demo/`):")
st.bar_chart(lines_by_area()["lines"], horizontal=True)

st.header("2. If it's not tracked, it doesn't exist")
if step_page.done("train") is None:
    step_page.needs("train")
else:
    counts = step_page.run_or_warn(lambda: practice_steps.tracked_runs(settings))
    if counts is not None:
        for column, (label, value) in zip(st.columns(len(counts)), counts.items(), strict=True):
            column.metric(label.capitalize(), f"{value:,}")
        st.caption("Every run of this walkthrough, with its parameters, metrics, plots, model "
                   "and data hash, is in the workspace's MLflow store (`make mlflow "
                   f"WORKSPACE={settings.workspace}` opens it).")

st.header("3. Understand your problem")
st.markdown("A churn model is only useful through the decision it drives: whom to send a "
            "retention offer. The threshold that minimises the business cost is rarely 0.5.")
thresholds = experiment("thresholds", "registry", "Price every decision threshold")
if thresholds is not None:
    best = thresholds.loc[thresholds["expected_cost_per_customer"].idxmin()]
    at_half = thresholds.loc[(thresholds["threshold"] - 0.5).abs().idxmin()]
    low, half = st.columns(2)
    low.metric(f"Cheapest threshold ({best['threshold']:.2f})",
               f"${best['expected_cost_per_customer']:.2f} per customer")
    half.metric("At 0.50", f"${at_half['expected_cost_per_customer']:.2f} per customer")
    st.line_chart(thresholds.set_index("threshold")[["expected_cost_per_customer"]])

st.header("4. Clean data beats fancy models")
st.markdown("The same models trained on the cleaned gold table and on the raw export prepared "
            "the quick way, all judged on the same clean test customers.")
clean = experiment("clean", "features", "Train on clean and on raw data")
if clean is not None:
    st.dataframe(clean, hide_index=True, width="stretch")

st.header("5. The cloud matters less than you expect")
st.markdown("Every step of this walkthrough has a managed equivalent on each platform, and "
            "the same layers, roles and hand-offs on all of them.")
st.page_link(page_index.CLOUD_MAPPING, label="See the cloud mapping")

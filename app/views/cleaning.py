"""Cleaning and quarantine: raw text to typed silver rows; what cannot be repaired is kept aside."""

from __future__ import annotations

import pandas as pd
import step_page
import streamlit as st

from demo.steps import run_step

step = step_page.header("clean")
settings = step_page.settings()

st.markdown(
    "Ingestion gives every column its canonical name and adds lineage (source file, line, "
    "time): that is **bronze**. Cleaning casts types, folds case and spaces in categories, "
    "repairs what a documented rule can repair, drops exact duplicates, and sends every row "
    "it cannot trust to **quarantine** with a reason. The rest is **silver**. No row is lost."
)

step_page.action_button(step, "Clean the raw data", "Ingesting and cleaning...",
                        lambda: run_step("clean", settings))

entry = step_page.done("clean")
if entry is not None:
    summary = entry["summary"]
    read, silver, quarantined, duplicates = st.columns(4)
    read.metric("Rows read", f"{summary['rows_read']:,}")
    silver.metric("Silver", f"{summary['rows_silver']:,}")
    quarantined.metric("Quarantined", f"{summary['rows_quarantined']:,}")
    duplicates.metric("Duplicates dropped", f"{summary['duplicates_dropped']:,}")
    accounted = summary["rows_silver"] + summary["rows_quarantined"] + summary[
        "duplicates_dropped"]
    st.caption(f"Every row accounted for: {summary['rows_silver']:,} + "
               f"{summary['rows_quarantined']:,} + {summary['duplicates_dropped']:,} = "
               f"{accounted:,} of {summary['rows_read']:,} read.")
    if summary.get("renamed_columns"):
        renamed = summary["renamed_columns"]
        with st.expander(f"Headers renamed to the spec's names ({len(renamed)})"):
            st.dataframe(pd.DataFrame(renamed.items(), columns=["raw", "canonical"]),
                         hide_index=True, width="stretch")
    repairs, reasons = st.columns(2)
    with repairs:
        st.subheader("Repairs")
        st.dataframe(pd.DataFrame(summary["repairs"].items(), columns=["rule", "rows"]),
                     hide_index=True, width="stretch")
    with reasons:
        st.subheader("Quarantine reasons")
        if summary["quarantine_reasons"]:
            st.bar_chart(pd.Series(summary["quarantine_reasons"], name="rows"), horizontal=True)
        else:
            st.success("Nothing quarantined.")
    quarantine = step_page.table(entry["artifacts"][2], rows=200)
    if quarantine is not None and len(quarantine):
        st.subheader("Quarantined rows (original values and the reason)")
        st.dataframe(quarantine, width="stretch", height=280)
    silver_rows = step_page.table(entry["artifacts"][1], rows=50)
    if silver_rows is not None:
        st.subheader("Silver (first rows)")
        st.dataframe(silver_rows, width="stretch", height=280)
step_page.footer(step, [] if entry is None else entry["artifacts"])

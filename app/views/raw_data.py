"""Raw data: the export a data engineer receives, generated, sampled or uploaded."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import step_page
import streamlit as st
import workshop_sidebar

from demo.data_layer.ingest import read_raw_csv
from demo.data_layer.steps import MAX_ROWS
from demo.paths import SAMPLE_RAW_CSV
from demo.steps import run_step
from demo.walkthrough import load_record
from demo.walkthrough.display import save_uploaded_raw

step = step_page.header("raw")
settings = step_page.settings()
presets = workshop_sidebar.presets()

st.markdown(
    "Every pipeline starts from what the source systems export. Here that is a CSV of telco "
    "customers: a generator draws them from a known churn model and, in the *dirty* preset, "
    "injects the defects of a real export (mixed header styles, stray spaces and case, "
    "missing values, impossible numbers, duplicates)."
)

with st.form("make_raw"):
    st.markdown(f"**Preset:** {'dirty raw export' if presets.dirty else 'clean ground truth'} "
                "(change it in the sidebar)")
    source = st.radio("Source", ["Generate customers", "The committed sample"], horizontal=True,
                      key="raw_source")
    rows_col, seed_col = st.columns(2)
    rows = rows_col.number_input("Rows", min_value=100, max_value=MAX_ROWS,
                                 value=presets.rows, step=100, key="raw_rows")
    seed = seed_col.number_input("Seed", min_value=0, value=settings.seed, key="raw_seed")
    if st.form_submit_button("Make the raw file", type="primary"):
        step_page.run_step("Writing the raw file...", lambda: run_step(
            "raw", settings, **({"source": SAMPLE_RAW_CSV} if source == "The committed sample"
                                else {"rows": int(rows), "seed": int(seed),
                                      "dirty": presets.dirty})))

with st.expander("...or upload your own raw CSV"):
    upload = st.file_uploader("A raw customer export (CSV)", type=["csv"], key="raw_upload")
    used = st.button("Use the uploaded file", key="use_upload", disabled=upload is None)
    if used and step_page.run_step("Reading the upload...", lambda: save_uploaded_raw(
            settings, upload.name, upload.getvalue())):
        st.success(f"Using {upload.name} as the raw file.")


@st.cache_data(show_spinner=False, max_entries=4)
def preview(path: str, modified: float) -> pd.DataFrame:
    return read_raw_csv(Path(path)).head(50)


entry = load_record(settings).get("raw")
if entry is None:
    st.info("No raw file yet: make one above, upload one, or use **Run all steps**.")
    step_page.footer(step)
else:
    summary = entry["summary"]
    rows_metric, columns_metric, source_metric = st.columns(3)
    rows_metric.metric("Lines", f"{summary['lines']:,}", help="below the header; the "
                       "cleaning step parses them into rows")
    columns_metric.metric("Columns", len(summary["columns"]))
    source_metric.metric("Source", summary["source"])
    st.markdown("**Headers as they arrive:** "
                + ", ".join(f"`{c}`" for c in summary["columns"] if not c.startswith("_")))
    path = Path(entry["artifacts"][0])
    if path.exists():
        st.dataframe(preview(str(path), path.stat().st_mtime), width="stretch", height=300)
    if summary.get("defects"):
        st.subheader("Defects injected (the generator's log)")
        st.dataframe(pd.DataFrame(summary["defects"]), hide_index=True, width="stretch")
    step_page.footer(step, [path])

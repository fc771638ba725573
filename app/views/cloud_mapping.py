"""Cloud mapping: every step of the walkthrough and its managed equivalent on one cloud."""

from __future__ import annotations

import pandas as pd
import step_page
import streamlit as st

from demo.walkthrough import STEPS

st.title("Cloud mapping")
st.markdown(
    "The reference architecture is the same on every platform: sources → data management → "
    "training management → model serving → consumers. Only the product names change. Choose a "
    "platform to see which managed service plays each step's part; this laptop's stack is "
    "in the *here* column."
)

provider = st.segmented_control("Platform", step_page.PROVIDERS, default="Databricks",
                                key="cloud_provider") or "Databricks"
services = step_page.reference_table("cloud_services")
if services is None:
    st.warning("The mapping table `datasets/cloud_services.csv` is missing from this checkout; "
               "restore it with git to see the managed services.")
else:
    mapping = pd.DataFrame(
        {
            "step": step.title,
            "layer": step_page.LAYER_LABELS[step.layer],
            "component": step.component,
            provider: step_page.managed_service(services, step.component, provider),
            "here": step_page.managed_service(services, step.component, "local"),
        }
        for step in STEPS
    ).set_index("step")
    st.subheader(f"The walkthrough on {provider}")
    st.table(mapping)
    st.subheader("The whole reference table, with sources")
    st.dataframe(services, hide_index=True, width="stretch")
st.info("The fifth takeaway of the talk: the choice of cloud matters less than you expect. "
        "The tools differ; the layers, the hand-offs and the principles do not.")

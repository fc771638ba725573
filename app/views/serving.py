"""Serving: the registered champion behind the real FastAPI app, one customer or a batch."""

from __future__ import annotations

from typing import Any

import pandas as pd
import step_page
import streamlit as st
import workshop_sidebar

from demo.deployment_layer import client as api_client
from demo.deployment_layer.steps import TRAFFIC_ROWS
from demo.feature_spec import ID_COLUMN, MODEL_INPUTS
from demo.steps import run_step
from demo.walkthrough.display import record_answers, registry_stamp, save_upload

step = step_page.header("serve")
settings = step_page.settings()

st.markdown(
    "The software developer puts the model behind an API. This page calls the course's real "
    "FastAPI app (`POST /predict`), which loads `models:/churn-classifier@champion` (and the "
    "challenger, for a share of customers: an A/B test), validates every field against the "
    "feature spec and logs every prediction."
)


@st.cache_resource(max_entries=2, on_release=api_client.stop, show_spinner=False)
def api(workspace: str, share: float, registry_stamp: str) -> Any:
    """One started API per workspace, challenger share and registry state."""
    return api_client.start_in_process(step_page.settings(), share)


def show_answer(answer: api_client.ApiAnswer) -> None:
    if answer.status != 200:
        st.error(f"The API refused the request (HTTP {answer.status}): "
                 + "; ".join(answer.problems()) + ". Correct the value and send it again.")
        return
    predictions = pd.json_normalize(answer.body["predictions"])
    latency, rows, share = st.columns(3)
    latency.metric("Latency", f"{answer.latency_ms:.1f} ms")
    rows.metric("Customers answered", answer.rows)
    by_alias = answer.by_alias()
    share.metric("Answered by the challenger",
                 f"{by_alias.get('challenger', 0) / max(answer.rows, 1):.0%}")
    st.dataframe(predictions, hide_index=True, width="stretch", height=min(300, 40 + 35 * len(
        predictions)))


def customer_form() -> dict[str, Any] | None:
    with st.form("customer"):
        values: dict[str, Any] = {ID_COLUMN: st.text_input("customer_id", "7590-VHVEG",
                                                           key="serve_customer_id")}
        columns = st.columns(4)
        for index, feature in enumerate(MODEL_INPUTS):
            column = columns[index % 4]
            if feature.is_categorical:
                options = list(feature.allowed or ())
                values[feature.name] = column.selectbox(
                    feature.name, options, index=options.index(feature.example),
                    key=f"serve_{feature.name}", help=feature.description)
            elif feature.kind == "float":
                values[feature.name] = column.number_input(
                    feature.name, value=float(feature.example), key=f"serve_{feature.name}",
                    help=f"{feature.description} Allowed: {feature.minimum} to {feature.maximum}.")
            else:
                values[feature.name] = int(column.number_input(
                    feature.name, value=int(feature.example), step=1,
                    key=f"serve_{feature.name}",
                    help=f"{feature.description} Allowed: {feature.minimum} to {feature.maximum}."))
        submitted = st.form_submit_button("Ask the API", type="primary")
    return values if submitted else None


if step_page.missing_prerequisite(step) is None:
    share = st.slider("Share of customers routed to the challenger (A/B test)", 0.0, 0.5,
                      settings.policy.serving_challenger_share, step=0.05, key="serve_share")
    client = step_page.run_step("Starting the API (loading the models)...", lambda: api(
        str(settings.workspace), share, registry_stamp(settings)))
    ready = client.get("/ready").json() if client is not None else {"reason": "no API"}
    if not ready.get("ready"):
        st.error(f"The API is not ready: {ready.get('reason')}. Register a model on the "
                 "Registry page first.")
        st.stop()
    served = client.get("/model").json()
    champion, challenger = served["champion"], served["challenger"]
    st.caption(f"Serving champion version {champion['version']} ({champion['serving_route']})"
               + (f"; challenger version {challenger['version']} on {share:.0%} of customers"
                  if challenger else "; no challenger registered, so every customer gets the "
                  "champion"))

    single, batch = st.tabs(["One customer (form)", "A batch (CSV upload)"])
    with single:
        payload = customer_form()
        if payload is not None:
            answer = api_client.ask(client, payload, "form")
            record_answers(settings, [answer], share)
            show_answer(answer)
    with batch:
        upload = st.file_uploader("Raw customers to score (CSV, the export's format)",
                                  type=["csv"], key="serve_upload")
        left, right = st.columns(2)
        send_upload = left.button("Score the uploaded file", key="serve_send_upload",
                                  disabled=upload is None)
        presets = workshop_sidebar.presets()
        send_traffic = right.button(f"Send {TRAFFIC_ROWS} customers of "
                                    f"'{presets.traffic}' traffic", key="serve_send_traffic")
        path = None
        if send_upload and upload is not None:
            path = save_upload(settings, upload.name, upload.getvalue())
        elif send_traffic:  # the serve step, with its own API: this page's one lets go first
            api.clear()
            step_page.run_step("Sending traffic...", lambda: run_step(
                "serve", settings, traffic=presets.traffic, dirty=presets.dirty,
                challenger_share=share))
        if path is not None:
            prepared = step_page.run_step("Cleaning the batch...",
                                          lambda: api_client.customers_from_csv(path))
            if prepared is not None:
                customers, cleaning = prepared
                st.caption(f"{cleaning['rows_read']:,} rows read, {cleaning['rows_usable']:,} "
                           f"sent, {cleaning['rows_quarantined']:,} quarantined by the data "
                           "layer's rules.")
                answers = api_client.ask_in_batches(client, customers)
                record_answers(settings, answers, share)
                for answer in answers:
                    show_answer(answer)

entry = step_page.done("serve")
if entry is not None:
    summary = entry["summary"]
    st.subheader("Requests so far")
    st.dataframe(pd.DataFrame(summary["answers"]), hide_index=True, width="stretch")
    st.markdown("**Customers answered, by alias**")
    st.bar_chart(pd.Series(summary["served_by_alias"], name="customers"), horizontal=True)
step_page.footer(step, [] if entry is None else entry["artifacts"])

"""The presenter's helpers in the sidebar: scenario presets, run all steps, reset."""

from __future__ import annotations

import streamlit as st

from demo import walkthrough
from demo.errors import DemoError
from demo.steps import Step, run_all

DONE, NOT_YET = ":material/check_circle:", ":material/radio_button_unchecked:"
DATA_PRESETS = {"Dirty raw export": True, "Clean data (ground truth)": False}


def presets() -> walkthrough.Presets:
    """The presets chosen in the sidebar (defaults before the sidebar has rendered)."""
    dirty = DATA_PRESETS[st.session_state.get("preset_data", next(iter(DATA_PRESETS)))]
    traffic = st.session_state.get("preset_traffic", walkthrough.DEFAULT_TRAFFIC)
    rows = int(st.session_state.get("preset_rows", walkthrough.DEFAULT_ROWS))
    return walkthrough.Presets(dirty=dirty, traffic=traffic, rows=rows)


def render() -> None:
    settings = walkthrough.app_settings()
    with st.sidebar:
        st.header("Workshop")
        st.caption(f"Workspace: `{settings.workspace}`")
        st.radio("Raw data", list(DATA_PRESETS), key="preset_data",
                 help="Which raw data the walkthrough starts from.")
        scenarios = walkthrough.traffic_scenarios()
        st.selectbox("Production traffic", scenarios,
                     index=scenarios.index(walkthrough.DEFAULT_TRAFFIC), key="preset_traffic",
                     help="The batch the serving and monitoring steps receive.")
        st.number_input("Customers in the raw file", 500, 50_000, walkthrough.DEFAULT_ROWS,
                        step=500, key="preset_rows")
        if st.button("Run all steps", key="run_all", type="primary", width="stretch"):
            _run_all(settings)
        if st.button("Reset the workspace", key="reset", width="stretch"):
            st.cache_resource.clear()  # stops the API first: it holds the prediction log
            st.cache_data.clear()
            removed = walkthrough.reset_workspace(settings)
            st.success(f"Workspace reset ({len(removed)} items removed).")


def render_status() -> None:
    """Which steps have run (drawn after the page, so it includes what the page just did)."""
    done = walkthrough.completed_steps(walkthrough.app_settings())
    with st.sidebar:
        st.caption(f"Steps done: {len(done)} of {len(walkthrough.STEPS)}")
        st.markdown("\n".join(
            f"- {DONE if step.key in done else NOT_YET} {step.title}" for step in walkthrough.STEPS
        ))


def _run_all(settings: walkthrough.Settings) -> None:
    bar = st.progress(0.0, text="Starting...")

    def on_step(step: Step, index: int) -> None:
        title = walkthrough.STEPS_BY_KEY[step.key].title
        bar.progress(index / len(walkthrough.STEPS), text=f"{title}...")

    try:
        run_all(settings, presets().step_options(), on_step=on_step)
    except DemoError as exc:
        bar.empty()
        st.error(f"Run all stopped: {exc}")
        return
    st.cache_data.clear()
    st.cache_resource.clear()
    bar.progress(1.0, text="All steps done.")

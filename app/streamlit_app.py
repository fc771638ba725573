"""The workshop walkthrough: raw data to a deployed, monitored model, one page per step.

Run with ``make app``. The pages follow the talk's order; the sidebar holds the workshop
helpers (presets, run all, reset). Everything runs locally and offline.
"""

from __future__ import annotations

import importlib
import threading

# page_index and workshop_sidebar sit beside this file (Streamlit puts its folder on sys.path).
import page_index
import streamlit as st
import workshop_sidebar

from demo.settings import configure_offline
from demo.walkthrough import STEPS_BY_KEY

configure_offline()

# Imported in the background while the presenter talks over the overview, so that the first
# visit of a step page does not wait for them.
HEAVY_MODULES = ("altair", "mlflow", "sklearn.ensemble", "fastapi.testclient",
                 "demo.deployment_layer.api", "great_expectations")  # most pages' needs first


def _import_heavy_modules() -> None:
    for name in HEAVY_MODULES:
        importlib.import_module(name)


@st.cache_resource(show_spinner=False)
def warm_up() -> threading.Thread:
    """Start importing the heavy libraries, once per server process."""
    thread = threading.Thread(target=_import_heavy_modules, name="warm-up", daemon=True)
    thread.start()
    return thread


st.set_page_config(page_title="AI/ML Architecture — walkthrough", layout="wide")


def _step(key: str) -> st.Page:
    return st.Page(page_index.STEP_PAGES[key], title=STEPS_BY_KEY[key].title)


navigation = st.navigation(  # every page listed: a workshop jumps around
    {
        "Start": [st.Page(page_index.OVERVIEW, title="Overview", default=True)],
        "Data layer": [_step("raw"), _step("clean"), _step("contract"), _step("features")],
        "Model layer": [_step("train"), _step("registry")],
        "Deployment layer": [_step("serve"), _step("monitor"), _step("retrain")],
        "Wrap-up": [
            st.Page(page_index.CLOUD_MAPPING, title="Cloud mapping"),
            st.Page(page_index.BEST_PRACTICES, title="Best practices"),
            st.Page(page_index.CLASS_ROOM, title="The room"),
        ],
    },
    expanded=True,
)
warm_up()
workshop_sidebar.render()
navigation.run()
workshop_sidebar.render_status()

"""The room: every learner's best model on one leaderboard, read from the shared tracking server.

For a workshop on the platform profile (`make platform` on the instructor's machine, each
learner's `make demo PROFILE=platform LEARNER=<name>`). Layout only: the facts come from
``demo.platform.leaderboard``.
"""

from __future__ import annotations

import step_page
import streamlit as st

from demo.platform import leaderboard
from demo.platform.tracking_server import healthy
from demo.profile import load_profile

st.title("The room")
st.markdown(
    "On the **platform** profile every learner logs to the instructor's MLflow tracking "
    "server (PostgreSQL behind it), so the room's runs sit side by side. Runs are only "
    "compared on the same held-out rows: those trained on the room's common data."
)
settings = step_page.settings()
url = st.text_input("Tracking server", value=load_profile("platform").tracking_uri(""),
                    key="room_tracking_url")
if not healthy(url):
    st.info(f"No tracking server answers at {url}. The instructor starts one with "
            "`make platform` (add `PLATFORM_HOST=0.0.0.0` for a room of laptops).")
    st.stop()

runs = leaderboard.room_runs(url, settings.experiment_name)
best, elsewhere = leaderboard.leaderboard(runs)
learners, candidate_runs = st.columns(2)
learners.metric("Learners", best["learner"].nunique() if not best.empty else 0)
candidate_runs.metric("Candidate runs", len(runs))
if best.empty:
    st.info("No candidate runs yet: each learner runs `make demo PROFILE=platform LEARNER=<name>`.")
    st.stop()
st.subheader("Leaderboard: each learner's best candidate, on the same held-out rows")
st.dataframe(best.drop(columns=["data_hash"]), width="stretch")
st.bar_chart(best.set_index("learner")[leaderboard.METRIC])
if not elsewhere.empty:
    st.subheader("Runs on other data (not comparable)")
    st.dataframe(elsewhere, hide_index=True, width="stretch")
st.subheader("Who promoted what")
versions = leaderboard.promotions(url, settings.model_name)
if versions.empty:
    st.write("No model registered on the server yet.")
else:
    st.dataframe(versions, hide_index=True, width="stretch")

"""Overview: the reference architecture, its three layers, the roles, and where you are."""

from __future__ import annotations

import page_index
import pandas as pd
import step_page
import streamlit as st

from demo.walkthrough import STEPS, completed_steps

LAYER_PURPOSE = {
    "data": "collects, stores and prepares data for modelling",
    "model": "trains, tracks and versions models",
    "deployment": "delivers models to users and keeps their quality up",
}


def architecture_dot(done: list[str]) -> str:
    """The reference architecture as a Graphviz diagram; finished steps are green."""
    next_key = next((s.key for s in STEPS if s.key not in done), None)
    lines = ["digraph {", "rankdir=LR;",
             'node [shape=box, style="rounded,filled", fillcolor="#f0f2f6", fontname="sans-serif"];',
             'sources [label="Sources\\n(raw CSV exports)", shape=cylinder];',
             'consumers [label="Consumers\\n(apps, BI, people)", shape=oval];']
    for layer in ("data", "model", "deployment"):
        lines.append(f'subgraph cluster_{layer} {{ label="{step_page.LAYER_LABELS[layer]}"; '
                     'style=rounded;')
        for step in (s for s in STEPS if s.layer == layer):
            colour = "#b7e4c7" if step.key in done else (
                "#ffe8a3" if step.key == next_key else "#f0f2f6")
            lines.append(f'{step.key} [label="{step.title}\\n({step.role})", '
                         f'fillcolor="{colour}"];')
        lines.append("}")
    lines += ["sources -> raw; raw -> clean -> contract -> features -> train -> registry;",
              "registry -> serve -> consumers; registry -> monitor -> retrain;",
              'retrain -> registry [style=dashed, label="promote"];', "}"]
    return "\n".join(lines)


settings = step_page.settings()
done = completed_steps(settings)

st.title("AI/ML Architecture — how it all fits together")
st.markdown(
    "One small churn model, taken from a raw CSV export to a served, monitored and retrained "
    "model, one page per step. Each page runs the real code of the course's `demo` package "
    "on this laptop: no cloud account and no network needed."
)

st.subheader("The reference architecture, and where you are")
st.graphviz_chart(architecture_dot(done))
next_step = next((s for s in STEPS if s.key not in done), None)
if next_step is None:
    st.success("Every step has run. Try another drift scenario on the Monitoring page.")
else:
    st.info(f"{len(done)} of {len(STEPS)} steps done. Next: **{next_step.title}** "
            f"({next_step.role}, {step_page.LAYER_LABELS[next_step.layer].lower()}).")
    st.page_link(page_index.STEP_PAGES[next_step.key], label=f"Go to {next_step.title}")

st.subheader("Three layers")
st.dataframe(
    pd.DataFrame(
        {
            "layer": step_page.LAYER_LABELS[layer],
            "purpose": purpose,
            "steps": ", ".join(s.title for s in STEPS if s.layer == layer),
            "roles": ", ".join(sorted({s.role for s in STEPS if s.layer == layer})),
        }
        for layer, purpose in LAYER_PURPOSE.items()
    ),
    hide_index=True,
    width="stretch",
)

st.subheader("The roles")
roles = step_page.reference_table("roles")
if roles is None:
    st.caption("The roles table `datasets/roles.csv` is not available.")
else:
    shown = ["role", "mission", "hands_off_to", "artifact_handed_off", "in_this_course"]
    st.dataframe(roles[[c for c in shown if c in roles.columns]], hide_index=True,
                 width="stretch")

"""What every step page shows around its own content: where it sits, who owns it, what it made.

Layout only: the facts come from ``demo.walkthrough.STEPS`` and the reference tables in
``datasets/``; the work is done by the ``demo`` functions the pages call.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import pandas as pd
import streamlit as st

from demo.errors import DemoError
from demo.paths import DATASETS_DIR
from demo.settings import Settings
from demo.walkthrough import (
    STEPS,
    STEPS_BY_KEY,
    Step,
    app_settings,
    load_record,
    resolve_function,
)

T = TypeVar("T")

LAYER_LABELS = {"data": "Data layer", "model": "Model layer", "deployment": "Deployment layer"}
PROVIDERS = ("Databricks", "Azure", "GCP", "AWS")


def settings() -> Settings:
    """The app's workspace settings (``DEMO_WORKSPACE`` or ``workspace/app``)."""
    return app_settings()


@st.cache_data(show_spinner=False)
def reference_table(name: str) -> pd.DataFrame | None:
    """A reference table from ``datasets/`` (``cloud_services``, ``roles`` ...), or None."""
    path = DATASETS_DIR / f"{name}.csv"
    if not path.exists():
        return None
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def header(step_key: str) -> Step:
    """Title, layer, owning role and the walkthrough's position for one step page."""
    step = STEPS_BY_KEY[step_key]
    position = [s.key for s in STEPS].index(step_key) + 1
    st.title(step.title)
    layer, role, where = st.columns(3)
    layer.metric("Layer", LAYER_LABELS[step.layer])
    role.metric("Owned by", step.role[:1].upper() + step.role[1:])
    where.metric("Step", f"{position} of {len(STEPS)}")
    trail = " → ".join(f"**{s.title}**" if s.key == step_key else s.title for s in STEPS)
    st.caption(trail)
    return step


def footer(step: Step, artifacts: Iterable[Path] = ()) -> None:
    """The artifact and its place in the workspace, the demo function, the cloud equivalent."""
    st.divider()
    workspace = settings().workspace
    st.subheader("What this step leaves behind")
    st.markdown(f"**Artifact:** {step.artifact}")
    shown = [Path(p) for p in artifacts if p is not None]
    if shown:
        for path in shown:
            st.code(_relative(path, workspace), language=None)
    else:
        st.caption(f"Nothing yet in the workspace `{workspace}`: run the step above.")
    function_source(step.function)
    cloud_equivalent(step.component)


def _relative(path: Path, workspace: Path) -> str:
    try:
        return f"<workspace>/{path.resolve().relative_to(workspace)}"
    except ValueError:
        return str(path)


def function_source(dotted: str) -> None:
    """The demo function that did the work, with its source in an expander."""
    try:
        function = resolve_function(dotted)
    except DemoError as exc:
        st.caption(f"The function `{dotted}`: {exc}.")
        return
    with st.expander(f"The code that did it: `{dotted.replace(':', '.')}`"):
        st.code(inspect.getsource(function), language="python")


def managed_service(services: pd.DataFrame, component: str, provider: str) -> str:
    """The provider's service for a reference-architecture component ("—" when none)."""
    columns = {c.lower(): c for c in services.columns}
    rows = services[services[columns["component"]].str.lower() == component.lower()]
    if rows.empty or provider.lower() not in columns:
        return "—"
    return str(rows.iloc[0][columns[provider.lower()]]) or "—"


def cloud_equivalent(component: str) -> None:
    """The managed services that play this step's part on each cloud."""
    services = reference_table("cloud_services")
    st.markdown(f"**In the cloud** (component: *{component}*)")
    if services is None:
        st.caption("The cloud mapping table `datasets/cloud_services.csv` is not available.")
        return
    st.table(pd.DataFrame(
        {"where": [*PROVIDERS, "This course (local)"],
         "service": [managed_service(services, component, p) for p in (*PROVIDERS, "local")]}
    ).set_index("where"))


def run_step(label: str, action: Callable[[], T]) -> T | None:
    """Run a step with a spinner; a user's mistake becomes a message on the page."""
    try:
        with st.spinner(label):
            return action()
    except DemoError as exc:
        st.error(str(exc))
        return None


def needs(step_key: str) -> None:
    """Say which earlier step must run first, with a link to its page."""
    from page_index import STEP_PAGES

    step = STEPS_BY_KEY[step_key]
    st.info(f"This step needs the output of **{step.title}**: run it first (or use "
            "**Run all steps** in the sidebar).")
    st.page_link(STEP_PAGES[step_key], label=f"Go to {step.title}")


def missing_prerequisite(step: Step) -> str | None:
    """The first earlier step that has not run (after saying so on the page), else None."""
    from demo.steps import prerequisites

    record = load_record(settings())
    for key in prerequisites(step.key, settings()):
        if key not in record:
            needs(key)
            return key
    return None


@st.cache_data(show_spinner=False, max_entries=16)
def _read_parquet(path: str, modified: float, rows: int | None) -> pd.DataFrame:
    frame = pd.read_parquet(path)
    return frame if rows is None else frame.head(rows)


def table(path: str | Path, rows: int | None = None) -> pd.DataFrame | None:
    """A Parquet artifact (its first ``rows``), cached until the file changes; None if gone."""
    path = Path(path)
    if not path.exists():
        return None
    return _read_parquet(str(path), path.stat().st_mtime, rows)


def done(step_key: str) -> dict | None:
    """The recorded result of a step, or None when it has not run in this workspace."""
    return load_record(settings()).get(step_key)


def run_or_warn(action: Callable[[], T]) -> T | None:
    """Read something a step left (no spinner); a problem becomes a warning on the page."""
    try:
        return action()
    except DemoError as exc:
        st.warning(str(exc))
        return None


def action_button(step: Step, label: str, spinner: str, action: Callable[[], object]) -> None:
    """The step's one-click action, offered once its prerequisites have run."""
    if missing_prerequisite(step) is None and st.button(label, type="primary",
                                                        key=f"run_{step.key}"):
        run_step(spinner, action)


def promotion(promoted: bool, message: str, scores: list[tuple[str, float | None]],
              serving_version: str) -> None:
    """A promotion decision: the verdict, both scores and the version serving now."""
    (st.success if promoted else st.warning)(message)
    columns = st.columns(len(scores) + 1)
    for column, (label, score) in zip(columns, scores, strict=False):
        if score is not None:
            column.metric(label, f"{score:.4f}")
    columns[-1].metric("Serving now", f"version {serving_version}")

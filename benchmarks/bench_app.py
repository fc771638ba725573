"""The Streamlit walkthrough: "run all" end to end, and how fast each page is ready.

One fresh interpreter (``run_measured``) runs every step with the workshop's default presets
(the 7,043-row dirty raw file, price-rise traffic), timing each step, then opens every page
with Streamlit's AppTest twice (first render, and again). A second fresh interpreter then
opens the heaviest pages once on that workspace, as after restarting the app: the first
render there pays the imports (altair, MLflow, scikit-learn) and loading the API's models.

Targets (from the course's app issue): each page ready in <= 2 s once its step has run
(AppTest timing), and "run all" <= 30 s.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.common import BenchRow, run_measured

TARGET_PAGE_SECONDS = 2.0
TARGET_RUN_ALL_SECONDS = 30.0
FULL_ROWS = 7_043
QUICK_ROWS = 1_500

CHILD = """
import json, os, sys, time
os.environ["DEMO_WORKSPACE"] = {workspace!r}
from demo.paths import PROJECT_ROOT
from demo.settings import configure_offline
configure_offline()
from demo.steps import run_all
from demo.walkthrough import Presets, app_settings
marks = []
start = time.perf_counter()
run_all(app_settings(), Presets(rows={rows}).step_options(),
        on_step=lambda step, index: marks.append((step.key, time.perf_counter())))
end = time.perf_counter()
figures = {{"run_all": end - start}}
ends = [t for _, t in marks[1:]] + [end]
figures.update({{f"step.{{key}}": e - t for (key, t), e in zip(marks, ends)}})
sys.path.insert(0, str(PROJECT_ROOT / "app"))
import page_index
from streamlit.testing.v1 import AppTest
script = str(PROJECT_ROOT / "app" / "streamlit_app.py")
AppTest.from_file(script, default_timeout=300).run()
for page in page_index.ALL_PAGES:
    for visit in ("first", "again"):
        app = AppTest.from_file(script, default_timeout=300).run()
        app.switch_page(page)
        t = time.perf_counter()
        app.run()
        figures[f"page.{{page}}.{{visit}}"] = time.perf_counter() - t
        if app.exception:
            raise SystemExit(f"{{page}}: {{app.exception[0].message}}")
print(json.dumps(figures))
"""

COLD_PAGES = ("views/training.py", "views/serving.py", "views/monitoring.py",
              "views/best_practices.py")
COLD_CHILD = """
import json, os, sys, time
os.environ["DEMO_WORKSPACE"] = {workspace!r}
from demo.paths import PROJECT_ROOT
from demo.settings import configure_offline
configure_offline()
from streamlit.testing.v1 import AppTest
script = str(PROJECT_ROOT / "app" / "streamlit_app.py")
figures = {{}}
for page in {pages!r}:
    app = AppTest.from_file(script, default_timeout=300)
    t = time.perf_counter()
    app.run()
    app.switch_page(page).run()
    figures[page] = time.perf_counter() - t
print(json.dumps(figures))
"""


def run(quick: bool) -> list[BenchRow]:
    rows = QUICK_ROWS if quick else FULL_ROWS
    with tempfile.TemporaryDirectory() as folder:
        workspace = str(Path(folder) / "workspace")
        figures = run_measured(CHILD.format(rows=rows, workspace=workspace))
        cold = run_measured(COLD_CHILD.format(workspace=workspace, pages=COLD_PAGES))
    steps = ", ".join(f"{k.removeprefix('step.')} {v:.1f} s" for k, v in figures.items()
                      if k.startswith("step."))
    results = [BenchRow("app", "run all steps (sidebar button)", f"{rows:,} rows",
                        figures["run_all"], "s", f"<= {TARGET_RUN_ALL_SECONDS:.0f} s",
                        figures["run_all"] <= TARGET_RUN_ALL_SECONDS, steps)]
    for key, seconds in figures.items():
        if not (key.startswith("page.") and key.endswith(".again")):
            continue
        page = key.removeprefix("page.").removesuffix(".again")
        first = figures[f"page.{page}.first"]
        results.append(BenchRow(
            "app", f"page ready: {page.removeprefix('views/').removesuffix('.py')}",
            "after run all", seconds, "s", f"<= {TARGET_PAGE_SECONDS:.0f} s",
            seconds <= TARGET_PAGE_SECONDS,
            f"first render {first:.2f} s (same process as run all: libraries loaded)"))
    for page in COLD_PAGES:
        results.append(BenchRow(
            "app", f"first visit after a restart: {page.removeprefix('views/')[:-3]}",
            "fresh process", cold[page], "s", note="overview + this page: imports, API start"))
    results.append(BenchRow("app", "peak memory, run all + every page", f"{rows:,} rows",
                            figures["peak_mb"], "MB", note=f"whole child {figures['wall_s']:.0f} s"))
    return results

"""Grading: a whole class through ``python -m grading``, and ``check`` inside a notebook.

The class is generated from the solved notebooks (``grading.samples``): good submissions,
partial ones (starters for some exercises), and one of each hostile kind. Each figure comes
from a fresh interpreter, so nothing is warm from an earlier benchmark.
"""

from __future__ import annotations

from benchmarks.common import BenchRow, run_measured

CLASS_TARGET_S = 120.0

CLASS_CODE = """
import json, shutil, tempfile, time
from pathlib import Path
from grading import samples
from grading.__main__ import main

size = {size}
base = Path(tempfile.mkdtemp(prefix="bench-grading-"))
hostile = [name for name in samples.HISTORY_VARIANTS if name not in ("good", "partial")]
students = {{}}
for index in range(size):
    kind = index % 3
    if kind == 0:
        students[f"good-{{index:02d}}"] = samples.full_submission(samples.solved("01_history"))
    elif kind == 1:
        students[f"partial-{{index:02d}}"] = samples.full_submission(
            samples.history_partial(), solve_others=index % 2 == 0)
    else:
        name = hostile[(index // 3) % len(hostile)]
        students[f"{{name}}-{{index:02d}}"] = samples.full_submission(
            samples.HISTORY_VARIANTS[name]())
for name, notebooks in students.items():
    samples.write_student(base / "class" / name, notebooks)
start = time.perf_counter()
code = main(["--submissions", str(base / "class"), "--out", str(base / "out")])
seconds = time.perf_counter() - start
rows = (base / "out" / "gradebook.csv").read_text().splitlines()
shutil.rmtree(base)
print(json.dumps({{"seconds": seconds, "code": code, "rows": len(rows) - 1,
                  "students": len(students)}}))
"""

CHECK_CODE = """
import json, statistics, time
from grading.check import check_question
from grading.notebook import load_notebook
from demo.paths import SOLUTIONS_DIR

namespace = load_notebook(SOLUTIONS_DIR / "01_history" / "exercise.ipynb").namespace
values = {k: getattr(namespace, k) for k in dir(namespace)}
start = time.perf_counter()
first = check_question("01_history", "q1", values)
cold = time.perf_counter() - start
warm = []
for _ in range(5):
    start = time.perf_counter()
    check_question("01_history", "q1", values)
    warm.append(time.perf_counter() - start)
assert "all checks passed" in first, first
print(json.dumps({"cold": cold, "warm": statistics.median(warm)}))
"""


def run(quick: bool = False) -> list[BenchRow]:
    size = 6 if quick else 30
    figures = run_measured(CLASS_CODE.format(size=size), timeout=1800)
    per_student = figures["seconds"] / figures["students"]
    rows = [
        BenchRow("grading", "grade a class (python -m grading, all exercises)",
                 f"{size} submissions", figures["seconds"], "s",
                 target=f"<= {CLASS_TARGET_S:g} s" if not quick else "",
                 met=figures["seconds"] <= CLASS_TARGET_S if not quick else None,
                 note=f"{per_student:.1f} s per submission; good, partial and every hostile "
                      f"kind; peak memory {figures['peak_mb']:,.0f} MB"),
    ]
    check = run_measured(CHECK_CODE, timeout=600)
    rows.append(BenchRow("grading", "check('q1') in a notebook, warm (median of 5)",
                         "4 tests", check["warm"] * 1000, "ms",
                         note=f"first call {check['cold']:.2f} s (imports pytest)"))
    return rows

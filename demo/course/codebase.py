"""Measure this repository the way Google's MLOps article draws a real ML system.

The article's figure shows the ML code as a small box among many others (configuration, data
collection and verification, feature extraction, serving, monitoring ...). Here every module
of ``demo/`` is assigned to one of those boxes and its lines are counted, so the claim can be
checked on a real, if small, system.
"""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path

import pandas as pd

from demo.paths import PROJECT_ROOT

# The boxes of the article's figure, and which of our modules belong to each (first match wins).
AREAS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("configuration", ("demo/settings.py", "demo/feature_spec.py", "demo/paths.py")),
    ("data collection", ("demo/data_layer/ingest.py",)),
    ("data verification", ("demo/data_layer/clean.py", "demo/data_layer/contract*.py",
                           "demo/data_layer/quarantine*.py")),
    ("feature extraction", ("demo/data_layer/features.py",)),
    ("ML code", ("demo/model_layer/candidates.py", "demo/model_layer/train.py",
                 "demo/model_layer/split.py", "demo/model_layer/tune*.py")),
    ("analysis tools", ("demo/model_layer/evaluate.py", "demo/model_layer/lineage.py")),
    ("process management", ("demo/pipeline*.py", "demo/cli.py", "demo/console.py",
                            "demo/errors.py", "demo/__main__.py", "demo/*/commands.py",
                            "demo/steps.py", "demo/step_record.py", "demo/catalog.py",
                            "demo/*/steps.py",
                            "demo/model_layer/tracking.py", "demo/model_layer/store.py",
                            "demo/model_layer/loading.py",
                            "demo/model_layer/registry.py", "demo/walkthrough/*")),
    ("serving infrastructure", ("demo/deployment_layer/api*.py",
                                "demo/deployment_layer/scoring.py",
                                "demo/deployment_layer/fast_path.py",
                                "demo/deployment_layer/schemas.py",
                                "demo/deployment_layer/client.py",
                                "demo/deployment_layer/serve*.py")),
    ("monitoring", ("demo/deployment_layer/monitoring*.py", "demo/deployment_layer/retrain*.py",
                    "demo/deployment_layer/prediction_log*.py")),
    # Modules not named above fall into their layer's main area.
    ("data verification", ("demo/data_layer/*",)),
    ("ML code", ("demo/model_layer/*",)),
    ("serving infrastructure", ("demo/deployment_layer/*",)),
    ("process management", ("demo/*",)),
)
# Not part of the system being measured: the lessons' helpers, and the generator that stands
# in for the company's source systems (in production, that data would simply arrive).
EXCLUDED = ("demo/course/*", "demo/synthetic/*", "*/__init__.py")


def area_of(relative_path: str) -> str:
    """The figure's box a module belongs to ('other' when none matches)."""
    for area, patterns in AREAS:
        if any(fnmatch(relative_path, pattern) for pattern in patterns):
            return area
    return "other"


def count_code_lines(text: str) -> int:
    """Lines that are neither blank nor comments (docstrings count: they are maintained too)."""
    return sum(1 for line in text.splitlines() if line.strip() and not line.strip().startswith("#"))


def lines_by_area(root: Path = PROJECT_ROOT) -> pd.DataFrame:
    """One row per area: modules, lines of code, and the share of the whole package."""
    rows = []
    for path in sorted((root / "demo").rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if any(fnmatch(relative, pattern) for pattern in EXCLUDED):
            continue
        rows.append({"area": area_of(relative), "module": relative,
                     "lines": count_code_lines(path.read_text(encoding="utf-8"))})
    modules = pd.DataFrame(rows, columns=["area", "module", "lines"])
    table = modules.groupby("area").agg(modules=("module", "count"), lines=("lines", "sum"))
    table["share"] = table["lines"] / table["lines"].sum()
    return table.sort_values("lines", ascending=False)

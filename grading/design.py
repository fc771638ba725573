"""Design questions: the learner lays out a system for a brief, as plain data, and the checks
hold it to the brief.

The answer is a dict in the notebook::

    design = {
        "platform": "gcp",                       # a column of datasets/cloud_services.csv
        "boxes": {                               # components of its `component` column
            "storage": {"service": "Cloud Storage", "owner": "data engineer",
                        "reason": "one line tied to the brief"},
            ...
        },
    }

Auto-graded: every stage of the architecture has a box; the brief's hard constraints (its
platform, the boxes it needs, the ones it rules out, lineage when it is regulated, the roles
the team has); services the table gives for that box on that platform; owners from
``datasets/roles.csv`` whose mission covers the box's stage. The reasons are not scored by a
program: a ``test_rubric_*`` test lists them and ``make grade`` writes them to the rubric
sheet for the instructor. A test file turns a ``Brief`` into its tests with ``design_tests``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from demo.paths import DATASETS_DIR

PROVIDERS = ("databricks", "azure", "gcp", "aws", "local")
STAGES = ("data management", "training management", "model serving")
LINEAGE = {"experiment tracking": "which data and settings made each model",
           "model registry": "which model version made each decision"}
# The roles whose mission (datasets/roles.csv) covers a stage's boxes.
OWNERS_BY_STAGE = {
    "sources": {"data engineer"},
    "data management": {"data engineer", "data scientist"},
    "training management": {"data scientist", "MLOps engineer"},
    "model serving": {"MLOps engineer", "data engineer"},
    "consumers": {"business analyst", "software developer", "MLOps engineer"},
}
MIN_REASON_WORDS = 4
MIN_SERVICE_CHARS = 8  # "Dataflow", "BigQuery"; not "Amazon" or "Azure"
UNAVAILABLE = ("none", "not used", "not part")  # how the table says a platform lacks a box


@dataclass(frozen=True)
class Brief:
    """A brief's hard constraints, as the checks apply them (the story is in the notebook)."""

    platform: str
    needs: dict[str, str]  # box -> why the brief needs it
    rules_out: dict[str, str] = field(default_factory=dict)  # box -> why it has no place
    regulated: bool = False  # lineage required: experiment tracking and a model registry
    team: tuple[str, ...] = ("business analyst", "data engineer", "data scientist",
                             "MLOps engineer", "software developer")
    owners_by_stage: dict[str, set[str]] = field(default_factory=lambda: OWNERS_BY_STAGE)


@cache
def services() -> Any:
    import pandas as pd

    return pd.read_csv(DATASETS_DIR / "cloud_services.csv")


@cache
def roles() -> frozenset[str]:
    import pandas as pd

    return frozenset(pd.read_csv(DATASETS_DIR / "roles.csv")["role"])


def stage_of(box: str) -> str | None:
    table = services()
    found = table.loc[table["component"].str.lower() == box.strip().lower(), "stage"]
    return str(found.iloc[0]) if len(found) else None


def offered(box: str, platform: str) -> str:
    """What the table gives for ``box`` on ``platform`` ('' when either is unknown)."""
    table = services()
    row = table[table["component"].str.lower() == box.strip().lower()]
    return str(row[platform].iloc[0]) if platform in PROVIDERS and len(row) else ""


def design_boxes(design: Any) -> dict[str, dict[str, str]]:
    """The design's boxes, keyed by lower-case name, after checking the shape."""
    assert type(design) is dict, f"design should be a dict, got {type(design).__name__}"
    boxes = design.get("boxes")
    assert type(boxes) is dict and boxes, "design['boxes'] should be a dict with one entry per box"
    for name, box in boxes.items():
        assert type(box) is dict, f"box {name!r} should be a dict, got {type(box).__name__}"
        missing = [key for key in ("service", "owner", "reason")
                   if type(box.get(key)) is not str or not box.get(key).strip()]
        assert not missing, f"box {name!r} should give {', '.join(missing)} as text"
    return {str(name).strip().lower(): box for name, box in boxes.items()}


def check_stages(design: Any) -> None:
    boxes = design_boxes(design)
    unknown = [name for name in boxes if stage_of(name) is None]
    assert not unknown, (
        f"{unknown} are not components of cloud_services.csv (its 'component' column)")
    empty = [stage for stage in STAGES if stage not in {stage_of(name) for name in boxes}]
    assert not empty, f"no box for the stage(s) {empty}: the design has a hole"


def check_brief(design: Any, brief: Brief) -> None:
    boxes = design_boxes(design)
    platform = design.get("platform")
    assert platform == brief.platform, (
        f"the brief's platform is {brief.platform!r}, got {platform!r}")
    for box, why in brief.needs.items():
        assert box.lower() in boxes, f"the brief needs a {box!r} box: {why}"
    for box, why in brief.rules_out.items():
        assert box.lower() not in boxes, f"{box!r} has no place in this brief: {why}"
    if brief.regulated:
        for box, what in LINEAGE.items():
            assert box in boxes, f"the brief is regulated: a {box!r} box records {what}"
    absent = sorted({box["owner"] for box in boxes.values()} - set(brief.team) & roles())
    assert not absent, f"the team has no {absent[0]}, so no box can be theirs"


def check_services(design: Any) -> None:
    platform = str(design.get("platform"))
    for name, box in design_boxes(design).items():
        table_says = offered(name, platform)
        parts = [part.strip().lower() for part in table_says.split(";")]
        given = " ".join(box["service"].lower().split())
        named = any(part and (part.split(" (")[0] in given or (len(given) >= MIN_SERVICE_CHARS
                                                               and given in part))
                    for part in parts)  # the table's name, or a fair part of its words
        assert not table_says.lower().startswith(UNAVAILABLE) and named, (
            f"{box['service']!r} is not {platform}'s service for {name!r}; the table says: "
            f"{table_says or 'nothing (unknown platform or box)'}")


def check_owners(design: Any, brief: Brief) -> None:
    for name, box in design_boxes(design).items():
        assert box["owner"] in roles(), (
            f"the owner of {name!r} should be one of {sorted(roles())}, got {box['owner']!r}")
        fitting = brief.owners_by_stage.get(stage_of(name) or "", roles())
        assert box["owner"] in fitting, (
            f"{box['owner']} owning {name!r} ({stage_of(name)}) is outside their mission; "
            f"expected one of {sorted(fitting)}")


def reasons(design: Any) -> str:
    """The reasons, one ``box: reason`` line each, for the rubric sheet."""
    lines = []
    for name, box in design_boxes(design).items():
        reason = " ".join(box["reason"].split())
        assert len(reason.split()) >= MIN_REASON_WORDS, (
            f"the reason for {name!r} should be a sentence, got {reason!r}")
        lines.append(f"{name}: {reason[:300]}")
    return "\n".join(lines)


def design_tests(question: str, brief: Brief, variable: str = "design"
                 ) -> tuple[Callable[..., None], ...]:
    """The five tests of one design question (assign them to ``test_*`` names, the last to a
    ``test_rubric_*`` name so its reasons reach the rubric sheet)."""
    import pytest

    def marked(points: int, title: str) -> Callable[[Callable[..., None]], Any]:
        def mark(test: Callable[..., None]) -> Any:
            test.__doc__ = title
            return pytest.mark.question(question)(pytest.mark.points(points)(test))
        return mark

    @marked(2, "Every box is a component of the architecture, and every stage has a box")
    def covers_every_stage(nb: Any) -> None:
        check_stages(getattr(nb, variable))

    @marked(2, "The brief's hard constraints hold: its platform, what it needs and rules out")
    def meets_the_brief(nb: Any) -> None:
        check_brief(getattr(nb, variable), brief)

    @marked(2, "Each box's service is one the table gives for that box on that platform")
    def services_exist(nb: Any) -> None:
        check_services(getattr(nb, variable))

    @marked(1, "Each owner is a role of roles.csv whose mission covers the box's stage")
    def owners_fit(nb: Any) -> None:
        check_owners(getattr(nb, variable), brief)

    @marked(1, "Every box has a reason, listed for the instructor's rubric")
    def reasons_for_the_rubric(nb: Any, record_property: Callable[[str, str], None]) -> None:
        from grading.plugin import EXPLANATION

        record_property(EXPLANATION, reasons(getattr(nb, variable)))

    return covers_every_stage, meets_the_brief, services_exist, owners_fit, reasons_for_the_rubric

"""The design checks (grading/design.py): each constraint refuses the design that breaks it,
with a message naming the box and what was expected."""

from __future__ import annotations

import copy

import pytest

from grading.design import (
    Brief,
    check_brief,
    check_owners,
    check_services,
    check_stages,
    reasons,
)

BRIEF = Brief(platform="azure", needs={"batch scoring": "a nightly file"},
              rules_out={"Kubernetes": "no cluster to run"}, regulated=True,
              team=("data engineer", "data scientist", "MLOps engineer"))
GOOD = {"platform": "azure", "boxes": {
    "storage": {"service": "Azure Data Lake Storage Gen2", "owner": "data engineer",
                "reason": "the tables of every run, kept"},
    "model training": {"service": "Azure Machine Learning command jobs",
                       "owner": "data scientist", "reason": "retrains when customers drift"},
    "experiment tracking": {"service": "Azure Machine Learning jobs tracked with MLflow",
                            "owner": "data scientist",
                            "reason": "the data and settings of every run"},
    "model registry": {"service": "Azure Machine Learning model registry",
                       "owner": "MLOps engineer", "reason": "which version made which list"},
    "batch scoring": {"service": "Azure Machine Learning batch endpoints",
                      "owner": "MLOps engineer", "reason": "one scored file every night"},
}}


def changed(path: tuple[str, ...], value: object) -> dict:
    design = copy.deepcopy(GOOD)
    target = design
    for key in path[:-1]:
        target = target[key]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return design


def test_the_good_design_passes_every_check():
    from grading.design import offered

    for name, box in GOOD["boxes"].items():  # the services above are the table's own
        assert box["service"].lower() in offered(name, "azure").lower()
    check_stages(GOOD)
    check_brief(GOOD, BRIEF)
    check_services(GOOD)
    check_owners(GOOD, BRIEF)
    assert reasons(GOOD).splitlines()[0] == "storage: the tables of every run, kept"


@pytest.mark.parametrize(("check", "design", "said"), [
    (check_stages, changed(("boxes", "storage"), None), "no box for the stage(s) ['data management']"),
    (check_stages, changed(("boxes", "data lake"), GOOD["boxes"]["storage"]),
     "['data lake'] are not components of cloud_services.csv"),
    (check_stages, changed(("boxes",), {}), "should be a dict with one entry per box"),
    (check_stages, changed(("boxes", "storage", "owner"), 3), "box 'storage' should give owner as text"),
    (check_stages, [], "design should be a dict, got list"),
    (check_brief, changed(("platform",), "aws"), "the brief's platform is 'azure', got 'aws'"),
    (check_brief, changed(("boxes", "batch scoring"), None), "needs a 'batch scoring' box: a nightly file"),
    (check_brief, changed(("boxes", "kubernetes"), GOOD["boxes"]["batch scoring"]),
     "'Kubernetes' has no place in this brief: no cluster to run"),
    (check_brief, changed(("boxes", "model registry"), None),
     "regulated: a 'model registry' box records which model version"),
    (check_brief, changed(("boxes", "storage", "owner"), "software developer"),
     "the team has no software developer"),
    (check_services, changed(("boxes", "storage", "service"), "Amazon S3"),
     "'Amazon S3' is not azure's service for 'storage'"),
    (check_services, changed(("boxes", "storage", "service"), "Azure"),
     "'Azure' is not azure's service for 'storage'"),
    (check_owners, changed(("boxes", "storage", "owner"), "the intern"),
     "the owner of 'storage' should be one of"),
    (check_owners, changed(("boxes", "model registry", "owner"), "data engineer"),
     "data engineer owning 'model registry' (training management) is outside their mission"),
    (reasons, changed(("boxes", "storage", "reason"), "fast"), "the reason for 'storage' should be a sentence"),
])
def test_each_check_refuses_what_breaks_it(check, design, said):
    args = (design, BRIEF) if check in (check_brief, check_owners) else (design,)
    with pytest.raises(AssertionError) as refused:
        check(*args)
    assert said in str(refused.value)


def test_a_box_the_platform_lacks_is_refused():
    design = {"platform": "databricks", "boxes": {
        "Kubernetes": {"service": "none", "owner": "MLOps engineer", "reason": "a b c d"}}}
    with pytest.raises(AssertionError, match="is not databricks's service for 'kubernetes'"):
        check_services(design)

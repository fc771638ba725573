"""Tests for exercise 04 (cloud architecture): a design for a brief."""

from __future__ import annotations

from grading.design import Brief, design_tests
from grading.quiz import quiz_test

# -- q1: a design for Fjord Telecom's brief (grading/design.py holds the checks). The reasons
# are not scored here: make grade lists them on the rubric sheet.

FJORD_TELECOM = Brief(
    platform="gcp",
    needs={"batch scoring": "the call-centre tool imports a scored file once a month"},
    rules_out={"managed endpoints": "no prediction is needed within a request, so an online "
                                    "endpoint would be paid for and never called"},
    regulated=True,
    team=("business analyst", "data engineer", "data scientist", "MLOps engineer"),
)
(test_design_covers_every_stage, test_design_meets_the_brief,
 test_design_services_exist_on_the_platform, test_design_owners_fit_their_roles,
 test_rubric_design_reasons) = design_tests("q1", FJORD_TELECOM)


# -- quiz: the lesson's knowledge check (its key and explanations: solutions/…/quiz.toml) ----

test_quiz = quiz_test("04_cloud_architecture")

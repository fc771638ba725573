"""The capstone's company (``northwind``): drawn by the generator, kept out of the lessons'."""

from __future__ import annotations

from sklearn.metrics import roc_auc_score

from demo.synthetic.commands import COMMANDS
from demo.synthetic.customers import churn_probability
from demo.synthetic.scenarios import (
    NORTHWIND_CHURN,
    SCENARIOS,
    generate_batch,
    get_scenario,
    known_scenarios,
)


def test_northwind_is_known_to_the_generator_but_not_a_lesson_preset():
    assert "northwind" in known_scenarios() and "northwind" not in SCENARIOS
    assert get_scenario("northwind").params.churn == NORTHWIND_CHURN


def test_northwinds_customers_differ_from_the_lessons(tmp_path):
    northwind = generate_batch(5000, 3, "northwind", dirty=False)
    lessons = generate_batch(5000, 3, "baseline", dirty=False)
    assert (northwind["internet_service"] == "DSL").mean() > 0.5 > (
        lessons["internet_service"] == "DSL").mean()
    assert northwind["senior_citizen"].mean() > lessons["senior_citizen"].mean() + 0.1


def test_the_contract_rule_leaves_room_for_a_model():
    customers = generate_batch(5000, 5, "northwind", dirty=False)
    churned = customers["churn"] == "Yes"
    rule = roc_auc_score(churned, customers["contract"] == "Month-to-month")
    truth = roc_auc_score(churned, churn_probability(customers, NORTHWIND_CHURN))
    assert truth > rule + 0.1, (truth, rule)


def test_the_generate_command_writes_a_northwind_export(tmp_path):
    import argparse

    from demo.settings import Settings

    command = next(c for c in COMMANDS if c.name == "generate")
    parser = argparse.ArgumentParser()
    command.configure(parser)
    out = tmp_path / "northwind.csv"
    args = parser.parse_args(["--scenario", "northwind", "--rows", "50", "--out", str(out)])
    assert command.run(args, Settings.from_env(tmp_path)) == 0
    assert len(out.read_text().splitlines()) == 51

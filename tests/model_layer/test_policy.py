"""The policy file: one place for the numbers, read into Settings, overridable, and refused
with a clear message when it is wrong."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from demo.errors import DemoError
from demo.model_layer.evaluate import BusinessCosts
from demo.model_layer.split import SplitFractions
from demo.model_layer.train import TrainingConfig
from demo.paths import PARAMS_FILE
from demo.settings import Settings, default_policy, read_policy


def test_the_repository_file_is_what_settings_hold(settings: Settings) -> None:
    written = tomllib.loads(PARAMS_FILE.read_text())
    policy = settings.policy
    assert policy.promotion_margin == written["promotion"]["margin"]
    assert policy.retraining_holdout_share == written["retraining"]["holdout_share"]
    assert policy.monitoring_psi_moderate == written["monitoring"]["psi_moderate"]
    assert policy.monitoring_psi_severe == written["monitoring"]["psi_severe"]
    assert policy.serving_challenger_share == written["serving"]["challenger_share"]
    assert policy.training_trials == written["training"]["trials"]


def test_model_layer_defaults_come_from_the_policy(settings: Settings) -> None:
    policy = settings.with_policy(["costs.offer_cost=75", "split.test_share=0.3",
                                   "training.trials=2"])
    config = TrainingConfig.from_settings(policy, candidates=("baseline",))
    assert config.costs == BusinessCosts(75.0, policy.policy.costs_lost_customer_cost,
                                         policy.policy.costs_offer_success_rate)
    assert config.fractions == SplitFractions(policy.policy.split_validation_share, 0.3)
    assert config.trials == 2 and config.candidates == ("baseline",)
    assert BusinessCosts().offer_cost == default_policy().costs_offer_cost
    assert TrainingConfig().trials == default_policy().training_trials


def test_overrides_are_checked_and_logged_as_params(settings: Settings) -> None:
    changed = settings.with_policy(["promotion.margin=0.02"])
    assert changed.policy.promotion_margin == 0.02
    assert settings.policy.promotion_margin == default_policy().promotion_margin  # a copy
    assert changed.policy.as_params()["policy.promotion.margin"] == "0.02"
    with pytest.raises(DemoError, match="'retraining.holdout_share' must be between 0 and 1"):
        settings.with_policy(["retraining.holdout_share=1.5"])
    with pytest.raises(DemoError, match="need 0 < monitoring.psi_moderate < monitoring.psi_sev"):
        settings.with_policy(["monitoring.psi_moderate=0.3"])
    with pytest.raises(DemoError, match="'abc' is not a number"):
        settings.with_policy(["promotion.margin=abc"])


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda text: text.replace("margin = 0.005", "margin = "),
         r"params\.toml: not valid TOML .*line"),
        (lambda text: text.replace("margin = 0.005", "margn = 0.005"),
         "unknown policy setting 'promotion.margn'"),
        (lambda text: text.replace("trials = 6", 'trials = "six"'),
         "'training.trials' must be an integer, got 'six'"),
        (lambda text: text.replace("psi_severe = 0.2\n", ""),
         r"missing policy setting\(s\) monitoring\.psi_severe"),
    ],
)
def test_a_broken_policy_file_is_named_with_the_problem(tmp_path: Path, edit, message: str) -> None:
    broken = tmp_path / "params.toml"
    broken.write_text(edit(PARAMS_FILE.read_text()))
    with pytest.raises(DemoError, match=message) as raised:
        read_policy(broken)
    assert str(broken) in str(raised.value)


def test_fitting_imports_no_mlflow() -> None:
    """Training apart from tracking: fit_candidates runs without MLflow ever being imported."""
    code = (
        "import sys\n"
        "from tests.model_layer.conftest import gold_frame\n"
        "from demo.model_layer.split import split_gold\n"
        "from demo.model_layer.train import TrainingConfig, fit_candidates\n"
        "split = split_gold(gold_frame(600, seed=3), seed=1)\n"
        "result = fit_candidates(split, TrainingConfig(candidates=('baseline', "
        "'logistic_regression'), trials=2))\n"
        "assert result.best.name == 'logistic_regression', result.best.name\n"
        "assert len(result.candidates['logistic_regression'].trials) == 2\n"
        "print('mlflow' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_a_broken_policy_file_is_one_line_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from demo import settings as settings_module
    from demo.cli import main

    broken = tmp_path / "params.toml"
    broken.write_text(PARAMS_FILE.read_text().replace("margin = 0.005", "margin = 'wide'"))
    monkeypatch.setattr(settings_module, "PARAMS_FILE", broken)
    default_policy.cache_clear()
    try:
        assert main(["promote", "--workspace", str(tmp_path / "workspace")]) == 2
    finally:
        default_policy.cache_clear()
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"{broken}: policy setting 'promotion.margin' must be a number" in " ".join(err.split())

"""Profiles: laptop by default, platform on request; a bad choice is one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from demo import profile
from demo.cli import main
from demo.errors import DemoError

STORE = "sqlite:////ws/mlflow.db"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (profile.PROFILE_ENV, profile.LEARNER_ENV, profile.TRACKING_ENV,
                 profile.SPARK_MASTER_ENV):
        monkeypatch.delenv(name, raising=False)


def test_laptop_is_the_default_and_keeps_tracking_in_the_workspace() -> None:
    chosen = profile.load_profile()
    assert (chosen.name, chosen.data_engine) == ("laptop", "pandas")
    assert chosen.tracking_uri(STORE) == STORE


def test_platform_by_environment_with_the_learners_server_and_name(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(profile.PROFILE_ENV, "platform")
    assert profile.load_profile().tracking_uri(STORE) == "http://127.0.0.1:5000"
    monkeypatch.setenv(profile.TRACKING_ENV, "http://instructor.local:5000")
    monkeypatch.setenv(profile.LEARNER_ENV, "ada")
    chosen = profile.load_profile()
    assert (chosen.data_engine, chosen.spark_master) == ("spark", "local[*]")
    assert chosen.tracking_uri(STORE) == "http://instructor.local:5000"
    assert chosen.learner == "ada"
    monkeypatch.setenv(profile.TRACKING_ENV, STORE)  # what mlflow.set_tracking_uri leaves
    assert profile.load_profile().tracking_uri(STORE) == "http://127.0.0.1:5000"


def test_the_laptop_profile_ignores_a_stray_tracking_uri(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(profile.TRACKING_ENV, "http://elsewhere:5000")
    assert profile.load_profile("laptop").tracking_uri(STORE) == STORE


def test_an_unknown_profile_names_the_known_ones() -> None:
    with pytest.raises(DemoError, match="no profile 'cloud': choose one of laptop, platform"):
        profile.load_profile("cloud")


def test_a_broken_profile_file_names_the_file_and_the_setting(
        tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(profile, "PROFILES_DIR", tmp_path)
    (tmp_path / "odd.toml").write_text('[tracking]\nuri = "workspace"\n[data]\nengine = "dask"\n')
    (tmp_path / "short.toml").write_text('[tracking]\nuri = "workspace"\n')
    with pytest.raises(DemoError, match=r"odd.toml: data.engine 'dask' is not one of"):
        profile.load_profile("odd")
    with pytest.raises(DemoError, match=r"short.toml: missing setting 'data'"):
        profile.load_profile("short")


def test_profile_show_prints_where_things_live(capsys: pytest.CaptureFixture[str],
                                               tmp_path) -> None:
    assert main(["profile", "show", "--profile", "platform", "--workspace",
                 str(tmp_path)]) == 0
    shown = capsys.readouterr().out
    assert "tracking and registry: http://127.0.0.1:5000" in shown
    assert "data layer engine: spark" in shown
    assert main(["profile", "show", "--profile", "cloud"]) == 2
    assert "no profile 'cloud'" in capsys.readouterr().err


def test_settings_follow_the_profile_and_children_inherit_it(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from demo.settings import Settings

    monkeypatch.setenv(profile.TRACKING_ENV, "http://instructor.local:5000")
    monkeypatch.setenv(profile.SPARK_MASTER_ENV, "spark://127.0.0.1:7077")
    platform = Settings(workspace=tmp_path, profile=profile.load_profile("platform", "ada"))
    assert platform.uses_tracking_server
    assert platform.tracking_uri == platform.tracking_store == "http://instructor.local:5000"
    assert profile.child_environment(platform.profile) == {
        profile.PROFILE_ENV: "platform", profile.TRACKING_ENV: "http://instructor.local:5000",
        profile.LEARNER_ENV: "ada", profile.SPARK_MASTER_ENV: "spark://127.0.0.1:7077"}
    laptop = Settings(workspace=tmp_path, profile=profile.load_profile("laptop"))
    assert not laptop.uses_tracking_server
    assert laptop.tracking_store == str(tmp_path / "mlflow.db")
    assert profile.child_environment(laptop.profile) == {profile.PROFILE_ENV: "laptop"}

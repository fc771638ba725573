"""Profiles: where the pipeline's things live, chosen by ``--profile`` or $DEMO_PROFILE.

``laptop`` (the default) keeps everything in the workspace; ``platform`` moves tracking to the
room's MLflow server and the data layer to Spark. Each profile is a small TOML file in
``demo/profiles/``; ``python -m demo profile show`` prints the one in force.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from demo.errors import DemoError

PROFILE_ENV = "DEMO_PROFILE"
LEARNER_ENV = "LEARNER"
TRACKING_ENV = "MLFLOW_TRACKING_URI"
SPARK_MASTER_ENV = "DEMO_SPARK_MASTER"
PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
DEFAULT_PROFILE = "laptop"
ENGINES = ("pandas", "spark")


@dataclass(frozen=True)
class Profile:
    name: str
    tracking: str  # "workspace", or the tracking server's URL
    data_engine: str
    spark_master: str = "local[*]"
    learner: str | None = None  # tags every run, so a room can tell whose it is

    def tracking_uri(self, workspace_store: str) -> str:
        """The MLflow URI to use: the workspace's SQLite store, or the server's URL."""
        return workspace_store if self.tracking == "workspace" else self.tracking


def available() -> list[str]:
    return sorted(p.stem for p in PROFILES_DIR.glob("*.toml"))


def profile_file(name: str) -> Path:
    path = PROFILES_DIR / f"{name}.toml"
    if not path.exists():
        raise DemoError(f"no profile {name!r}: choose one of {', '.join(available())}")
    return path


def load_profile(name: str | None = None, learner: str | None = None) -> Profile:
    """The profile ``name`` (else $DEMO_PROFILE, else laptop); $MLFLOW_TRACKING_URI overrides
    a server URL, so each learner can point at the instructor's machine."""
    chosen = name or os.environ.get(PROFILE_ENV) or DEFAULT_PROFILE
    path = profile_file(chosen)
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DemoError(f"{path}: not valid TOML ({exc})") from exc
    try:
        tracking = str(values["tracking"]["uri"])
        engine = str(values["data"]["engine"])
    except KeyError as exc:
        raise DemoError(f"{path}: missing setting {exc.args[0]!r}") from exc
    if engine not in ENGINES:
        raise DemoError(f"{path}: data.engine {engine!r} is not one of {', '.join(ENGINES)}")
    # Only a server URL replaces the profile's server: MLflow itself writes the variable when
    # a process sets its tracking URI, so a local store's URI found there is not the learner's.
    pointed = os.environ.get(TRACKING_ENV, "")
    if tracking != "workspace" and pointed.startswith(("http://", "https://")):
        tracking = pointed
    spark_master = os.environ.get(SPARK_MASTER_ENV) or str(
        values["data"].get("spark_master", "local[*]"))
    return Profile(name=chosen, tracking=tracking, data_engine=engine, spark_master=spark_master,
                   learner=learner or os.environ.get(LEARNER_ENV) or None)


def child_environment(profile: Profile) -> dict[str, str]:
    """Environment variables that give a child process (the API server) this same profile."""
    env = {PROFILE_ENV: profile.name}
    if profile.tracking != "workspace":
        env[TRACKING_ENV] = profile.tracking
    if profile.learner:
        env[LEARNER_ENV] = profile.learner
    if profile.data_engine == "spark":
        env[SPARK_MASTER_ENV] = profile.spark_master
    return env


def describe(profile: Profile, workspace_store: str) -> dict[str, str]:
    """The profile as the facts a person checks: what is used, and from where."""
    return {
        "profile": f"{profile.name} ({profile_file(profile.name)})",
        "tracking and registry": profile.tracking_uri(workspace_store),
        "data layer engine": profile.data_engine,
        **({"spark master": profile.spark_master} if profile.data_engine == "spark" else {}),
        "learner tag": profile.learner or "(none)",
    }

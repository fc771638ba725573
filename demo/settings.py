"""One settings object for the whole pipeline, read from arguments and the environment.

``Settings.policy`` holds the policy numbers of ``demo/params.toml`` (margins, shares,
costs, thresholds), read once when first needed. Nothing here touches the disk at import
time; ``Settings.ensure_dirs`` creates folders when a step is about to write.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from functools import cache
from pathlib import Path

from demo.errors import DemoError
from demo.paths import DEFAULT_WORKSPACE, PARAMS_FILE
from demo.profile import Profile, load_profile

WORKSPACE_ENV = "DEMO_WORKSPACE"

# The course runs offline: the libraries that phone home are told not to.
OFFLINE_ENV = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "GX_ANALYTICS_ENABLED": "false",
    "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    "DO_NOT_TRACK": "1",
}


def configure_offline() -> None:
    """Turn telemetry off for this process and its children (idempotent)."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


@dataclass(frozen=True)
class Policy:
    """The policy numbers; ``demo/params.toml`` says what each means and who owns it.

    A field is named ``<section>_<name>`` after its place in the file.
    """

    split_validation_share: float
    split_test_share: float
    training_trials: int
    costs_offer_cost: float
    costs_lost_customer_cost: float
    costs_offer_success_rate: float
    promotion_margin: float
    retraining_holdout_share: float
    monitoring_psi_moderate: float
    monitoring_psi_severe: float
    monitoring_roc_auc_drop: float
    serving_challenger_share: float

    def as_params(self) -> dict[str, str]:
        """``policy.section.name`` -> value, as MLflow logs parameters."""
        return {f"policy.{_dotted(f.name)}": str(getattr(self, f.name)) for f in fields(self)}

    def with_overrides(self, assignments: list[str]) -> Policy:
        """A copy with ``section.name=value`` assignments applied (the CLI's ``--set``)."""
        changed: dict[str, object] = {}
        for text in assignments:
            dotted, equals, raw = text.partition("=")
            if not equals:
                raise DemoError(f"--set {text!r}: expected SECTION.NAME=VALUE, "
                                "e.g. promotion.margin=0.01")
            try:
                value: object = tomllib.loads(f"value = {raw}")["value"]
            except tomllib.TOMLDecodeError:
                raise DemoError(f"--set {text!r}: {raw!r} is not a number") from None
            changed[_field_name(dotted.strip(), f"--set {text!r}")] = value
        return _checked_policy({**self.__dict__, **changed}, "--set")


def _dotted(name: str) -> str:
    section, _, key = name.partition("_")
    return f"{section}.{key}"


def _field_name(dotted: str, where: str) -> str:
    name = dotted.replace(".", "_", 1)
    if "." not in dotted or name not in {f.name for f in fields(Policy)}:
        known = ", ".join(_dotted(f.name) for f in fields(Policy))
        raise DemoError(f"{where}: unknown policy setting '{dotted}'; known: {known}")
    return name


def _checked_policy(values: dict[str, object], where: str) -> Policy:
    """A ``Policy`` from ``values``, refusing wrong types and out-of-range numbers."""
    for f in fields(Policy):
        value = values.get(f.name)
        wanted = int if f.type == "int" else float
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            wanted is int and not isinstance(value, int)
        ):
            raise DemoError(f"{where}: policy setting '{_dotted(f.name)}' must be "
                            f"{'an integer' if wanted is int else 'a number'}, got {value!r}")
        values[f.name] = wanted(value)
    policy = Policy(**values)  # type: ignore[arg-type]
    shares = {name: getattr(policy, name) for name in (
        "split_validation_share", "split_test_share", "retraining_holdout_share")}
    for name, share in shares.items():
        if not 0.0 < share < 1.0:
            raise DemoError(f"{where}: '{_dotted(name)}' must be between 0 and 1, got {share}")
    if policy.split_validation_share + policy.split_test_share >= 1.0:
        raise DemoError(f"{where}: split shares add up to 1 or more: nothing is left to train on")
    for name in ("costs_offer_success_rate", "serving_challenger_share"):
        if not 0.0 <= getattr(policy, name) <= 1.0:
            raise DemoError(f"{where}: '{_dotted(name)}' must be between 0 and 1, "
                            f"got {getattr(policy, name)}")
    if policy.training_trials < 1:
        raise DemoError(f"{where}: 'training.trials' must be at least 1")
    if not 0.0 < policy.monitoring_psi_moderate < policy.monitoring_psi_severe:
        raise DemoError(f"{where}: need 0 < monitoring.psi_moderate < monitoring.psi_severe")
    if not 0.0 < policy.monitoring_roc_auc_drop < 1.0:
        raise DemoError(f"{where}: 'monitoring.roc_auc_drop' must be between 0 and 1, "
                        f"got {policy.monitoring_roc_auc_drop}")
    return policy


def read_policy(path: Path) -> Policy:
    """The policy in a ``params.toml`` file; errors name the file, the line or the setting."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DemoError(f"cannot read the policy file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise DemoError(f"{path}: not valid TOML ({exc})") from None
    values: dict[str, object] = {}
    for section, table in document.items():
        if not isinstance(table, dict):
            raise DemoError(f"{path}: '{section}' must be a [section] of settings")
        for key, value in table.items():
            values[_field_name(f"{section}.{key}", str(path))] = value
    missing = [_dotted(f.name) for f in fields(Policy) if f.name not in values]
    if missing:
        raise DemoError(f"{path}: missing policy setting(s) {', '.join(missing)}")
    return _checked_policy(values, str(path))


@cache
def default_policy() -> Policy:
    """The repository's ``demo/params.toml``, read once per process."""
    return read_policy(PARAMS_FILE)


@dataclass(frozen=True)
class Settings:
    """Where artifacts go and the knobs every layer shares."""

    workspace: Path = field(default_factory=lambda: DEFAULT_WORKSPACE)
    seed: int = 42
    model_name: str = "churn-classifier"
    experiment_name: str = "churn-pipeline"
    policy: Policy = field(default_factory=default_policy)
    # Where tracking lives and which engine runs the data layer (laptop unless $DEMO_PROFILE).
    profile: Profile = field(default_factory=load_profile)

    @classmethod
    def from_env(cls, workspace: str | Path | None = None, **overrides: object) -> Settings:
        """Workspace from the argument, else $DEMO_WORKSPACE, else ./workspace in the repo."""
        chosen = workspace or os.environ.get(WORKSPACE_ENV) or DEFAULT_WORKSPACE
        return cls(workspace=Path(chosen).expanduser().resolve(), **overrides)  # type: ignore[arg-type]

    def with_workspace(self, workspace: str | Path) -> Settings:
        return replace(self, workspace=Path(workspace).expanduser().resolve())

    def with_policy(self, assignments: list[str]) -> Settings:
        """These settings with ``section.name=value`` policy overrides (see ``--set``)."""
        return replace(self, policy=self.policy.with_overrides(assignments)) if assignments \
            else self

    # -- the workspace layout (see DESIGN.md) -------------------------------------------
    @property
    def lake_dir(self) -> Path:
        return self.workspace / "lake"

    @property
    def bronze_dir(self) -> Path:
        return self.lake_dir / "bronze"

    @property
    def silver_dir(self) -> Path:
        return self.lake_dir / "silver"

    @property
    def gold_dir(self) -> Path:
        return self.lake_dir / "gold"

    @property
    def quarantine_dir(self) -> Path:
        return self.lake_dir / "quarantine"

    @property
    def reports_dir(self) -> Path:
        return self.workspace / "reports"

    @property
    def serving_dir(self) -> Path:
        return self.workspace / "serving"

    @property
    def batches_dir(self) -> Path:
        """Generated 'production' batches for scoring and monitoring."""
        return self.workspace / "batches"

    @property
    def mlflow_db(self) -> Path:
        return self.workspace / "mlflow.db"

    @property
    def tracking_uri(self) -> str:
        """The workspace's SQLite store, or the room's tracking server (platform profile)."""
        return self.profile.tracking_uri(f"sqlite:///{self.mlflow_db}")

    @property
    def uses_tracking_server(self) -> bool:
        return self.tracking_uri.startswith(("http://", "https://"))

    @property
    def tracking_store(self) -> str:
        """The tracking store as a person would name it in a message: a file or a URL."""
        return self.tracking_uri if self.uses_tracking_server else str(self.mlflow_db)

    @property
    def artifacts_dir(self) -> Path:
        return self.workspace / "mlartifacts"

    @property
    def prediction_log(self) -> Path:
        return self.serving_dir / "predictions.jsonl"

    def ensure_dirs(self) -> None:
        for folder in (
            self.bronze_dir,
            self.silver_dir,
            self.gold_dir,
            self.quarantine_dir,
            self.reports_dir,
            self.serving_dir,
            self.batches_dir,
            self.artifacts_dir,
        ):
            folder.mkdir(parents=True, exist_ok=True)

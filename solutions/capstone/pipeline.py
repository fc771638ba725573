"""Northwind Telecom's churn pipeline, on the course's stack.

The grader (and you, with ``make capstone-check SUBMISSION=...``) calls the two functions
below, each in its own process: ``data_layer`` on a raw export, then ``model_layer`` on the
workspace it filled. Both take the workspace folder; everything they write goes there.
"""

from __future__ import annotations

from pathlib import Path

from demo.catalog import Catalog
from demo.data_layer.clean import clean
from demo.data_layer.ingest import read_raw_csv, to_bronze
from demo.errors import ContractError
from demo.settings import Settings, read_policy
from demo.steps import run_all, run_step

POLICY_FILE = Path(__file__).with_name("params.toml")
# BEGIN SOLUTION
# The data owner's batch gate. On the training export 22 % of the rows are quarantined
# (missing senior flag or tenure, conflicting ids ...); a share far above that means the
# export itself broke, and a model must not learn from what is left.
MAX_QUARANTINE_SHARE = 0.35
# END SOLUTION


def northwind_settings(workspace: Path) -> Settings:
    """The course's settings for ``workspace``, with Northwind's policy numbers."""
    return Settings.from_env(workspace, policy=read_policy(POLICY_FILE))


def quarantine_share(raw_csv: Path) -> float:
    """Share of the rows read that cleaning would set aside (nothing is written)."""
    cleaned = clean(to_bronze(read_raw_csv(raw_csv), str(raw_csv)))
    return cleaned.rows_quarantined / cleaned.rows_read


def data_layer(raw_csv: Path, workspace: Path) -> Path:
    """Raw export -> bronze -> silver -> contract -> gold; the gold table's path.

    Raises ``ContractError`` when the batch breaks the contract: the course's expectations on
    silver, or Northwind's gate on the quarantined share. Then no gold table is written.
    """
    # BEGIN SOLUTION
    share = quarantine_share(raw_csv)
    if share > MAX_QUARANTINE_SHARE:
        raise ContractError(f"{raw_csv}: {share:.0%} of the rows would be quarantined, more "
                            f"than Northwind's limit of {MAX_QUARANTINE_SHARE:.0%}: a broken "
                            "export; ask the CRM team before anything trains on it")
    settings = northwind_settings(workspace)
    run_all(settings, {"raw": {"source": raw_csv}}, until="features")
    return Catalog(settings).path("gold")
    # END SOLUTION


def model_layer(workspace: Path) -> str:
    """Train on the newest gold table, track, register; the champion's ``models:/`` URI."""
    # BEGIN SOLUTION
    settings = northwind_settings(workspace)
    run_step("train", settings)
    registered = run_step("registry", settings)["summary"]
    return f"models:/{settings.model_name}/{registered['serving_version']}"
    # END SOLUTION

"""Drift monitoring: how far a production batch has moved from the training data.

The Population Stability Index compares two distributions bin by bin:
``PSI = sum((current% - reference%) * ln(current% / reference%))``. Numeric features are
binned at the reference's quantiles (so each reference bin holds about the same share);
categorical features use their categories. The levels come from the policy
(``[monitoring]`` in ``demo/params.toml``; the usual reading is below 0.1 no drift, 0.1 to
0.2 moderate, 0.2 and above severe). Prediction drift is the PSI of the
model's scores. With labels, the batch's real performance is measured too (the model
layer's metrics, as on the test set): concept drift (the same customers behaving
differently) shows up there and nowhere else.

Everything here is a pure function of frames and arrays; files and MLflow live in
``monitoring_runner``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from demo.feature_spec import MODEL_INPUTS
from demo.settings import Policy, default_policy

DEFAULT_BINS = 10
EPSILON = 1e-4  # floor for an empty bin's share, so the log stays finite
LEVELS = ("none", "moderate", "severe")


@dataclass(frozen=True)
class DriftThresholds:
    """The PSI from which drift counts as moderate, and as severe; and the drop in ROC AUC
    (once labels are known) that calls for retraining."""

    moderate: float
    severe: float
    roc_auc_drop: float

    @classmethod
    def from_policy(cls, policy: Policy | None = None) -> DriftThresholds:
        """The policy's ``monitoring`` section (default: params.toml)."""
        policy = policy or default_policy()
        return cls(policy.monitoring_psi_moderate, policy.monitoring_psi_severe,
                   policy.monitoring_roc_auc_drop)

    def level(self, value: float) -> str:
        return ("severe" if value >= self.severe else "moderate" if value >= self.moderate
                else "none")


def psi_from_shares(reference: np.ndarray, current: np.ndarray) -> float:
    """PSI of two vectors of bin shares (each summing to 1); empty bins are floored."""
    reference = np.clip(np.asarray(reference, dtype=float), EPSILON, None)
    current = np.clip(np.asarray(current, dtype=float), EPSILON, None)
    return float(np.sum((current - reference) * np.log(current / reference)))


def bin_shares(reference: Any, current: Any, categorical: bool = False,
               bins: int = DEFAULT_BINS) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The bins' labels, and the share of ``reference`` and of ``current`` in each bin.

    Categorical: one bin per category seen on either side. Numeric: bins cut at the
    reference's quantiles (x <= edge[0], ..., x > edge[-1]), duplicate edges merged.
    """
    if categorical:
        ref, cur = pd.Series(reference).astype(str), pd.Series(current).astype(str)
        labels = sorted(set(ref) | set(cur))
        ref_shares, cur_shares = (side.value_counts().reindex(labels, fill_value=0).to_numpy()
                                  / max(len(side), 1) for side in (ref, cur))
        return labels, ref_shares, cur_shares
    ref, cur = np.asarray(reference, dtype=float), np.asarray(current, dtype=float)
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1))[1:-1])
    labels = [f"≤{e:g}" for e in edges] + [f">{edges[-1]:g}" if len(edges) else "all"]
    ref_shares, cur_shares = (np.bincount(np.searchsorted(edges, side), minlength=len(edges) + 1)
                              / max(len(side), 1) for side in (ref, cur))
    return labels, ref_shares, cur_shares


def psi(reference: Any, current: Any, categorical: bool = False,
        bins: int = DEFAULT_BINS) -> float:
    """PSI of ``current`` against ``reference`` (numeric: quantile bins of the reference)."""
    _, ref_shares, cur_shares = bin_shares(reference, current, categorical, bins)
    return psi_from_shares(ref_shares, cur_shares)


def psi_by_feature(reference: pd.DataFrame, current: pd.DataFrame,
                   thresholds: DriftThresholds | None = None) -> pd.DataFrame:
    """One row per model input: its kind, PSI and drift level, worst first."""
    thresholds = thresholds or DriftThresholds.from_policy()
    rows = []
    for feature in MODEL_INPUTS:
        value = psi(reference[feature.name], current[feature.name],
                    categorical=feature.is_categorical)
        rows.append({"feature": feature.name,
                     "kind": "categorical" if feature.is_categorical else "numeric",
                     "psi": value, "level": thresholds.level(value)})
    return pd.DataFrame(rows).sort_values("psi", ascending=False, ignore_index=True)


def judge_drift(features: pd.DataFrame, prediction_psi: float, performance: dict[str, float],
                reference_performance: dict[str, float], thresholds: DriftThresholds
                ) -> dict[str, Any]:
    """What the findings mean. The verdict is the worst of feature drift and prediction
    drift; retraining is recommended on severe drift, or (with labels) when the batch's ROC
    AUC is at least the policy's ``monitoring.roc_auc_drop`` below the model's test ROC AUC."""
    now, before = performance.get("roc_auc"), reference_performance.get("roc_auc")
    roc_auc_drop = None if now is None or before is None else before - now
    prediction_level = thresholds.level(prediction_psi)
    verdict = max([*features["level"], prediction_level], key=LEVELS.index)
    return {
        "prediction_level": prediction_level,
        "verdict": verdict,
        "drifted_features": features.loc[features["level"] != "none", "feature"].tolist(),
        "roc_auc_drop": roc_auc_drop,
        "retrain_recommended": verdict == "severe" or (
            roc_auc_drop is not None and roc_auc_drop >= thresholds.roc_auc_drop),
    }

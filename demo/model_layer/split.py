"""Check a gold table is trainable, and split it into train / validation / test.

The split is stratified on churn and seeded, and its customer ids are logged with every
run: each candidate, and each later challenger, is judged on exactly the same held-out rows.
Validation picks hyperparameters and the decision threshold; test is touched only to report
and to compare models.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from demo.errors import ModelError
from demo.feature_spec import ID_COLUMN, INPUT_COLUMNS, LABEL_COLUMN, POSITIVE_LABEL
from demo.settings import default_policy

# Each class needs a few rows in every split for stratification and for the metrics.
MIN_ROWS_PER_CLASS = 10


@dataclass(frozen=True)
class SplitFractions:
    """Shares of the table held out; the defaults are the policy's (``demo/params.toml``)."""

    validation: float = field(default_factory=lambda: default_policy().split_validation_share)
    test: float = field(default_factory=lambda: default_policy().split_test_share)


@dataclass(frozen=True)
class DataSplit:
    """Three disjoint frames of the same gold table."""

    train: pd.DataFrame
    validation: pd.DataFrame
    test: pd.DataFrame

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"train": self.train, "validation": self.validation, "test": self.test}

    def sizes(self) -> dict[str, int]:
        return {name: len(frame) for name, frame in self.frames().items()}

    def manifest(self) -> pd.DataFrame:
        """customer_id -> split name: the record of which rows each split holds."""
        parts = [pd.DataFrame({ID_COLUMN: frame[ID_COLUMN].astype(str).to_numpy(), "split": name})
                 for name, frame in self.frames().items()]
        return pd.concat(parts, ignore_index=True)


def label_vector(frame: pd.DataFrame) -> np.ndarray:
    """Churn as 0/1 integers; accepts 0/1 or the raw "Yes"/"No" spelling."""
    if LABEL_COLUMN not in frame.columns:
        raise ModelError(f"the training table has no '{LABEL_COLUMN}' column (the label)")
    labels = frame[LABEL_COLUMN]
    if not pd.api.types.is_numeric_dtype(labels):
        labels = labels.astype(str).map({POSITIVE_LABEL: 1, "No": 0, "1": 1, "0": 0})
    bad = labels.isna() | ~labels.isin([0, 1])
    if bad.any():
        example = frame.loc[bad, LABEL_COLUMN].iloc[0]
        raise ModelError(f"column '{LABEL_COLUMN}' has {int(bad.sum())} value(s) that are not "
                         f"0/1 (e.g. {example!r}) in the training table")
    return np.asarray(labels.to_numpy(dtype=np.int64))


def features(frame: pd.DataFrame) -> pd.DataFrame:
    """The model's input columns, in the specification's order (a new frame)."""
    missing = [c for c in INPUT_COLUMNS if c not in frame.columns]
    if missing:
        raise ModelError(f"the table is missing model input column(s): {', '.join(missing)}")
    return frame.loc[:, list(INPUT_COLUMNS)].copy()


def check_trainable(frame: pd.DataFrame) -> None:
    """Refuse a table a classifier cannot learn from, saying why."""
    if frame.empty:
        raise ModelError("the training table is empty: there is nothing to train on")
    features(frame)
    labels = label_vector(frame)
    counts = np.bincount(labels, minlength=2)
    if (counts == 0).any():
        only = "churned (1)" if counts[0] == 0 else "stayed (0)"
        raise ModelError(f"the training table has a single class: all {len(frame)} customers "
                         f"{only}; a classifier needs both churners and non-churners")
    if counts.min() < MIN_ROWS_PER_CLASS:
        raise ModelError(f"the training table has only {counts.min()} row(s) of its rarer "
                         f"class; at least {MIN_ROWS_PER_CLASS} are needed to split and evaluate")


def split_gold(gold: pd.DataFrame, seed: int, fractions: SplitFractions | None = None,
               holdout: pd.DataFrame | None = None) -> DataSplit:
    """Stratified, seeded train / validation / test split of a trainable gold table.

    With ``holdout`` the test split is that frame, untouched, and validation takes
    ``fractions.validation`` of ``gold``: retraining compares a challenger and the champion
    on rows the caller kept aside, not on rows drawn from the challenger's training data.
    """
    from sklearn.model_selection import train_test_split

    fractions = fractions or SplitFractions()
    check_trainable(gold)
    if holdout is None:
        rest, test = train_test_split(gold, test_size=fractions.test,
                                      stratify=label_vector(gold), random_state=seed)
        validation_share = fractions.validation / (1.0 - fractions.test)
    else:  # a holdout must have the model's inputs and a 0/1 label too
        features(holdout)
        label_vector(holdout)
        rest, test, validation_share = gold, holdout, fractions.validation
    train, validation = train_test_split(rest, test_size=validation_share,
                                         stratify=label_vector(rest), random_state=seed)
    return DataSplit(train.reset_index(drop=True), validation.reset_index(drop=True),
                     test.reset_index(drop=True))

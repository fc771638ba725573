"""Features: silver -> gold, the table the model layer trains on and batch scoring scores.

Gold holds exactly what the spec says the model takes (``MODEL_INPUTS``), the id to join
predictions back, the label as 0/1 when the batch is labelled, and the lineage columns so
every prediction can be traced to a line of a raw file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from demo.feature_spec import (
    ID_COLUMN,
    LABEL_COLUMN,
    LINEAGE_COLUMNS,
    MODEL_INPUTS,
    POSITIVE_LABEL,
)


def gold_columns(labelled: bool = True) -> list[str]:
    """The gold table's columns, in order."""
    label = [LABEL_COLUMN] if labelled else []
    return [ID_COLUMN, *(f.name for f in MODEL_INPUTS), *label, *LINEAGE_COLUMNS]


def build_gold(silver: pd.DataFrame) -> pd.DataFrame:
    """The feature table: categoricals as text, numbers as int/float, churn as 0/1."""
    columns: dict[str, pd.Series] = {ID_COLUMN: silver[ID_COLUMN]}
    for feature in MODEL_INPUTS:
        column = silver[feature.name]
        if feature.is_categorical:
            columns[feature.name] = column.astype("str")
        elif feature.kind in ("binary", "integer"):
            columns[feature.name] = column.astype(np.int64)
        else:
            columns[feature.name] = column.astype(np.float64)
    if LABEL_COLUMN in silver.columns:
        columns[LABEL_COLUMN] = (silver[LABEL_COLUMN] == POSITIVE_LABEL).astype(np.int64)
    for name in LINEAGE_COLUMNS:
        if name in silver.columns:
            columns[name] = silver[name]
    return pd.DataFrame(columns, index=silver.index).reset_index(drop=True)

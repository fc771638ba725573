"""Features: silver -> gold, the table the model layer trains on and batch scoring scores.

Gold holds exactly what the spec says the model takes (``MODEL_INPUTS``), the id to join
predictions back, the label as 0/1 when the batch is labelled, and the lineage columns so
every prediction can be traced to a line of a raw file.
"""

from __future__ import annotations

import pandas as pd

from demo.feature_spec import ID_COLUMN, LABEL_COLUMN, LINEAGE_COLUMNS, MODEL_INPUTS, POSITIVE_LABEL

DTYPE_BY_KIND = {"binary": "int64", "integer": "int64", "float": "float64"}


def as_text(column: pd.Series) -> pd.Series:
    """A column as pandas' str dtype. A Categorical stores a code per row into its list of
    categories; looking the codes up there is one step, not a Python string per row."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = column.cat.categories.astype("str")
        text = pd.Series(categories.take(column.cat.codes), index=column.index)
        return text.where(column.notna())
    return column.astype("str")


def build_gold(silver: pd.DataFrame) -> pd.DataFrame:
    """The feature table: categoricals as text, numbers as int/float, churn as 0/1."""
    columns: dict[str, pd.Series] = {ID_COLUMN: silver[ID_COLUMN]}
    for feature in MODEL_INPUTS:
        column = silver[feature.name]
        columns[feature.name] = (as_text(column) if feature.is_categorical
                                 else column.astype(DTYPE_BY_KIND[feature.kind]))
    if LABEL_COLUMN in silver.columns:
        columns[LABEL_COLUMN] = silver[LABEL_COLUMN].eq(POSITIVE_LABEL).astype("int64")
    columns |= {name: silver[name] for name in LINEAGE_COLUMNS if name in silver.columns}
    return pd.DataFrame(columns, index=silver.index).reset_index(drop=True)

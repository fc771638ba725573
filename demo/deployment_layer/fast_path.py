"""The serving fast path: the registered pipeline's own fitted numbers, without its overhead.

For one row, a scikit-learn ``ColumnTransformer`` on a one-row DataFrame costs milliseconds
of bookkeeping (column selection, pandas checks, validation) while the arithmetic is a few
subtractions and a one-hot lookup. The fast path reads the *fitted* parameters of each
transformer (``StandardScaler.mean_``/``scale_``, ``OneHotEncoder.categories_``), builds the
same matrix with numpy straight from the validated request, and hands it to the same fitted
classifier. It is verified at load time: on a few thousand random valid customers its
matrix and its probabilities must equal the pipeline's, or serving falls back to the
pipeline itself and ``/model`` says why.

Why not ONNX? skl2onnx + onnxruntime was measured first: with onnx 1.23 the converter fails
on ``HistGradientBoostingClassifier``, and once patched its float32 trees gave
probabilities up to 0.085 away from the pipeline's, which breaks "identical predictions".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from demo.feature_spec import INPUT_COLUMNS, MODEL_INPUTS

VERIFY_ROWS = 2_000
TOLERANCE = 1e-9  # max abs difference allowed between fast path and pipeline probabilities

Columns = Mapping[str, Sequence[Any]]  # feature name -> one value per customer


class Predictor(Protocol):
    route: str

    def predict_proba(self, columns: Columns) -> np.ndarray: ...


class PipelinePredictor:
    """The registered pipeline, called as registered (the reference, and the fallback)."""

    def __init__(self, pipeline: Any, route: str = "scikit-learn pipeline") -> None:
        self.pipeline = pipeline
        self.route = route

    def predict_proba(self, columns: Columns) -> np.ndarray:
        frame = pd.DataFrame({name: list(columns[name]) for name in INPUT_COLUMNS})
        return np.asarray(self.pipeline.predict_proba(frame)[:, 1])


@dataclass(frozen=True)
class _Block:
    """One transformer of the ColumnTransformer, reduced to its fitted numbers."""

    kind: str  # "scale", "passthrough" or "onehot"
    columns: tuple[str, ...]
    offset: float | np.ndarray | None = None  # scale: subtract this ...
    divisor: float | np.ndarray | None = None  # ... then divide by this
    lookups: tuple[dict[str, int], ...] = ()  # onehot: value -> column within the block
    width: int = 0


class EncodedPredictor:
    """Builds the ColumnTransformer's matrix with numpy; the fitted classifier does the rest."""

    route = "fast path (fitted encoder parameters + scikit-learn classifier)"

    def __init__(self, blocks: Sequence[_Block], classifier: Any) -> None:
        self.blocks = tuple(blocks)
        self.classifier = classifier
        self.width = sum(b.width for b in self.blocks)

    def matrix(self, columns: Columns) -> np.ndarray:
        rows = len(columns[INPUT_COLUMNS[0]])
        out = np.zeros((rows, self.width), dtype=np.float64)
        start = 0
        for block in self.blocks:
            if block.kind == "onehot":
                index = np.arange(rows)
                position = start
                for name, lookup in zip(block.columns, block.lookups, strict=True):
                    out[index, [position + lookup[v] for v in columns[name]]] = 1.0
                    position += len(lookup)
            else:
                values = np.array([columns[name] for name in block.columns],
                                  dtype=np.float64).T
                if block.offset is not None:
                    values -= block.offset
                if block.divisor is not None:
                    values /= block.divisor
                out[:, start:start + block.width] = values
            start += block.width
        return out

    def predict_proba(self, columns: Columns) -> np.ndarray:
        return np.asarray(self.classifier.predict_proba(self.matrix(columns))[:, 1])


def _block_for(name: str, transformer: Any, columns: Sequence[str]) -> _Block | str:
    """The block for one fitted transformer, or the reason it has no fast equivalent."""
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    columns = tuple(columns)
    if transformer == "passthrough":
        return _Block("passthrough", columns, width=len(columns))
    if isinstance(transformer, StandardScaler):
        return _Block(
            "scale", columns,
            offset=transformer.mean_ if transformer.with_mean else None,
            divisor=transformer.scale_ if transformer.with_std else None,
            width=len(columns),
        )
    if isinstance(transformer, OneHotEncoder):
        if transformer.drop is not None or getattr(transformer, "_infrequent_enabled", False):
            return f"'{name}': OneHotEncoder with drop or infrequent categories"
        lookups = tuple({str(v): i for i, v in enumerate(cats)}
                        for cats in transformer.categories_)
        return _Block("onehot", columns, lookups=lookups, width=sum(map(len, lookups)))
    return f"'{name}': {type(transformer).__name__} has no fast equivalent"


def _compile(pipeline: Any) -> EncodedPredictor | str:
    """An ``EncodedPredictor`` for Pipeline(ColumnTransformer, classifier), or why not."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    if not isinstance(pipeline, Pipeline) or len(pipeline.steps) != 2:
        return "the model is not a two-step Pipeline(preprocess, classifier)"
    preprocess, classifier = pipeline.steps[0][1], pipeline.steps[1][1]
    if not isinstance(preprocess, ColumnTransformer):
        return "the first step is not a ColumnTransformer"
    blocks: list[_Block] = []
    for name, transformer, columns in preprocess.transformers_:
        if transformer == "drop" or len(columns) == 0:
            continue
        block = _block_for(name, transformer, columns)
        if isinstance(block, str):
            return block
        blocks.append(block)
    return EncodedPredictor(blocks, classifier)


def random_valid_customers(rows: int, seed: int) -> pd.DataFrame:
    """Customers drawn uniformly from the spec's allowed values and ranges (any combination)."""
    rng = np.random.default_rng(seed)
    data: dict[str, Any] = {}
    for feature in MODEL_INPUTS:
        if feature.is_categorical:
            data[feature.name] = rng.choice(np.array(feature.allowed, dtype=object), rows)
        elif feature.kind == "float":
            data[feature.name] = np.round(rng.uniform(*feature.bounds, rows), 2)
        else:
            low, high = feature.bounds
            data[feature.name] = rng.integers(int(low), int(high) + 1, rows)
    return pd.DataFrame(data)


def frame_columns(frame: pd.DataFrame) -> dict[str, list[Any]]:
    return {name: frame[name].tolist() for name in INPUT_COLUMNS}


def build_predictor(pipeline: Any, rows: int = VERIFY_ROWS, seed: int = 0) -> Predictor:
    """The fast path when it reproduces ``pipeline`` exactly, else the pipeline itself."""
    compiled = _compile(pipeline)
    if isinstance(compiled, str):
        return PipelinePredictor(pipeline, f"scikit-learn pipeline (no fast path: {compiled})")
    customers = random_valid_customers(rows, seed)
    columns = frame_columns(customers)
    try:
        expected_matrix = pipeline.steps[0][1].transform(customers)
        if hasattr(expected_matrix, "toarray"):
            expected_matrix = expected_matrix.toarray()
        same_matrix = np.allclose(compiled.matrix(columns), expected_matrix, rtol=0, atol=1e-12)
        gap = float(np.max(np.abs(compiled.predict_proba(columns)
                                  - pipeline.predict_proba(customers)[:, 1])))
    except (ValueError, TypeError, KeyError) as exc:
        return PipelinePredictor(pipeline, f"scikit-learn pipeline (fast path failed: {exc})")
    if not same_matrix or gap > TOLERANCE:
        return PipelinePredictor(
            pipeline, f"scikit-learn pipeline (fast path differs: max gap {gap:.2e})")
    compiled.route = f"{EncodedPredictor.route}, verified on {rows:,} customers, max gap {gap:.1e}"
    return compiled

"""The trusted side of the failure-injection labs (``demo/labs.py``).

A lab's test breaks fresh workspaces where the tests run, copies each into the student's
scratch folder (``nb.files.put_folder``) and asks the student's ``diagnose`` and ``repair``
about it. The test knows the answer because it chose what to break, from seeds the student
never sees under ``make grade``; nothing here reads an answer off the artifacts.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from grading.plugin import REFERENCE_CACHE_ENV

# The public seeds of every lab test; under a secret they become hidden ones (variant_seed).
LAB_SEEDS = (21, 22)

# What every lab asks of each broken workspace; a lab may ask one more thing.
DIAGNOSIS_ANSWERS = ("layer", "owner", "artifact", "culprit", "fix")
# The points of a lab (exercises/README.md states the rule): each answer is worth a point per
# hidden incident and is scored when right on every one; the repair, the part that changes the
# workspace and must leave it healed, three per incident.
POINTS_PER_ANSWER = len(LAB_SEEDS)
POINTS_FOR_REPAIR = 3 * len(LAB_SEEDS)

# A change of unit or of spelling asks for the matching fix (demo.labs.FIXES).
FIX_FOR_KIND = {"unit": "convert the unit back", "spelling": "map the spelling back"}


@dataclass(frozen=True)
class Incident:
    """A workspace broken on the trusted side, with what was broken."""

    folder: Path
    injection: Any  # demo.labs.Injection
    healthy: Any = None  # the data as it should have been, where the lab has data


def incidents(make: Callable[..., Incident], folders: Any,
              variant_seed: Callable[[int], int], lab: str,
              stories: tuple[str, ...] | None = None) -> list[Incident]:
    """One broken workspace per public seed (hidden seeds when grading a class). With
    ``stories`` (one per seed) the n-th workspace is ``make(folder, seed, story=stories[n])``,
    so a lab whose seed picks between stories still meets each of them.

    Every student of a batch meets the same hidden seeds, so when the batch has a folder of
    expected values (``COURSE_REFERENCE_CACHE``, out of every sandbox's sight) the workspaces
    are broken once there and reused: breaking a registry costs seconds per student.
    """
    cache = os.environ.get(REFERENCE_CACHE_ENV)
    makers = [(make, lab) if stories is None else (partial(make, story=story), f"{lab}-{story}")
              for story in (stories or [None] * len(LAB_SEEDS))]
    if not cache:
        return [maker(folders.mktemp(f"{name}-lab"), variant_seed(public))
                for (maker, name), public in zip(makers, LAB_SEEDS, strict=True)]
    return [_cached(maker, Path(cache) / "labs", name, variant_seed(public))
            for (maker, name), public in zip(makers, LAB_SEEDS, strict=True)]


def _cached(make: Callable[[Path, int], Incident], cache: Path, lab: str, seed: int) -> Incident:
    from demo.labs import Injection
    from grading.local import one_builder

    done = cache / f"{lab}-{seed}"
    if not (done / "injection.json").exists():
        cache.mkdir(parents=True, exist_ok=True)
        with one_builder(cache / f".{lab}-{seed}.lock"):
            if not (done / "injection.json").exists():  # not built while we waited
                _build(make, cache, done, seed)
    injection = Injection(**json.loads((done / "injection.json").read_text()))
    healthy = done / "healthy.parquet"
    return Incident(done / "workspace", injection,
                    pd.read_parquet(healthy) if healthy.exists() else None)


def _build(make: Callable[[Path, int], Incident], cache: Path, done: Path, seed: int) -> None:
    building = Path(tempfile.mkdtemp(dir=cache, prefix=".building-"))
    (building / "workspace").mkdir()
    incident = make(building / "workspace", seed)
    if incident.healthy is not None:
        incident.healthy.to_parquet(building / "healthy.parquet")
    (building / "injection.json").write_text(json.dumps(asdict(incident.injection)))
    try:
        os.rename(building, done)  # atomic: a reader never sees half a workspace
    except OSError:
        shutil.rmtree(building, ignore_errors=True)


def diagnosed(nb: Any, found: list[Incident], function: str = "diagnose"
              ) -> list[tuple[Incident, Any]]:
    """Each broken workspace with the student's diagnosis of it (asked once per workspace;
    a test per answer then reads it)."""
    ask = getattr(nb, function)
    return [(incident, ask(nb.files.put_folder(incident.folder, "incident")))
            for incident in found]


def diagnosis_test(question: str, diagnoses: str,
                   expected: Callable[[Incident], Mapping[str, str | set[str]]],
                   answers: tuple[str, ...] = DIAGNOSIS_ANSWERS) -> Callable[..., None]:
    """A test per answer of a lab's diagnosis, reading the module fixture ``diagnoses`` (a
    ``diagnosed`` list): the answer is right when it is what ``expected`` says broke every
    workspace (a value, or a set of accepted values)."""
    import pytest

    params = [pytest.param(answer, id=answer, marks=[pytest.mark.title(
        f"the diagnosis names the {answer}, on every broken workspace")]) for answer in answers]

    @pytest.mark.question(question)
    @pytest.mark.points(POINTS_PER_ANSWER)
    @pytest.mark.parametrize("answer", params)
    def test_diagnosis(nb: Any, answer: str, request: pytest.FixtureRequest) -> None:
        """An answer of the lab's diagnosis"""
        for incident, got in request.getfixturevalue(diagnoses):
            mistakes = diagnosis_mistakes(got, {answer: expected(incident)[answer]})
            assert not mistakes, mistakes[0]

    return test_diagnosis


def diagnosis_mistakes(got: Any, expected: Mapping[str, str | set[str]]) -> list[str]:
    """What a diagnosis gets wrong, in words that name the key, never the right value."""
    if type(got) is not dict:
        return [f"diagnose should return a dict, got {type(got).__name__}"]
    mistakes = []
    for key, accepted in expected.items():
        allowed = {accepted} if isinstance(accepted, str) else accepted
        value = got.get(key)
        if value is None:
            mistakes.append(f"no {key!r} in the diagnosis")
        elif type(value) is not str or value not in allowed:
            mistakes.append(f"the {key} {value!r} is not what broke this workspace")
    return mistakes

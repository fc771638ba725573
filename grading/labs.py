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
from pathlib import Path
from typing import Any

import pandas as pd

from grading.plugin import REFERENCE_CACHE_ENV

# The public seeds of every lab test; under a secret they become hidden ones (variant_seed).
LAB_SEEDS = (21, 22)

# A change of unit or of spelling asks for the matching fix (demo.labs.FIXES).
FIX_FOR_KIND = {"unit": "convert the unit back", "spelling": "map the spelling back"}


@dataclass(frozen=True)
class Incident:
    """A workspace broken on the trusted side, with what was broken."""

    folder: Path
    injection: Any  # demo.labs.Injection
    healthy: Any = None  # the data as it should have been, where the lab has data


def incidents(make: Callable[[Path, int], Incident], folders: Any,
              variant_seed: Callable[[int], int], lab: str) -> list[Incident]:
    """One broken workspace per public seed (hidden seeds when grading a class).

    Every student of a batch meets the same hidden seeds, so when the batch has a folder of
    expected values (``COURSE_REFERENCE_CACHE``, out of every sandbox's sight) the workspaces
    are broken once there and reused: breaking a registry costs seconds per student.
    """
    cache = os.environ.get(REFERENCE_CACHE_ENV)
    if not cache:
        return [make(folders.mktemp(f"{lab}-lab"), variant_seed(public)) for public in LAB_SEEDS]
    return [_cached(make, Path(cache) / "labs", lab, variant_seed(public)) for public in LAB_SEEDS]


def _cached(make: Callable[[Path, int], Incident], cache: Path, lab: str, seed: int) -> Incident:
    from demo.labs import Injection

    done = cache / f"{lab}-{seed}"
    if not (done / "injection.json").exists():
        cache.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(dir=cache, prefix=".building-"))
        (building / "workspace").mkdir()
        incident = make(building / "workspace", seed)
        if incident.healthy is not None:
            incident.healthy.to_parquet(building / "healthy.parquet")
        (building / "injection.json").write_text(json.dumps(asdict(incident.injection)))
        try:
            os.rename(building, done)  # atomic: a judge beside this one may have won the race
        except OSError:
            shutil.rmtree(building, ignore_errors=True)
    injection = Injection(**json.loads((done / "injection.json").read_text()))
    healthy = done / "healthy.parquet"
    return Incident(done / "workspace", injection,
                    pd.read_parquet(healthy) if healthy.exists() else None)


def assert_diagnosed(nb: Any, found: list[Incident],
                     expected: Callable[[Incident], Mapping[str, str | set[str]]]) -> None:
    """The student's ``diagnose`` names, for every broken workspace, what ``expected`` says
    broke it (a value, or a set of accepted values, per key)."""
    for incident in found:
        got = nb.diagnose(nb.files.put_folder(incident.folder, "incident"))
        mistakes = diagnosis_mistakes(got, expected(incident))
        assert not mistakes, "; ".join(mistakes)


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

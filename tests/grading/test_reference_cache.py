"""The reference's expected values are computed once per batch, not once per student.

Each student's judge asks the reference solution (``reference.psi(...)`` and so on) for the
expected answer, and keeps it in the batch's cache under a key made of the inputs. Inputs
that change from one judge to the next (a temporary folder, the clock in a lineage column)
make every key new, and every student then pays for loading and running the reference
notebook again. Two runs of the exercise tests that use ``reference`` must share every key.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from demo.paths import PROJECT_ROOT

ONLY_REFERENCE_TESTS = """
import json, sys
import pytest

class OnlyReferenceTests:
    def pytest_collection_modifyitems(self, items):
        items[:] = [i for i in items if "reference" in getattr(i, "fixturenames", ())]

    def pytest_collection_finish(self, session):
        print("COLLECTED " + json.dumps([i.nodeid for i in session.items]))

sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "-o", "addopts=", "tests/exercises"],
                     plugins=[OnlyReferenceTests()]))
"""


def run_reference_tests(cache: Path) -> list[str]:
    """The exercise tests that use ``reference``, run once on the solutions; their ids."""
    env = {**os.environ, "COURSE_REFERENCE_CACHE": str(cache),
           "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    env.pop("COURSE_SECRET_SEED", None)
    done = subprocess.run([sys.executable, "-c", ONLY_REFERENCE_TESTS], cwd=PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("COLLECTED "))
    return json.loads(line.removeprefix("COLLECTED "))


def cached_answers(cache: Path) -> set[str]:
    return {str(p.relative_to(cache)) for p in cache.rglob("*.json") if p.parent.name != "labs"
            and "labs" not in p.relative_to(cache).parts}


@pytest.mark.slow
def test_a_second_judge_reads_every_expected_value_from_the_cache(tmp_path: Path) -> None:
    cache = tmp_path / "reference-cache"
    tests = run_reference_tests(cache)
    assert len(tests) >= 4, f"expected the exercise tests that use `reference`, got {tests}"
    first = cached_answers(cache)
    assert first, "the reference's answers were not kept in the batch's cache"
    run_reference_tests(cache)
    new = cached_answers(cache) - first
    assert not new, (f"a second run computed {len(new)} expected values again; their inputs "
                     f"differ from one judge to the next: {sorted(new)}")

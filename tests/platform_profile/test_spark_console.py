"""Spark's own console lines can go to a file, so a notebook cell shows none of them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from demo.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow

START_AND_COUNT = """
import sys
from pathlib import Path
from demo.platform.spark_data_layer import spark_session
session = spark_session("local[1]", shuffle_partitions=1, driver_memory="1g",
                        console_log=Path(sys.argv[1]))
print(session.range(3).count())
session.stop()
"""


def test_the_jvm_writes_its_console_to_the_given_file(tmp_path: Path) -> None:
    log = tmp_path / "spark-console.log"
    done = subprocess.run([sys.executable, "-c", START_AND_COUNT, str(log)], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "3"
    assert done.stderr == ""  # nothing from the JVM reached this process's stderr
    assert "log4j" in log.read_text()  # its start-up lines are in the file instead

"""``python -m demo``: see ``demo.cli``."""

import gc
import sys

from demo.cli import main

# Two settings of Python's garbage collector, for a command that imports big libraries.
# Measured on `python -m demo run` (imports included): the collector's full passes over
# every object cost ~1.4 s, because importing Great Expectations, MLflow and scikit-learn
# creates millions of objects and each 700 new ones start a pass over the youngest. Every
# 7,000 instead: one full pass, 0.5 s in all, the same peak memory.
gc.set_threshold(7_000, 10, 10)
code = main()
# The command is done. On its way out Python would still collect every object the
# libraries made (~1.5 s more); freezing them skips that pass. Files are closed by then,
# and the operating system takes the memory back all the same.
gc.freeze()
sys.exit(code)

"""``python -m demo``: see ``demo.cli``."""

import gc
import sys

from demo.cli import main

code = main()
# The command is done. On its way out Python still garbage-collects every object the
# libraries made at import (Great Expectations, MLflow, scikit-learn: ~1.5 s measured after
# `python -m demo run`, longer than most steps). Freezing them skips that pass; files are
# closed by then, and the operating system takes the memory back all the same.
gc.freeze()
sys.exit(code)

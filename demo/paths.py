"""One anchor for every path in the repository (no absolute paths elsewhere)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATASETS_DIR = PROJECT_ROOT / "datasets"
SAMPLE_RAW_CSV = DATASETS_DIR / "telco_churn_raw.csv"
LESSONS_DIR = PROJECT_ROOT / "lessons"
EXERCISES_DIR = PROJECT_ROOT / "exercises"
SOLUTIONS_DIR = PROJECT_ROOT / "solutions"
DEFAULT_WORKSPACE = PROJECT_ROOT / "workspace"
PARAMS_FILE = PROJECT_ROOT / "demo" / "params.toml"  # the policy numbers (see the file)
# The outside reference file lives beside the repository, never inside it.
REFERENCE_RAW_CSV = PROJECT_ROOT.parent / "shared" / "reference-data" / "telco-customer-churn.csv"

"""Which file shows which page, in the talk's order (paths relative to the entry script).

The folder is ``views/``, not ``pages/``: Streamlit treats a ``pages/`` folder beside the
entry script as an old-style multipage app and runs a page file on its own when its URL is
opened, skipping the entry script, and with it the sidebar and ``st.navigation``.
"""

from __future__ import annotations

OVERVIEW = "views/overview.py"
STEP_PAGES: dict[str, str] = {
    "raw": "views/raw_data.py",
    "clean": "views/cleaning.py",
    "contract": "views/contract.py",
    "features": "views/features.py",
    "train": "views/training.py",
    "registry": "views/registry.py",
    "serve": "views/serving.py",
    "monitor": "views/monitoring.py",
    "retrain": "views/retraining.py",
}
CLOUD_MAPPING = "views/cloud_mapping.py"
BEST_PRACTICES = "views/best_practices.py"
CLASS_ROOM = "views/class_room.py"
ALL_PAGES: tuple[str, ...] = (OVERVIEW, *STEP_PAGES.values(), CLOUD_MAPPING, BEST_PRACTICES,
                              CLASS_ROOM)

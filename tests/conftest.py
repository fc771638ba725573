"""Fixtures shared by every test: each test gets its own temporary workspace."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from demo.settings import Settings, configure_offline

configure_offline()
os.environ.setdefault("DEMO_PROGRESS", "0")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings whose workspace is a fresh temporary folder."""
    return Settings.from_env(tmp_path / "workspace")

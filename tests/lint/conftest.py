"""Fixtures for the linter's command-line tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An empty HUSHFLOW_HOME for one test."""
    return tmp_path / "home"

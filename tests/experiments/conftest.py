"""Fixtures for the experiments tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def out(tmp_path):
    """A fresh output folder path (not created)."""
    return tmp_path / "out"

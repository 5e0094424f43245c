"""Shared fixtures: the reference data beside the repository (tests skip when it is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of ../shared/data; skips the test when it is not there."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present; reference comparisons skipped")
    return SHARED_DATA

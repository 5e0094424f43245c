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


@pytest.fixture(scope="session")
def partly_known_shortlist():
    """Lancaster's revenues & benefits shortlist in 2009 with systems known for Lancaster and
    three candidates only: the other candidates' systems cells are unknown (policy-filled)."""
    import pandas as pd

    import partnerfit as pf

    def row(code, name, vendor, product):
        return {"council": code, "council_name": name, "function": "revenues_benefits",
                "vendor": vendor, "product": product, "year_observed": "2009", "notes": "",
                "source_title": "Report", "source_publisher": "Council",
                "source_date": "2009", "source_url": "https://example.org"}

    table = pf.read_systems(pd.DataFrame([
        row("E07000121", "Lancaster", "Capita", "Academy"),
        row("E07000123", "Preston", "Capita", "Academy"),
        row("E07000128", "Wyre", "Capita", "Revenues"),
        row("E07000031", "South Lakeland", "Northgate", "iWorld")]))
    return pf.shortlist("Lancaster", "revenues_benefits", as_of="2009-06-01", systems=table)

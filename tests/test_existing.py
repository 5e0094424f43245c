"""existing_arrangements: running arrangements among given councils, from the links table."""

from __future__ import annotations

import pandas as pd
import pytest

import partnerfit as pf
from partnerfit.errors import UnknownServiceError
from partnerfit.existing import existing_arrangements


def test_lancaster_preston_revenues_benefits_2019():
    codes = pf.load_councils("2019-04-01").query("county == 'E10000017'").index
    t = existing_arrangements(codes, "revenues_benefits", "2019-04-01")
    links = pf.load_links("2019-04-01")
    mine = links[(links["service"] == "revenues_benefits") & links["council"].isin(codes)]
    assert sorted(t["arrangement"]) == sorted(set(mine["arrangement"]))
    row = t.set_index("arrangement").loc["lancaster-preston-revenues-benefits"]
    assert row["members"] == ("E07000121", "E07000123") and row["start"] == 2011


def test_members_outside_the_codes_are_listed_separately():
    links = pf.load_links("2019-04-01")
    arr = links.groupby("arrangement")["council"].nunique()
    name = arr[arr >= 3].index[0]
    part = links[links["arrangement"] == name]
    one = part["council"].iloc[0]
    t = existing_arrangements([one], part["service"].iloc[0], "2019-04-01")
    row = t.set_index("arrangement").loc[name]
    assert row["members"] == (one,) and set(row["all_members"]) == set(part["council"])


def test_empty_links_and_unknown_service():
    assert existing_arrangements(["E07000121"], "revenues_benefits", "2019-04-01",
                                 links=pd.DataFrame(columns=["arrangement"])).empty
    with pytest.raises(UnknownServiceError):
        existing_arrangements(["E07000121"], "revenue", "2019-04-01")

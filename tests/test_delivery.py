"""Delivery model rule: hand-worked cases for each branch."""

from __future__ import annotations

import pandas as pd
import pytest

from partnerfit.delivery import choose_delivery_model
from partnerfit.errors import DataValidationError


def members(**cols):
    codes = ["E07000121", "E07000123", "E07000126"]
    df = pd.DataFrame(cols, index=pd.Index(codes, name="code"))
    df["name"] = ["Lancaster", "Preston", "South Ribble"]
    return df


def test_single_council_stays_alone():
    df = members(population=[1, 2, 3]).iloc[:1]
    choice = choose_delivery_model(df, "audit")
    assert choice.model == "alone" and choice.role("E07000121") == "alone"


def test_existing_host_leads_even_if_smaller():
    df = members(population=[140_000, 300_000, 110_000], lead_roles=[2, 0, 1])
    choice = choose_delivery_model(df, "revenues_benefits")
    assert (choice.model, choice.lead) == ("sovereign", "E07000121")
    assert "already leads or hosts 2" in choice.reasons[0]


def test_tied_hosts_fall_through_to_scale():
    df = members(population=[100_000, 160_000, 90_000], lead_roles=[1, 1, 0])
    choice = choose_delivery_model(df, "audit")
    # 160k / 100k = 1.6 >= 1.5
    assert (choice.model, choice.lead) == ("sovereign", "E07000123")
    assert "1.60 times" in choice.reasons[0]


def test_scale_threshold_is_a_parameter():
    df = members(population=[100_000, 140_000, 90_000])
    assert choose_delivery_model(df, "audit").model == "federal"  # 1.4 < 1.5
    choice = choose_delivery_model(df, "audit", scale_ratio=1.3)
    assert (choice.model, choice.lead) == ("sovereign", "E07000123")


def test_score_margin_then_system_then_federal():
    df = members(population=[100_000, 110_000, 105_000], score=[60, 75, 64])
    choice = choose_delivery_model(df, "ict")
    assert (choice.model, choice.lead) == ("sovereign", "E07000123")  # 75 - 64 = 11 >= 10
    df = members(population=[100_000, 110_000, 105_000], score=[60, 70, 64],
                 system=["Civica", "Northgate", "Civica"])
    choice = choose_delivery_model(df, "revenues_benefits")
    # Civica run by 2 of 3; the larger of those (South Ribble, 105k) leads
    assert (choice.model, choice.lead) == ("sovereign", "E07000126")
    assert "Preston would adopt it" in choice.reasons[0]
    df = members(population=[100_000, 110_000, 105_000])
    choice = choose_delivery_model(df, "audit")
    assert choice.model == "federal" and choice.lead is None
    assert all(choice.role(c) == "partner" for c in df.index)


def test_arms_length_for_large_groups_when_asked():
    df = members(population=[100_000, 110_000, 105_000])
    choice = choose_delivery_model(df, "audit", allow_arms_length=True, arms_length_min_size=3)
    assert choice.model == "joint_committee"


def test_missing_population_is_not_treated_as_zero():
    df = members(population=[100_000, None, 40_000])
    assert choose_delivery_model(df, "audit").model == "federal"


def test_bad_input_lists_problems():
    df = members(population=["many", 2, 3])
    with pytest.raises(DataValidationError, match="population is not a number"):
        choose_delivery_model(df, "audit")


def test_host_reason_names_the_arrangements_it_leads():
    df = members(population=[140_000, 300_000, 110_000], lead_roles=[0, 0, 2],
                 hosted=[None, None, "Ribble shared licensing; Fylde coast licensing"])
    choice = choose_delivery_model(df, "licensing")
    assert (choice.model, choice.lead) == ("sovereign", "E07000126")
    assert choice.reasons[0].startswith(
        "South Ribble already leads or hosts 2 shared licensing arrangements "
        "(Ribble shared licensing; Fylde coast licensing), more than any other member")


def test_unknown_systems_never_make_or_break_a_majority():
    pop = [100_000, 110_000, 105_000]
    # one known system of three: 1 of 3 is no majority, however many are unknown
    choice = choose_delivery_model(members(population=pop, system=["Civica", None, None]),
                                   "revenues_benefits")
    assert choice.model == "federal"
    assert "not known for Preston and South Ribble" in choice.reasons[0]
    # two of three on Civica, the third unknown: a majority of all three members, and the
    # unknown member is not said to run something else
    choice = choose_delivery_model(members(population=pop, system=["Civica", None, "Civica"]),
                                   "revenues_benefits")
    assert (choice.model, choice.lead) == ("sovereign", "E07000126")  # 105k > 100k
    text = choice.reasons[0]
    assert text.startswith("2 of 3 members already run Civica for revenues & benefits")
    assert "would adopt it" not in text.split(";")[0]
    assert "the revenues & benefits system of Preston is not known (it would adopt" in text


def test_everyone_on_one_system_gives_no_lead_and_says_why():
    df = members(population=[100_000, 110_000, 105_000], system=["Civica"] * 3)
    choice = choose_delivery_model(df, "revenues_benefits")
    assert choice.model == "federal"
    assert "every member already runs Civica" in choice.reasons[0]
    assert "only 1.05 times the next largest" in choice.reasons[0]  # 110k / 105k


def test_reason_mentions_the_arrangement_members_already_share():
    # Canterbury, Dover and Thanet share revenues & benefits through EK Services, all recorded
    # as partners (no lead): the reason must say so, not only that no member leads one.
    import csv
    from pathlib import Path

    import partnerfit as pf
    from partnerfit.grouping.facts import delivery_attributes

    codes = ["E07000106", "E07000108", "E07000114"]
    with (Path(__file__).resolve().parents[1] / "councils"
          / "arrangements_england_districts.csv").open(encoding="utf-8", newline="") as fh:
        eks = [r for r in csv.DictReader(fh)
               if r["arrangement"] == "east-kent-services-revenues_benefits"]
    assert sorted(r["council"] for r in eks) == codes
    assert {r["role"] for r in eks} == {"partner"}
    reg = pf.load_councils("2019-04-01").loc[codes]
    no_systems = pd.DataFrame(columns=["council", "function", "vendor", "product"])
    attrs = delivery_attributes(["revenues_benefits"], codes, reg, pf.load_links("2019-04-01"),
                                no_systems)["revenues_benefits"]
    members = attrs.assign(name=reg["name"]).drop(columns=["system"])
    choice = choose_delivery_model(members, "revenues_benefits")
    text = " ".join(choice.reasons)
    assert "no member already leads or hosts a shared revenues & benefits arrangement" in text
    assert (f"Canterbury, Dover and Thanet already share revenues & benefits in "
            f"{eks[0]['name']}") in text

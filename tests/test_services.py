"""Tests of the service catalogue (partnerfit.services)."""

from __future__ import annotations

import importlib

import pytest

import partnerfit as pf

sv = importlib.import_module("partnerfit.services")

DESIGN_SERVICES = [  # the ids listed in DESIGN.md section 5
    "revenues_benefits", "hr_payroll", "finance", "audit", "legal", "ict", "procurement",
    "building_control", "planning", "licensing", "environmental_health", "waste_collection",
    "waste_disposal", "parking", "museums_culture", "leisure", "insurance", "customer_services",
    "management", "adult_social_care", "childrens_services", "highways", "libraries",
    "trading_standards",
]


def test_catalogue_has_every_design_service_with_all_fields():
    cat = sv.services()
    assert set(DESIGN_SERVICES) <= set(cat.index)
    assert cat["family"].isin(sv.FAMILIES).all()
    assert cat["geography"].isin(sv.GEOGRAPHY_LEVELS).all()
    assert (cat["delivered_by"].map(len) > 0).all()


@pytest.mark.parametrize("tier, service, expected", [
    ("county", "revenues_benefits", False),          # a county does not collect council tax
    ("non_metropolitan_district", "childrens_services", False),
    ("non_metropolitan_district", "revenues_benefits", True),
    ("county", "adult_social_care", True),
    ("unitary", "revenues_benefits", True), ("unitary", "adult_social_care", True),
    ("welsh_unitary", "highways", True), ("scottish_unitary", "planning", True),
    ("county", "hr_payroll", True), ("non_metropolitan_district", "hr_payroll", True),
])
def test_tiers_deliver_per_design_domain_facts(tier, service, expected):
    assert sv.tier_delivers(tier, service) is expected


def test_eligible_resolves_the_council():
    assert sv.eligible("Lancaster", "revenues_benefits")
    assert not sv.eligible("Lancashire", "revenues_benefits")


def test_unknown_service_suggests_the_right_id():
    with pytest.raises(pf.UnknownServiceError, match="did you mean 'revenues_benefits'"):
        sv.check_service("revenue_benefits")


def test_bad_catalogue_reports_every_problem_with_lines(tmp_path):
    path = tmp_path / "services.yaml"
    path.write_text(
        "services:\n"
        "  payroll:\n"
        "    name: Payroll\n"
        "    family: back_offise\n"
        "    delivered_by: [all]\n"
        "    geography: low\n"
        "    systems: [hr_payrol]\n"
        "  parking:\n"
        "    name: Parking\n"
        "    family: place\n"
        "    delivered_by: [districts]\n"
        "    geograpy: high\n"
        "    systems: []\n")
    before = path.read_bytes()
    with pytest.raises(pf.DataValidationError) as err:
        sv.load_services(path)
    msg = str(err.value)
    assert "line 4: family 'back_offise'" in msg and "did you mean 'back_office'" in msg
    assert "line 7: system function 'hr_payrol'" in msg
    assert "line 11: tier 'districts'" in msg
    assert "line 12: unknown field 'geograpy'" in msg
    assert "has no 'geography'" in msg
    assert path.read_bytes() == before


# Domain facts from DESIGN.md section 3 and issue 2, written out by hand.
@pytest.mark.parametrize("service, level", [
    ("building_control", "high"), ("parking", "high"), ("environmental_health", "high"),
    ("waste_collection", "high"), ("hr_payroll", "low"), ("audit", "low"), ("finance", "low"),
])
def test_geography_strength_follows_the_domain(service, level):
    assert sv.services().at[service, "geography"] == level


@pytest.mark.parametrize("service, function", [
    ("revenues_benefits", "revenues_benefits"), ("hr_payroll", "hr_payroll"),
    ("finance", "finance"), ("planning", "planning"), ("customer_services", "crm"),
    ("adult_social_care", "social_care"),
])
def test_services_depend_on_their_it_system(service, function):
    assert function in sv.services().at[service, "systems"]


def test_every_system_function_named_is_a_systems_register_function():
    from partnerfit.links import load_systems

    used = {f for fs in sv.services()["systems"] for f in fs}
    assert used <= set(sv.SYSTEM_FUNCTIONS)
    assert set(load_systems()["function"]) <= set(sv.SYSTEM_FUNCTIONS)


@pytest.mark.parametrize("service, england, wales, scotland", [
    # who delivers, per nation: a district collects council tax, a county does not
    ("revenues_benefits", {"non_metropolitan_district", "unitary", "metropolitan_borough",
                           "london_borough", "sui_generis"}, {"welsh_unitary"},
     {"scottish_unitary"}),
    ("childrens_services", {"county", "unitary", "metropolitan_borough", "london_borough",
                            "sui_generis"}, {"welsh_unitary"}, {"scottish_unitary"}),
    # public health: English upper tier since 2013; an NHS function in Wales and Scotland
    ("public_health", {"county", "unitary", "metropolitan_borough", "london_borough",
                       "sui_generis"}, set(), set()),
    ("hr_payroll", {"county", "non_metropolitan_district", "unitary", "metropolitan_borough",
                    "london_borough", "sui_generis"}, {"welsh_unitary"}, {"scottish_unitary"}),
])
def test_tiers_per_nation(service, england, wales, scotland):
    row = sv.services().loc[service]
    assert (set(row["tiers_england"]), set(row["tiers_wales"]), set(row["tiers_scotland"])) == (
        england, wales, scotland)


def test_every_service_is_delivered_in_england_and_names_its_family():
    cat = sv.services()
    assert (cat["tiers_england"].map(len) > 0).all()
    assert (cat["name"].str.len() > 2).all()
    assert set(cat["family"]) == set(sv.FAMILIES)

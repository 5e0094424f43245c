"""Existing partnerships as candidates.

Members are checked against the arrangements read directly from the bundled CSV files; a
partnership's score against a hand computation of the documented aggregation (nearest member
for geography, host for fit and record, combined population for size, the most with any member
for the other relationships), with value functions applied from criteria/criteria.yaml by
numpy, not by partnerfit.
"""

from __future__ import annotations

import os
import re

import matplotlib
import numpy as np
import pandas as pd
import pytest
import yaml
from test_availability import ROOT, csv_running

import partnerfit as pf
from partnerfit.errors import NotACandidateError
from partnerfit.export import render_markdown, write

matplotlib.use("Agg")

FENLAND, SERVICE, DATE = "E07000010", "revenues_benefits", pd.Timestamp("2013-06-01")
ARP = "anglia-revenues-partnership-revenues_benefits"
LINCOLN_NK = "lincoln-north-kesteven-revenues-benefits-revenues_benefits"
GSS = re.compile(r"^[ENSW]\d{8}$")


@pytest.fixture(scope="module")
def sl():
    return pf.shortlist("Fenland", SERVICE, as_of=DATE)


@pytest.fixture(scope="module")
def reg():
    return pd.read_csv(os.path.join(ROOT, "councils", "councils.csv"), dtype=str,
                       keep_default_na=False).set_index("code")


def test_arp_is_on_fenlands_2013_shortlist_with_the_csv_members(sl):
    running = csv_running(SERVICE, DATE)
    members = tuple(sorted(running.loc[running["arrangement"] == ARP, "code"]))
    # Fenland joined ARP on 1 April 2014 (the CSV), so in 2013 it is a candidate, not a member
    assert FENLAND not in members and len(members) >= 2
    t = sl.table.set_index("code")
    assert t.at[ARP, "kind"] == "partnership"
    assert t.at[ARP, "members"] == members
    assert t.at[ARP, "name"] == f"Join Anglia Revenues Partnership (ARP) ({len(members)} councils)"
    assert t.at[ARP, "tier"] == "partnership"
    # councils are councils, partnerships are never given a GSS code
    assert all(GSS.match(c) for c in t.index[t["kind"] == "council"])
    assert not any(GSS.match(c) for c in t.index[t["kind"] == "partnership"])
    assert (t.loc[t["kind"] == "council", "members"].map(len) == 0).all()


def test_partnerships_are_the_running_ones_without_fenland(sl):
    running = csv_running(SERVICE, DATE)
    sizes = running.groupby("arrangement")["code"].nunique()
    mine = set(running.loc[running["code"] == FENLAND, "arrangement"])
    expected = {a for a, n in sizes.items() if n >= 2 and a not in mine}
    # within reach: with no distance limit, any member delivering the service is in reach
    assert set(sl.table.loc[sl.table["kind"] == "partnership", "code"]) == expected


def _value(spec: dict, x):
    if spec["type"] == "piecewise":
        xs, vs = zip(*spec["points"], strict=True)
        return float(np.interp(float(x), xs, vs))
    if spec["type"] == "categorical":
        return float(spec["values"][x])
    raise AssertionError(spec)


def test_partnership_score_equals_a_hand_computation(sl, reg):
    """Lincoln and North Kesteven: Lincoln leads (host), North Kesteven is nearer Fenland."""
    with open(os.path.join(ROOT, "criteria", "criteria.yaml"), encoding="utf-8") as f:
        spec = yaml.safe_load(f)["criteria"]
    running = csv_running(SERVICE, DATE)
    rows = running[running["arrangement"] == LINCOLN_NK]
    members = sorted(rows["code"])
    host = rows.loc[rows["role"] == "lead", "code"].item()
    e = pd.to_numeric(reg["easting"], errors="coerce")
    n = pd.to_numeric(reg["northing"], errors="coerce")
    km = {c: float(np.hypot(e[c] - e[FENLAND], n[c] - n[FENLAND])) / 1000 for c in members}
    nearest = min(members, key=lambda c: (km[c], c))
    assert host == "E07000138" and nearest == "E07000139"  # the case tests both rules
    raw = sl.raw
    pop = pd.to_numeric(reg["population"], errors="coerce")
    combined = sum(pop[c] for c in members)
    measure = {
        "distance": km[nearest],
        "adjacency": raw.at[nearest, "adjacency"],
        "same_area": raw.at[nearest, "same_area"],
        "tier_fit": raw.at[host, "tier_fit"],
        "size_ratio": min(combined, pop[FENLAND]) / max(combined, pop[FENLAND]),
        "direct_links": max(raw.at[c, "direct_links"] for c in members),
        "shared_partners": max(raw.at[c, "shared_partners"] for c in members),
        "sharing_record": raw.at[host, "sharing_record"],
    }
    w = sl.weights
    assert w["systems"] == 0  # Fenland's systems are unknown in 2013: left out
    expected = sum(w[c] * _value(spec[c]["value"], x) for c, x in measure.items())
    assert sl.scores[LINCOLN_NK] == pytest.approx(expected, abs=1e-9)
    assert sl.table.set_index("code").at[LINCOLN_NK, "distance_km"] == pytest.approx(
        km[nearest], abs=1e-6)


def test_explain_and_compare_name_the_member_measured(sl, reg):
    text = sl.explain(LINCOLN_NK)
    # every explanation opens with Fenland's own running arrangements (none recorded)
    assert text.startswith(sl.opening() + " Join ")
    assert f"nearest member: {reg.at['E07000139', 'name']}" in text
    assert f"host: {reg.at['E07000138', 'name']}" in text
    assert "combined population of the members" in text
    by_name = sl.explain("Anglia Revenues Partnership (ARP)")
    assert by_name.startswith(sl.opening() + " Join Anglia Revenues Partnership (ARP) "
                              "(4 councils)")
    cmp = sl.compare(ARP, "East Cambridgeshire")
    assert cmp.loc["total", "difference"] == pytest.approx(
        sl.scores[ARP] - sl.scores["E07000009"])
    with pytest.raises(NotACandidateError):
        sl.explain("Fenland")


def test_partnerships_false_and_max_distance_reach():
    only = pf.shortlist("Fenland", SERVICE, as_of=DATE, partnerships=False)
    assert (only.table["kind"] == "council").all()
    assert only.partnerships is None
    near = pf.shortlist("Fenland", SERVICE, as_of=DATE, max_distance_km=40)
    parts = near.table[near.table["kind"] == "partnership"]
    assert ARP in set(parts["code"])
    # within reach: a member within 40 km (East Cambridgeshire); none of Lancaster-Preston is
    assert "lancaster-preston-revenues-benefits" not in set(parts["code"])
    assert (parts["distance_km"] <= 40).all()


def test_the_backtest_never_scores_a_partnership():
    bt = pf.evaluate.backtest(arrangements=[ARP], baselines=False)
    assert len(bt.choice_sets)
    for m in bt.choice_sets:
        assert all(GSS.match(str(c)) for c in m.codes)


def test_outputs_cope_with_partnership_codes(sl, tmp_path):
    assert sl.table["code"].head(5).isin([ARP]).any()  # ARP is near the top
    report = sl.to_report(top=10, figures=False, sensitivity=True)
    text = render_markdown(report)
    assert "Join Anglia Revenues Partnership (ARP) (4 councils)" in text
    assert "Existing partnership" in text
    assert "Breckland, East Cambridgeshire, Forest Heath, St Edmundsbury" in text
    assert write(report, tmp_path / "sl.xlsx").exists()
    fig = sl.plot(kind="map", top=10)
    subtitle = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "existing partnership" in subtitle
    assert sl.plot(top=10) is not None
    prog = pf.programme("Fenland", as_of=DATE, services_=[SERVICE], top=5)
    row = prog[prog["code"] == ARP]
    assert row["kind"].item() == "partnership"
    assert row["name"].item().startswith("Join Anglia Revenues Partnership")

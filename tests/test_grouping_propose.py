"""propose_groupings on real councils, checked against brute force over all partitions."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

import partnerfit as pf
from partnerfit.grouping import propose_groupings
from partnerfit.grouping.propose import select_councils
from partnerfit.services import tier_delivers

MID_LANCS = ["Lancaster", "Preston", "South Ribble", "Chorley", "West Lancashire"]
DATE = "2009-06-01"
SERVICES = ["revenues_benefits", "finance"]


def _partitions(items):
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in _partitions(rest):
        for i in range(len(part)):
            yield part[:i] + [[first, *part[i]]] + part[i + 1:]
        yield [[first], *part]


@pytest.fixture(scope="module")
def setting():
    codes = sorted(pf.find_council(c, DATE) for c in MID_LANCS)
    adj = pf.adjacency(DATE, water=False)
    g = nx.Graph()
    g.add_nodes_from(codes)
    g.add_edges_from((a, b) for a, b in zip(adj["a"], adj["b"]) if a in codes and b in codes)
    scores = {s: pf.pairwise_scores(codes, s, as_of=DATE).loc[codes, codes].to_numpy() - 50.0
              for s in SERVICES}
    return codes, g, scores


def _feasible_partitions(codes, g, max_size=4):
    out = []
    for part in _partitions(list(codes)):
        if all(len(p) == 1 or (len(p) <= max_size and nx.is_connected(g.subgraph(p)))
               for p in part):
            out.append([sorted(p) for p in part])
    return out


def _value(part, codes, score):
    return sum(score[codes.index(a), codes.index(b)]
               for p in part for a, b in itertools.combinations(p, 2))


def _groups_of(plan, service):
    rows = plan.groups[plan.groups["service"] == service]
    return sorted(sorted(grp["council"]) for _, grp in rows.groupby("group"))


def test_mid_lancashire_plan_is_optimal_by_brute_force(setting):
    codes, g, scores = setting
    plan = propose_groupings(MID_LANCS, SERVICES, as_of=DATE)
    assert plan.verify()
    parts = _feasible_partitions(codes, g)
    assert len(parts) > 5  # the brute force has real choices to make
    best = sum(max(_value(p, codes, scores[s]) for p in parts) for s in SERVICES)
    assert plan.objective == pytest.approx(best, abs=1e-6)
    assert plan.gap == pytest.approx(0.0, abs=1e-9)
    assert plan.status == "optimal"
    for s in SERVICES:
        rows = plan.groups[plan.groups["service"] == s]
        assert sorted(rows["council"]) == codes  # every council exactly once
        for grp in _groups_of(plan, s):
            assert len(grp) <= 4
            assert nx.is_connected(g.subgraph(grp)), grp
        # the plan's groups for this service attain the brute-force optimum themselves
        assert _value(_groups_of(plan, s), codes, scores[s]) == pytest.approx(
            max(_value(p, codes, scores[s]) for p in parts), abs=1e-6)
    assert set(plan.groups["model"]) <= {"alone", "sovereign", "federal"}


def test_non_contiguous_plan_matches_brute_force_over_all_partitions(setting):
    codes, _, scores = setting
    plan = propose_groupings(MID_LANCS, "finance", as_of=DATE, contiguous=False)
    assert plan.verify()
    parts = [p for p in _partitions(list(codes)) if all(len(x) <= 4 for x in p)]
    assert len(parts) == 51  # Bell(5) = 52, less the single group of five
    best = max(_value(p, codes, scores["finance"]) for p in parts)
    assert plan.objective == pytest.approx(best, abs=1e-6)


@pytest.mark.parametrize("keep, apart, must", [
    (True, ("South Ribble", "West Lancashire"), []),
    (False, ("Chorley", "West Lancashire"), ["West Lancashire"]),
])
def test_constraints_and_consistency_match_joint_brute_force(setting, keep, apart, must):
    codes, g, scores = setting
    code = {n: pf.find_council(n, DATE) for n in MID_LANCS}
    beta = 7.0
    plan = propose_groupings(MID_LANCS, SERVICES, as_of=DATE, keep_existing=keep,
                             apart=[apart], must_group=must, consistency=beta, max_size=3)
    assert plan.verify()
    # existing finance arrangement on the date: Chorley + South Ribble (bundled links)
    lk = pf.load_links(DATE)
    fin = lk[(lk["service"] == "finance") & lk["council"].isin(codes)]
    kept = [sorted(x) for _, x in fin.groupby("arrangement")["council"] if len(x) > 1]
    assert kept == [sorted([code["Chorley"], code["South Ribble"]])]
    parts = _feasible_partitions(codes, g, max_size=3)
    bad = {code[apart[0]], code[apart[1]]}

    def ok(part, service):
        if any(bad <= set(p) for p in part):
            return False
        if any([code[m]] in part for m in must):
            return False
        return not keep or service != "finance" or kept[0] in part

    per = {s: [p for p in parts if ok(p, s)] for s in SERVICES}
    best = -np.inf
    for pa in per[SERVICES[0]]:
        pairs_a = {frozenset(x) for p in pa for x in itertools.combinations(p, 2)}
        for pb in per[SERVICES[1]]:
            pairs_b = {frozenset(x) for p in pb for x in itertools.combinations(p, 2)}
            val = (_value(pa, codes, scores[SERVICES[0]]) + _value(pb, codes, scores[SERVICES[1]])
                   + beta * len(pairs_a & pairs_b))
            best = max(best, val)
    assert plan.objective == pytest.approx(best, abs=1e-6)
    free = -np.inf  # the constraints bind: without them the brute force finds more
    for pa, pb in itertools.product(parts, parts):
        pairs_a = {frozenset(x) for p in pa for x in itertools.combinations(p, 2)}
        pairs_b = {frozenset(x) for p in pb for x in itertools.combinations(p, 2)}
        free = max(free, _value(pa, codes, scores[SERVICES[0]])
                   + _value(pb, codes, scores[SERVICES[1]]) + beta * len(pairs_a & pairs_b))
    assert best < free - 1.0
    if keep:
        assert kept[0] in _groups_of(plan, "finance")


def test_distance_and_together_match_brute_force(setting):
    codes, _, scores = setting
    reg = pf.load_councils(DATE).loc[codes]
    xy = reg[["easting", "northing"]].to_numpy(float)
    km = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) / 1000.0
    c = {n: pf.find_council(n, DATE) for n in MID_LANCS}
    pair = {c["Chorley"], c["West Lancashire"]}
    limit = 25.0
    plan = propose_groupings(MID_LANCS, "finance", as_of=DATE, contiguous=False,
                             max_distance_km=limit, together=[("Chorley", "West Lancashire")])
    assert plan.verify()
    best = -np.inf
    for part in _partitions(list(codes)):
        if any(len(p) > 4 for p in part):
            continue
        if any(km[codes.index(a), codes.index(b)] > limit
               for p in part for a, b in itertools.combinations(p, 2)):
            continue
        if not any(pair <= set(p) for p in part):
            continue
        best = max(best, _value(part, codes, scores["finance"]))
    assert plan.objective == pytest.approx(best, abs=1e-6)


def test_infeasible_constraints_name_the_council():
    # West Lancashire borders only Chorley and South Ribble here, who keep their finance
    # arrangement, so it cannot be grouped for finance.
    with pytest.raises(pf.InfeasibleError, match="West Lancashire"):
        propose_groupings(MID_LANCS, "finance", as_of=DATE, keep_existing=True,
                          must_group=["West Lancashire"])


def test_unknown_council_in_groupings_suggests_matches():
    with pytest.raises(pf.UnknownCouncilError, match="Lancaster"):
        propose_groupings(["Lancster", "Preston"], "finance", as_of=DATE)


def test_unknown_service_is_refused():
    with pytest.raises(pf.UnknownServiceError):
        propose_groupings(MID_LANCS, "bin_polishing", as_of=DATE)


def test_county_selector_picks_the_districts_and_respects_eligibility():
    reg = pf.load_councils(DATE)
    lancs = pf.find_council("Lancashire", DATE)
    expected = sorted(reg.index[(reg["county"] == lancs)
                                & (reg["tier"] == "non_metropolitan_district")])
    assert select_councils("county:lancashire", DATE) == expected
    assert len(expected) == 12
    plan = propose_groupings("county:Lancashire", "revenues_benefits", as_of=DATE)
    assert plan.verify()
    assert sorted(plan.groups["council"]) == expected
    # the county itself does not deliver revenues and benefits: it is left out
    assert not tier_delivers("county", "revenues_benefits")
    plan2 = propose_groupings([*MID_LANCS, "Lancashire"], "revenues_benefits", as_of=DATE)
    assert lancs not in set(plan2.groups["council"])


def test_region_and_nation_selectors_and_bad_selector():
    reg = pf.load_councils(DATE)
    assert select_councils("nation:Wales", DATE) == sorted(reg.index[reg["nation"] == "Wales"])
    nw = select_councils("region:North West", DATE)
    assert nw == sorted(reg.index[reg["region"] == "North West"])
    with pytest.raises(pf.DataValidationError, match="North West"):
        select_councils("region:Narnia", DATE)
    with pytest.raises(pf.DataValidationError, match="selector"):
        propose_groupings("Preston", "finance", as_of=DATE)


def test_bad_constraint_arguments_are_all_reported():
    with pytest.raises(pf.DataValidationError) as info:
        propose_groupings(MID_LANCS, "finance", as_of=DATE, together=[("Preston", "Burnley")],
                          must_group=["Pendle"])
    msg = str(info.value)
    assert "together" in msg and "must_group" in msg

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
    assert plan2.verify()
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


# --- twelve councils with constraints: brute force over contiguous partitions ----------------

def _best_partition(codes, g, value, max_size, ok_group):
    """Exact optimum by recursion: the group holding the first unplaced council, every way."""
    best = [-np.inf, None]

    def rec(left, acc, parts):
        if not left:
            if acc > best[0]:
                best[0], best[1] = acc, list(parts)
            return
        first, rest = left[0], left[1:]
        for k in range(max_size):
            for extra in itertools.combinations(rest, k):
                grp = [first, *extra]
                if k and not nx.is_connected(g.subgraph(grp)):
                    continue
                if not ok_group(grp):
                    continue
                rec([c for c in rest if c not in extra], acc + value(grp), [*parts, grp])

    rec(list(codes), 0.0, [])
    return best


def test_twelve_lancashire_districts_with_constraints_match_brute_force():
    date = "2019-06-01"
    codes = select_councils("county:Lancashire", date)
    assert len(codes) == 12
    adj = pf.adjacency(date, water=False)
    g = nx.Graph()
    g.add_nodes_from(codes)
    g.add_edges_from((a, b) for a, b in zip(adj["a"], adj["b"]) if a in codes and b in codes)
    s = pf.pairwise_scores(codes, "revenues_benefits", as_of=date).loc[codes, codes].to_numpy()
    s = s - 50.0
    f = pf.find_council
    together = {f("Burnley", date), f("Pendle", date)}
    apart = {f("Chorley", date), f("South Ribble", date)}
    must = f("Fylde", date)

    def ok(grp):
        gs = set(grp)
        if len(gs & together) == 1 or apart <= gs:
            return False
        return grp != [must]

    def value(grp):
        return sum(s[codes.index(a), codes.index(b)] for a, b in itertools.combinations(grp, 2))

    best, _parts = _best_partition(codes, g, value, 4, ok)
    plan = propose_groupings(codes, "revenues_benefits", as_of=date,
                             together=[("Burnley", "Pendle")], apart=[("Chorley", "South Ribble")],
                             must_group=["Fylde"])
    assert plan.verify()
    assert plan.objective == pytest.approx(best, abs=1e-6)
    assert plan.gap == 0


# --- savings in the group value ---------------------------------------------------------------

FOUR = ["Preston", "South Ribble", "Chorley", "West Lancashire"]


def _hand_npv(costs):
    """Savings model by hand: r(n) = min(0.25, 0.08 log2 n); ramp 50% then 100%; 10 years at
    3.5%; one-off 10% of the combined cost base + 5% of every member's but the largest."""
    n, total = len(costs), sum(costs)
    if n == 1:
        return 0.0
    rate = min(0.25, 0.08 * np.log2(n))
    annuity = 0.5 / 1.035 + sum(1.035 ** -t for t in range(2, 11))
    one_off = 0.10 * total + 0.05 * (total - max(costs))
    return total * rate * annuity - one_off


def test_savings_value_matches_hand_computation_and_unknown_costs_are_not_invented():
    date = DATE
    codes = sorted(pf.find_council(c, date) for c in FOUR)
    adj = pf.adjacency(date, water=False)
    g = nx.Graph()
    g.add_nodes_from(codes)
    g.add_edges_from((a, b) for a, b in zip(adj["a"], adj["b"]) if a in codes and b in codes)
    given = {"Preston": 10.0, "South Ribble": 6.0, "Chorley": None, "West Lancashire": 8.0}
    cost = {pf.find_council(k, date): v for k, v in given.items()}

    def npv_value(grp):
        if len(grp) == 1:
            return 0.0
        if any(cost[c] is None for c in grp):
            return 0.0  # unknown cost: no savings value
        return _hand_npv([cost[c] for c in grp])

    best = max(sum(npv_value(p) for p in part) for part in _feasible_partitions(codes, g))
    plan = propose_groupings(FOUR, "finance", as_of=date, costs=given, value="savings")
    assert plan.verify()
    assert plan.objective == pytest.approx(best, rel=1e-9)
    # the hand optimum: Preston, South Ribble and West Lancashire share; Chorley's cost is
    # unknown, so it earns nothing in a group and the plan says so
    assert _hand_npv([10.0, 6.0, 8.0]) == pytest.approx(best, rel=1e-9)
    chorley = pf.find_council("Chorley", date)
    assert any("Chorley" in n and "unknown" in n for n in plan.notes)
    grp = plan.groups
    trio = grp[grp["council"] != chorley]
    assert trio["group"].nunique() == 1
    assert "NPV" in trio["reason"].iloc[0]

    # scores and savings together, 2 points per unit of NPV
    sc = pf.pairwise_scores(codes, "finance", as_of=date).loc[codes, codes].to_numpy() - 50.0
    both = max(sum(_value([p], codes, sc) + 2.0 * npv_value(p) for p in part)
               for part in _feasible_partitions(codes, g))
    plan2 = propose_groupings(FOUR, "finance", as_of=date, costs=given, savings_weight=2.0)
    assert plan2.verify()
    assert plan2.objective == pytest.approx(both, rel=1e-9)


def test_bad_cost_data_is_refused_with_the_council_named():
    with pytest.raises(pf.DataValidationError, match="Preston"):
        propose_groupings(FOUR, "finance", as_of=DATE, costs={"Preston": -1.0})
    with pytest.raises(pf.DataValidationError, match="Chorley"):
        propose_groupings(FOUR, "finance", as_of=DATE, costs={"Chorley": "lots"})
    with pytest.raises(pf.DataValidationError, match="costs"):
        propose_groupings(FOUR, "finance", as_of=DATE, value="savings")


# --- infeasible constraints in plain English ------------------------------------------------

@pytest.mark.parametrize(("kwargs", "words"), [
    ({"must_group": ["Lancaster"]}, ["must_group", "Lancaster", "land border"]),
    ({"together": [("Lancaster", "Chorley")]}, ["together", "Lancaster", "Chorley",
                                                 "land borders"]),
    ({"must_group": ["Preston"], "max_new_partnerships": 0},
     ["must_group", "Preston", "max_new_partnerships=0"]),
    ({"together": [("Preston", "South Ribble"), ("South Ribble", "Chorley"),
                   ("Chorley", "West Lancashire")], "max_size": 3},
     ["together", "max_size=3", "group of 4"]),
    ({"must_group": ["West Lancashire"], "apart": [("West Lancashire", "Chorley"),
                                                   ("West Lancashire", "South Ribble")]},
     ["must_group", "apart", "West Lancashire"]),
    ({"together": [("Preston", "Chorley")], "contiguous": False, "max_distance_km": 1.0},
     ["together", "max_distance_km=1", "km apart"]),
])
def test_infeasible_constraints_are_named_in_plain_english(kwargs, words):
    with pytest.raises(pf.InfeasibleError) as info:
        propose_groupings(MID_LANCS, "revenues_benefits", as_of=DATE, **kwargs)
    msg = str(info.value)
    for w in words:
        assert w in msg, (w, msg)
    assert "_nodes" not in msg and "status" not in msg.lower()


def test_solver_is_silent_by_default_and_verbose_shows_its_log():
    import subprocess
    import sys

    code = ("import partnerfit as pf; pf.propose_groupings(" + repr(MID_LANCS) + ", "
            + repr(SERVICES) + ", as_of='2009-06-01', consistency=5.0, verbose={v}); "
            "print('done')")
    quiet = subprocess.run([sys.executable, "-c", code.format(v=False)], capture_output=True,
                           text=True, check=True)
    assert quiet.stdout.strip() == "done"
    assert "HiGHS" not in quiet.stdout + quiet.stderr
    loud = subprocess.run([sys.executable, "-c", code.format(v=True)], capture_output=True,
                          text=True, check=True)
    assert "HiGHS" in loud.stdout


# --- delivery model from the data on the date: existing hosts and shared IT systems ----------

def _members_of(plan, service):
    rows = plan.groups[plan.groups["service"] == service]
    assert rows["group"].nunique() == 1, rows
    assert rows["reason"].nunique() == 1  # the group's reason on every member's row
    return rows


@pytest.mark.parametrize(("names", "host", "largest", "arrangement"), [
    # councils/arrangements_england_districts.csv lines 12-13: Cheltenham leads the shared
    # building control service with Tewkesbury (from 2009); Gloucester is the largest
    (["Cheltenham", "Tewkesbury", "Gloucester"], "Cheltenham", "Gloucester",
     "Cheltenham and Tewkesbury shared Building Control Service"),
    # lines 14-16: Bromsgrove leads North Worcestershire Building Control (from 2011);
    # Wyre Forest (101,139) is slightly larger than Bromsgrove (100,569)
    (["Bromsgrove", "Redditch", "Wyre Forest"], "Bromsgrove", "Wyre Forest",
     "North Worcestershire Building Control shared service"),
])
def test_existing_host_in_the_bundled_arrangements_leads(names, host, largest, arrangement):
    date = "2019-04-01"
    plan = propose_groupings(names, "building_control", as_of=date,
                             together=[(names[0], names[1]), (names[0], names[2])])
    assert plan.verify()
    rows = _members_of(plan, "building_control")
    reg = pf.load_councils(date)
    pop = reg.loc[rows["council"], "population"]
    assert pop.idxmax() == pf.find_council(largest, date)  # so scale did not pick the lead
    assert set(rows["model"]) == {"sovereign"}
    assert rows.loc[rows["role"] == "lead", "name"].tolist() == [host]
    assert rows["reason"].iloc[0].startswith(
        f"{host} already leads or hosts 1 shared building control arrangement ({arrangement})")


def _arrangement_rows(arr, service, lead, partners, start, end=""):
    base = {"arrangement": arr, "partnership": "", "name": arr.replace("-", " ").title(),
            "service": service, "model": "sovereign", "start": start, "end": end, "notes": "",
            "source_title": "Test cabinet report", "source_publisher": "Test council",
            "source_date": "", "source_url": ""}
    rows = [{**base, "council": c, "council_name": c, "role": "lead" if c == lead else "partner"}
            for c in [lead, *partners]]
    return rows


def test_users_links_decide_the_host_and_only_running_arrangements_count():
    import pandas as pd

    date = "2009-01-01"
    c = {n: pf.find_council(n, date) for n in ["Allerdale", "Carlisle", "Eden", "Copeland"]}
    rows = (
        # Eden (the smallest, 53,754) leads two licensing arrangements running on the date
        _arrangement_rows("eden-allerdale-licensing", "licensing", c["Eden"], [c["Allerdale"]],
                          "2007")
        + _arrangement_rows("eden-copeland-licensing", "licensing", c["Eden"], [c["Copeland"]],
                            "2008-04")
        # Carlisle leads two that are not running on 1 January 2009: ended, not yet begun
        + _arrangement_rows("carlisle-old-licensing", "licensing", c["Carlisle"],
                            [c["Allerdale"]], "2005", "2008-03")
        + _arrangement_rows("carlisle-new-licensing", "licensing", c["Carlisle"],
                            [c["Copeland"]], "2010")
        # and one running for another service, which says nothing about licensing
        + _arrangement_rows("carlisle-audit", "audit", c["Carlisle"], [c["Eden"]], "2007"))
    links = pd.DataFrame(rows)
    plan = propose_groupings(["Allerdale", "Carlisle", "Eden"], "licensing", as_of=date,
                             links=links, together=[("Allerdale", "Carlisle"),
                                                    ("Carlisle", "Eden")])
    assert plan.verify()
    grp = _members_of(plan, "licensing")
    assert grp.loc[grp["role"] == "lead", "name"].tolist() == ["Eden"]
    assert set(grp["model"]) == {"sovereign"}
    assert grp["reason"].iloc[0].startswith(
        "Eden already leads or hosts 2 shared licensing arrangements (Eden Allerdale Licensing; "
        "Eden Copeland Licensing), more than any other member")
    # without the user's table the bundled one is used: no licensing host here, no scale
    # (Carlisle 108,524 / Allerdale 97,831 = 1.11), no system known: federal
    plain = propose_groupings(["Allerdale", "Carlisle", "Eden"], "licensing", as_of=date,
                              together=[("Allerdale", "Carlisle"), ("Carlisle", "Eden")])
    assert set(_members_of(plain, "licensing")["model"]) == {"federal"}


def _systems_table(entries, function="licensing", year="2008"):
    import pandas as pd

    return pd.DataFrame([{"council": code, "council_name": "", "function": function,
                          "vendor": vendor, "product": product, "year_observed": year,
                          "notes": "", "source_title": "Test systems survey",
                          "source_publisher": "Test", "source_date": "", "source_url": ""}
                         for code, vendor, product in entries])


CUMBRIA3 = ["Allerdale", "Carlisle", "Eden"]
PINNED = [("Allerdale", "Carlisle"), ("Carlisle", "Eden")]


def test_majority_system_gives_the_lead_to_its_largest_user():
    date = "2009-01-01"
    c = {n: pf.find_council(n, date) for n in CUMBRIA3}
    # Allerdale and Eden run Idox Uniform (spelt differently: the same system), Carlisle, the
    # largest member, runs Civica APP: 2 of 3 on Uniform, Allerdale (97,831) > Eden (53,754)
    systems = _systems_table([(c["Allerdale"], "Idox", "Uniform"),
                              (c["Eden"], "IDOX", "uniform"),
                              (c["Carlisle"], "Civica", "APP")])
    plan = propose_groupings(CUMBRIA3, "licensing", as_of=date, systems=systems,
                             together=PINNED)
    assert plan.verify()
    grp = _members_of(plan, "licensing")
    assert set(grp["model"]) == {"sovereign"}
    assert grp.loc[grp["role"] == "lead", "name"].tolist() == ["Allerdale"]
    assert grp["reason"].iloc[0].startswith(
        "2 of 3 members already run Idox Uniform for licensing; Allerdale, the largest of them, "
        "leads on it and Carlisle would adopt it")


@pytest.mark.parametrize(("service", "function", "entries"), [
    # Carlisle and Eden are recorded as 'unknown': two unknowns are not a shared system
    ("licensing", "licensing", [("Allerdale", "Idox", "Uniform"),
                                ("Carlisle", "unknown", "unknown"),
                                ("Eden", "unknown", "unknown")]),
    # business support runs on finance and HR & payroll; only finance is known for two of
    # them, so their system is unknown, not "the same"
    ("business_support", "finance", [("Allerdale", "Unit4", "Agresso"),
                                     ("Eden", "Unit4", "Agresso")]),
])
def test_unknown_systems_are_no_majority(service, function, entries):
    date = "2009-01-01"
    systems = _systems_table([(pf.find_council(n, date), v, p) for n, v, p in entries],
                             function=function)
    plan = propose_groupings(CUMBRIA3, service, as_of=date, systems=systems, together=PINNED)
    assert plan.verify()
    grp = _members_of(plan, service)
    assert set(grp["model"]) == {"federal"}
    assert (grp["role"] == "partner").all()
    reason = grp["reason"].iloc[0]
    assert reason.startswith("no rule picks a single lead")
    assert "run " not in reason.split("no strict majority")[0]
    if service == "licensing":
        assert "at most 1 of 3 members on one; not known for Carlisle and Eden" in reason
    else:
        assert "no member's business support system is known" in reason  # none in full


def test_bad_systems_table_names_the_row():
    date = "2009-01-01"
    systems = _systems_table([(pf.find_council("Eden", date), "", "Uniform")])
    with pytest.raises(pf.DataValidationError, match="line 2: vendor is empty"):
        propose_groupings(CUMBRIA3, "licensing", as_of=date, systems=systems)


def test_summary_states_each_groups_reason_once():
    # the plan of the earlier default profile (the default since 2026-12-05 groups them apart)
    plan = propose_groupings(MID_LANCS, SERVICES, as_of=DATE, weights="north_lincolnshire_2014")
    text = plan.summary()
    g = plan.groups
    sizes = g.groupby(["service", "group"]).size()
    # Lancaster alone in both services; the other four together in each (a hand count)
    assert sorted(sizes) == [1, 1, 4, 4]
    assert text.splitlines()[0].startswith("Plan for 1 June 2009: 4 groups over 2 services")
    assert text.count("why:") == 2
    assert text.count("jointly through one shared team (federal)") == 2  # not once a member


def test_service_on_two_functions_shares_a_system_only_when_both_agree():
    import pandas as pd

    date = "2009-01-01"
    c = {n: pf.find_council(n, date) for n in CUMBRIA3}
    # business support runs on finance and HR & payroll: all three run iTrent for payroll,
    # Allerdale and Eden Agresso for finance, Carlisle Oracle; so 2 of 3 share the pair
    systems = pd.concat([
        _systems_table([(c["Allerdale"], "Unit4", "Agresso"), (c["Eden"], "Unit4", "Agresso"),
                        (c["Carlisle"], "Oracle", "E-Business Suite")], function="finance"),
        _systems_table([(c[n], "MHR", "iTrent") for n in CUMBRIA3], function="hr_payroll"),
    ], ignore_index=True)
    plan = propose_groupings(CUMBRIA3, "business_support", as_of=date, systems=systems,
                             links=pd.DataFrame(), together=PINNED)  # no arrangements at all
    assert plan.verify()
    grp = _members_of(plan, "business_support")
    assert grp.loc[grp["role"] == "lead", "name"].tolist() == ["Allerdale"]
    assert grp["reason"].iloc[0].startswith(
        "2 of 3 members already run Unit4 Agresso (finance) with MHR iTrent (HR & payroll) for "
        "business support; Allerdale, the largest of them, leads on it and Carlisle would "
        "adopt it")


def test_bridges_join_contiguous_groups_and_ferries_only_with_water():
    # Isle of Anglesey - Gwynedd: the Menai bridges (a fixed link) make them neighbours even
    # with water=False; Isle of Wight - Portsmouth: a ferry, neighbours only with water=True.
    date = "2021-04-01"
    plan = propose_groupings(["Isle of Anglesey", "Gwynedd"], "finance", as_of=date,
                             contiguous=True, must_group=["Isle of Anglesey"])
    assert plan.groups["group"].nunique() == 1
    with pytest.raises(pf.InfeasibleError):
        propose_groupings(["Isle of Wight", "Portsmouth"], "finance", as_of=date,
                          contiguous=True, must_group=["Isle of Wight"])
    plan = propose_groupings(["Isle of Wight", "Portsmouth"], "finance", as_of=date,
                             contiguous=True, water=True, must_group=["Isle of Wight"])
    assert set(plan.groups["council"]) == {"E06000046", "E06000044"}
    assert plan.groups["group"].nunique() == 1

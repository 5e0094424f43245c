"""The optimiser choosing delivery models: exactness against brute force over every partition
*and* every (model, lead) option, lead capacity, shared systems, outsourcing, partner shares."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from test_grouping import set_partitions

import partnerfit as pf
from partnerfit.business_case import CaseAssumptions, option_case
from partnerfit.errors import DataValidationError, PlanVerificationError
from partnerfit.grouping.facts import system_labels
from partnerfit.links import systems_on
from partnerfit.scoring import pairwise_scores

DATE = "2009-06-01"
CUMBRIA5 = ["E07000026", "E07000028", "E07000029", "E07000030", "E07000031"]
NO_LINKS = pd.DataFrame(columns=["arrangement"])
SERVICES = ["revenues_benefits", "building_control"]
COSTS = {"revenues_benefits": {"E07000026": 3.0, "E07000028": 4.0, "E07000029": 2.5,
                               "E07000030": 1.5, "E07000031": 3.5},
         "building_control": {"E07000026": 1.0, "E07000028": 1.4, "E07000029": 0.8,
                              "E07000030": 0.6, "E07000031": 1.2}}
# governance costs make lead-less models dearer, so leads matter and the capacity binds
CASE = CaseAssumptions(governance_cost={"federal": 0.03, "joint_committee": 0.05,
                                        "company": 0.06})


def _systems(rows: dict[str, str], function: str = "revenues_benefits") -> pd.DataFrame:
    """A user systems table: council -> product (vendor 'V') for one function, seen 2009."""
    return pd.DataFrame([{
        "council": c, "council_name": "", "function": function, "vendor": "V", "product": p,
        "year_observed": "2009", "notes": "", "source_title": "test", "source_publisher": "test",
        "source_date": "2009", "source_url": "https://example.org"} for c, p in rows.items()])


SYSTEMS = _systems({"E07000026": "Alpha", "E07000029": "Alpha", "E07000028": "Beta",
                    "E07000031": "Gamma"})  # Eden unknown



def _brute(services, *, max_size, weight, lead_cap, systems, case, models,
           with_scores=True):
    """Best objective over every partition of every service and every (model, lead) option,
    priced one option at a time with option_case, with at most ``lead_cap`` services led per
    council (None: no limit)."""
    table = pf.links.load_systems(systems=systems)
    run = systems_on(DATE, systems=table)
    per_service = []
    for s in services:
        score = pairwise_scores(CUMBRIA5, s, as_of=DATE, links=NO_LINKS, systems=table
                                ).loc[CUMBRIA5, CUMBRIA5].to_numpy(float) - 50.0
        labels = dict(zip(CUMBRIA5, system_labels(s, CUMBRIA5, run)))
        best_by_leads: dict[tuple, float] = {}
        for part in set_partitions(list(range(len(CUMBRIA5)))):
            if any(len(b) > max_size for b in part):
                continue
            block_opts = []
            for b in part:
                if len(b) == 1:
                    block_opts.append([(0.0, None)])
                    continue
                pair = sum(score[i, j] for i, j in itertools.combinations(b, 2)) \
                    if with_scores else 0.0
                codes = [CUMBRIA5[i] for i in b]
                cost = {c: COSTS[s][c] for c in codes}
                opts = []
                for m in models:
                    for lead in (codes if m == "sovereign" else [None]):
                        oc = option_case(codes, cost, m, lead, systems=labels, assumptions=case)
                        if oc.valued:
                            opts.append((pair + weight * oc.npv["central"], lead))
                block_opts.append(opts)
            for combo in itertools.product(*block_opts):
                leads = tuple(sorted(lead for _, lead in combo if lead is not None))
                val = sum(v for v, _ in combo)
                if val > best_by_leads.get(leads, -np.inf):
                    best_by_leads[leads] = val
        per_service.append(best_by_leads)
    best = -np.inf
    for combo in itertools.product(*(d.items() for d in per_service)):
        used: dict[str, int] = {}
        for leads, _ in combo:
            for c in leads:
                used[c] = used.get(c, 0) + 1
        if lead_cap is not None and any(k > lead_cap for k in used.values()):
            continue
        best = max(best, sum(v for _, v in combo))
    return best


def _plan(**kw):
    args = {"as_of": DATE, "contiguous": False, "max_size": 3, "links": NO_LINKS,
            "systems": SYSTEMS, "costs": COSTS, "value": "scores+savings",
            "savings_weight": 10.0, "models": True, "case": CASE}
    args.update(kw)
    return pf.propose_groupings(CUMBRIA5, SERVICES, **args)


@pytest.mark.parametrize("lead_cap", [None, 1, 0])
def test_optimiser_equals_brute_force_over_partitions_and_models(lead_cap):
    plan = _plan(lead_capacity=lead_cap)
    best = _brute(SERVICES, max_size=3, weight=10.0, lead_cap=lead_cap, systems=SYSTEMS,
                  case=CASE, models=("sovereign", "federal", "joint_committee", "company"))
    assert plan.status == "optimal" and plan.gap <= 1e-9
    assert plan.objective == pytest.approx(best, rel=1e-9, abs=1e-7)
    assert plan.verify()


def test_lead_capacity_binds_and_changes_the_model():
    free = _plan()
    capped = _plan(lead_capacity=1)
    led_free = free.groups[free.groups["role"] == "lead"].groupby("council")["service"].nunique()
    assert led_free.max() >= 2  # without a cap some council leads both services
    led = capped.groups[capped.groups["role"] == "lead"].groupby("council")["service"].nunique()
    assert led.max() <= 1
    changed = (free.groups.set_index(["service", "council"])[["model", "role"]]
               != capped.groups.set_index(["service", "council"])[["model", "role"]])
    assert changed.any().any()
    assert capped.objective <= free.objective + 1e-9


def test_verify_catches_a_lead_over_capacity():
    plan = _plan(lead_capacity=1)
    g = plan.groups
    lead = g[g["role"] == "lead"].iloc[0]
    other = g[(g["service"] != lead["service"]) & (g["council"] == lead["council"])]
    grp = g[(g["service"] == other["service"].iloc[0]) & (g["group"] == other["group"].iloc[0])]
    if len(grp) < 2:
        pytest.skip("the lead is alone in the other service")
    g.loc[grp.index, "role"] = "partner"
    g.loc[other.index, "role"] = "lead"
    g.loc[grp.index, "model"] = "sovereign"
    with pytest.raises(PlanVerificationError, match="leads 2 services"):
        plan.verify()


def test_shared_system_cuts_it_cost():
    cost = {"A": 2.0, "B": 2.0, "C": 2.0}
    apart = option_case(list(cost), cost, "federal", systems={"A": "X", "B": "Y", "C": "Z"})
    shared = option_case(list(cost), cost, "federal", systems={"A": "X", "B": "X", "C": "Z"})
    rate = CaseAssumptions().savings.it_migration_rate
    # by hand: one member stays on its system; two move when all differ, one when A, B share
    assert apart.one_off["IT convergence"] == pytest.approx(rate * 4.0)
    assert shared.one_off["IT convergence"] == pytest.approx(rate * 2.0)
    assert shared.npv["central"] > apart.npv["central"]
    # sovereign: members already on the lead's system move free; unknown systems are charged
    sov = option_case(list(cost), cost, "sovereign", "B", systems={"A": "X", "B": "X"})
    assert sov.movers == ("C",) and any("assumed to move" in n for n in sov.notes)


def test_shared_system_in_the_optimiser_changes_the_lead():
    """Allerdale and Copeland share 'Alpha': a sovereign group of both is led by one of them
    and no IT move is charged for the other."""
    plan = pf.propose_groupings(
        ["E07000026", "E07000029"], "revenues_benefits", as_of=DATE, links=NO_LINKS,
        systems=SYSTEMS, costs=COSTS["revenues_benefits"], value="savings", models=True,
        case=CASE)
    chosen = plan.options[plan.options["chosen"]].iloc[0]
    assert chosen["model"] == "sovereign"
    oc = option_case(["E07000026", "E07000029"], {"E07000026": 3.0, "E07000029": 2.5},
                     "sovereign", chosen["lead"],
                     systems={"E07000026": "V Alpha", "E07000029": "V Alpha"}, assumptions=CASE)
    assert oc.one_off["IT convergence"] == 0.0
    assert chosen["npv"] == pytest.approx(oc.npv["central"])


def _outsourcing(rate):
    return pf.propose_groupings(
        ["E07000026", "E07000028", "E07000029"], "revenues_benefits", as_of=DATE,
        contiguous=False, links=NO_LINKS, systems=SYSTEMS, costs=COSTS["revenues_benefits"],
        value="savings", models=True, private_partner=True,
        case=CASE.with_(private_saving_rate=rate))


def test_outsourcing_wins_only_under_stated_costs():
    with pytest.raises(DataValidationError, match="private_partner"):
        pf.propose_groupings(CUMBRIA5, "revenues_benefits", as_of=DATE, models=["federal",
                                                                                 "private_partner"])
    unstated = _outsourcing(None)
    assert "private_partner" not in set(unstated.groups["model"])
    assert not unstated.options.query("model == 'private_partner'")["allowed"].any()
    cheap = _outsourcing(0.05)  # a 5% contract saving loses to sharing (by hand below)
    assert "private_partner" not in set(cheap.groups["model"])
    big = _outsourcing(0.40)  # a 40% contract saving beats it
    assert set(big.groups["model"]) == {"private_partner"}
    codes = ["E07000026", "E07000028", "E07000029"]
    cost = {c: COSTS["revenues_benefits"][c] for c in codes}
    # by hand: 40% of 9.5 a year (half in year 1), less set-up (10% of 9.5) and Carlisle's
    # move to Alpha (5% of 4.0), raised by the 10% optimism bias
    oc = option_case(codes, cost, "private_partner",
                     systems={"E07000026": "V Alpha", "E07000028": "V Beta",
                              "E07000029": "V Alpha"},
                     assumptions=CASE.with_(private_saving_rate=0.40))
    ramp = np.array([0.5] + [1.0] * 9)
    by_hand = float(np.sum(0.40 * 9.5 * ramp / 1.035 ** np.arange(1, 11))) \
        - (0.10 * 9.5 + 0.05 * 4.0) * 1.10
    assert oc.npv["central"] == pytest.approx(by_hand)
    assert big.options.query("chosen")["npv"].iloc[0] == pytest.approx(by_hand)


def test_npv_split_sums_and_matches_population_shares():
    plan = _plan(split="population")
    by = plan.npv_by_council()
    chosen = plan.options[plan.options["chosen"]].set_index(["group", "service"])["npv"]
    sums = by.groupby(["group", "service"])["npv"].sum()
    for key, total in sums.items():
        assert total == pytest.approx(chosen[key])
    pop = pf.load_councils(DATE)["population"]
    for (gid, svc), rows in by.groupby(["group", "service"]):
        share = pop[rows["council"]] / pop[rows["council"]].sum()
        assert rows["npv"].to_numpy() == pytest.approx(share.to_numpy() * chosen[(gid, svc)])
    flows = plan.business_case()
    disc = flows.groupby(["group", "service", "council"])["discounted"].sum()
    assert disc.to_numpy() == pytest.approx(by.set_index(["group", "service", "council"])
                                            ["npv"].loc[disc.index].to_numpy())
    assert set(flows.columns) >= {"group", "service", "council", "year", "savings", "costs",
                                  "net"}
    eq = _plan(split="equal").npv_by_council()
    assert eq.groupby(["group", "service"])["share"].nunique().max() == 1


def test_keeping_and_extending_running_arrangements_are_marked():
    # the Lancaster-Preston revenues & benefits arrangement ran in 2019: a group holding both
    # extends it, a group holding neither is new, whatever groups the plan prefers
    lp = {"E07000121", "E07000123"}
    plan = pf.propose_groupings("county:Lancashire", "revenues_benefits", as_of="2019-04-01",
                                models=True)
    for _, g in plan.groups.groupby("group"):
        members = set(g["council"])
        if lp <= members:
            assert set(g["status"]) == {"extending" if len(members) > 2 else "keeping"}
            assert set(g["arrangement"]) == {"lancaster-preston-revenues-benefits"}
        elif not lp & members:
            assert set(g["status"]) == {"new"} and set(g["arrangement"]) == {""}
    trio = pf.propose_groupings(["Lancaster", "Preston", "Wyre"], "revenues_benefits",
                                as_of="2019-04-01", models=True, min_size=3, max_size=3)
    assert set(trio.groups["status"]) == {"extending"}
    assert set(trio.groups["arrangement"]) == {"lancaster-preston-revenues-benefits"}
    kept = pf.propose_groupings("county:Lancashire", "revenues_benefits", as_of="2019-04-01",
                                models=True, keep_existing=True)
    rows = kept.groups[kept.groups["arrangement"] != ""]
    assert set(rows["status"]) == {"keeping"} and len(rows) == 2
    assert kept.verify()


def test_model_arguments_are_checked():
    with pytest.raises(DataValidationError, match="needs models=True"):
        pf.propose_groupings(CUMBRIA5, "revenues_benefits", as_of=DATE, lead_capacity=1)
    with pytest.raises(DataValidationError, match="unknown delivery models"):
        pf.propose_groupings(CUMBRIA5, "revenues_benefits", as_of=DATE, models=["soverign"])
    with pytest.raises(DataValidationError, match="performance"):
        pf.propose_groupings(CUMBRIA5, "revenues_benefits", as_of=DATE, models=True,
                             performance={"Carlisle": 120})


def test_sovereign_where_carlisle_is_strong():
    """The Carlisle seed: performance data and a minimum lead strength make Carlisle the only
    council that may lead; every sovereign group holding it is led by it."""
    perf = {c: 0 for c in CUMBRIA5} | {"E07000028": 100}
    plan = _plan(performance=perf, min_lead_strength=60)
    leads = set(plan.groups.loc[plan.groups["role"] == "lead", "council"])
    assert leads <= {"E07000028"}
    sov = plan.options[(plan.options["model"] == "sovereign") & plan.options["chosen"]]
    assert (sov["lead_strength"] >= 60).all()
    assert plan.verify()


def test_model_choice_keeps_the_cap_on_new_arrangements():
    plan = _plan(lead_capacity=1, max_new_partnerships=1)
    g = plan.groups
    sets = g.groupby(["service", "group"])["council"].apply(frozenset)
    for c in CUMBRIA5:
        distinct = {s for s in sets if c in s and len(s) > 1}
        assert len(distinct) <= 1
    assert plan.verify() and plan.objective <= _plan(lead_capacity=1).objective + 1e-9


def test_a_tie_on_value_names_the_step_that_settled_it():
    # read the options table independently: the runner-up of equal value, then which of NPV or
    # lead strength (a shared team counting as 50) tells them apart
    plan = pf.propose_groupings("county:Lancashire", "revenues_benefits", as_of="2019-04-01",
                                models=True)
    checked = 0
    for (gid, svc), opts in plan.options.groupby(["group", "service"]):
        chosen = opts[opts["chosen"]].iloc[0]
        rest = opts[~opts["chosen"] & opts["allowed"]].sort_values("value", ascending=False,
                                                                     kind="stable")
        if rest.empty or abs(rest["value"].iloc[0] - chosen["value"]) > 1e-9:
            continue
        nxt = rest.iloc[0]
        reason = plan.groups[(plan.groups["group"] == gid) & (plan.groups["service"] == svc)
                             ]["reason"].iloc[0]
        if abs(nxt["npv"] - chosen["npv"]) > 1e-9:
            assert chosen["npv"] > nxt["npv"] and "has the higher NPV" in reason
        else:
            strengths = [50.0 if np.isnan(x) else x for x in (chosen["lead_strength"],
                                                              nxt["lead_strength"])]
            assert strengths[0] >= strengths[1] and "lead is stronger" in reason
        assert "a tie, settled by NPV, then" not in reason
        checked += 1
    assert checked >= 1

"""Tests for partnerfit.grouping.alone: every council left alone in a plan gets a reason whose
best pair score and partner agree with partnerfit.scoring.pairwise_scores (independent)."""

from __future__ import annotations

import re

import numpy as np

import partnerfit as pf
from partnerfit.grouping.alone import alone_reason
from partnerfit.scoring import pairwise_scores


def test_every_council_left_alone_has_a_checkable_reason():
    plan = pf.propose_groupings("county:Cumbria", ["revenues_benefits"], as_of="2019-04-01",
                                min_pair_score=60)
    alone = plan.groups[plan.groups["role"] == "alone"]
    assert len(alone) >= 2
    codes = sorted(plan.groups["council"].unique())
    scores = pairwise_scores(codes, "revenues_benefits", as_of="2019-04-01")
    names = dict(zip(plan.groups["council"], plan.groups["name"]))
    for row in alone.itertuples():
        others = scores.loc[row.council].drop(row.council)
        best = others.max()
        partner = names[min(others.index[others == best])]
        found = re.search(r"best pair score, ([\d.]+) \(with (.+?)\), (is below|reaches) the 60",
                          row.reason)
        assert found, row.reason
        assert abs(float(found.group(1)) - best) <= 0.5
        assert found.group(2) == partner
        assert (found.group(3) == "is below") == (best < 60)


def test_a_score_just_below_the_threshold_is_not_shown_as_equal_to_it():
    pair = np.array([[0.0, -0.2], [-0.2, 0.0]])  # pair score 49.8 against 50
    text = alone_reason("E1", "revenues_benefits", pair, ["E1", "E2"], {"E1", "E2"}, 50.0,
                        {"E1": "Ab", "E2": "Cd"})
    assert "49.8 (with Cd), is below the 50 a group needs" in text


def test_no_partner_delivering_the_service():
    text = alone_reason("E1", "revenues_benefits", np.zeros((2, 2)), ["E1", "E2"], {"E1"}, 50.0,
                        {"E1": "Ab"})
    assert text.endswith("no other council in the plan delivers it")

"""Tests for partnerfit.criteria: the criteria file, its validation, the measures behind the
values, and each missing-data policy as the shortlist applies it (checked by hand)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

import partnerfit as pf
from partnerfit._paths import bundled
from partnerfit.criteria import MISSING_POLICIES, load_criteria
from partnerfit.errors import DataValidationError

LANCS = "2009-06-01"

BAD = """\
criteria:
  distance:
    label: "Geography: distance"
    group: geograpy
    measure: distanse
    value: {type: piecewise, points: [[0, 100], [150, 0]]}
    missing: neutrl
    descripton: nearer is better
  size:
    measure: size_ratio
    value: {type: piecewise, points: [[0, 0], [1, forty]]}
  control:
    measure: column
    value: {type: categorical, values: {same: 100, different: 0}}
  novalue:
    measure: adjacency
  nomeasure:
    value: {type: linear, min: 0, max: 1}
critera_notes: 1
"""


def _messages(err: DataValidationError) -> list[str]:
    return [m.removeprefix(err.source + " ") for m in err.problems]


def test_every_problem_at_once_with_file_line_and_suggestion(tmp_path):
    path = tmp_path / "criteria.yaml"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        load_criteria(path)
    err = info.value
    assert err.source.endswith("criteria.yaml")
    msgs = _messages(err)
    expected_starts = [
        "line 4: group 'geograpy' of 'distance' is not one of",
        "line 5: measure 'distanse' of 'distance' is not one of",
        "line 7: missing-data policy 'neutrl' of 'distance' is not one of",
        ("line 8: unknown field 'descripton' in criterion 'distance' — did you mean "
        "'description'?"),
        "line 11: ",  # the value 'forty'
        "line 12: criterion 'control' has measure 'column' but no 'column:'",
        "line 12: criterion 'control' has measure 'column' but no 'compare:'",
        "line 15: criterion 'novalue' has no value function ('value:')",
        "line 17: criterion 'nomeasure' has no 'measure:'",
        "line 19: unknown key 'critera_notes' at the top of the file",
    ]
    assert len(msgs) == len(expected_starts), msgs
    for msg, start in zip(msgs, expected_starts, strict=True):
        assert msg.startswith(start), (msg, start)
    assert "did you mean 'geography'?" in msgs[0]
    assert "did you mean 'distance'?" in msgs[1]
    assert "did you mean 'neutral'?" in msgs[2]
    assert "'forty' is not a number" in msgs[4]
    assert "did you mean 'criteria'?" in msgs[-1]


def test_file_without_criteria_block(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("weights: {distance: 1}\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="top-level 'criteria:' mapping"):
        load_criteria(path)


def test_bundled_criteria_are_valid_and_value_functions_point_the_right_way():
    crit = load_criteria()
    assert list(crit)[:3] == ["distance", "adjacency", "same_area"]
    assert {c.missing for c in crit.values()} <= set(MISSING_POLICIES)
    # hand-read from criteria/criteria.yaml: nearer is better, a land border beats none,
    # more shared services is better, similar size is better
    d = crit["distance"].value
    assert d(np.array([0.0]))[0] == 100 and d(np.array([150.0]))[0] == 0
    assert d(np.array([37.5]))[0] == pytest.approx(55.0)  # half way from (25, 70) to (50, 40)
    assert crit["adjacency"].value("land") > crit["adjacency"].value("none")
    assert crit["direct_links"].value(np.array([0.5]))[0] == pytest.approx(40.0)
    assert crit["size_ratio"].value(np.array([0.75]))[0] == pytest.approx(87.5)


def test_weights_file_names_line_of_a_non_number(tmp_path):
    # the issue's own example: "criteria/default.yaml line 12: weight 'forty' is not a number"
    crit = list(load_criteria())
    lines = ["name: mine", "method: direct", "weights:"] + [f"  {c}: 10" for c in crit]
    lines[3 + crit.index("systems")] = "  systems: forty"
    path = tmp_path / "mine.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        pf.shortlist("Lancaster", "revenues_benefits", as_of=LANCS, weights=path)
    line = 4 + crit.index("systems")
    assert f"mine.yaml line {line}: weight 'forty' for 'systems' is not a number" in str(
        info.value)


# ----------------------------------------------------------------- column criteria


def _criteria_with(tmp_path, **changes) -> str:
    spec = yaml.safe_load(bundled("criteria", "criteria.yaml").read_text(encoding="utf-8"))
    for cid, patch in changes.items():
        spec["criteria"].setdefault(cid, {}).update(patch)
    path = tmp_path / "criteria.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return str(path)


def _weights(extra: dict | None = None) -> dict:
    w = pf.default_weights("revenues_benefits").to_dict()
    w.update(extra or {})
    return w


def test_a_column_of_the_council_table_becomes_a_criterion_without_code_changes(tmp_path):
    councils = pf.load_councils().copy()
    lancaster, preston, wyre = "E07000121", "E07000123", "E07000128"
    councils["control"] = "Con"
    councils.loc[[lancaster, preston], "control"] = "Lab"
    councils.loc[wyre, "control"] = None  # unknown
    path = _criteria_with(tmp_path, control={
        "label": "Same political control", "group": "other", "measure": "column",
        "column": "control", "compare": "same",
        "value": {"type": "categorical", "values": {"same": 100, "different": 0}}})
    sl = pf.shortlist("Lancaster", "revenues_benefits", as_of=LANCS, criteria=path,
                      councils=councils, weights=_weights({"control": 0.25}))
    assert sl.raw.at[preston, "control"] == "same"
    assert sl.raw.at["E07000124", "control"] == "different"
    assert sl.value_matrix.at[preston, "control"] == 100
    assert sl.value_matrix.at["E07000124", "control"] == 0
    assert sl.missing.at[wyre, "control"] and sl.value_matrix.at[wyre, "control"] == 50
    assert "Same political control unknown: neutral 50" in sl.table.set_index("code").at[
        wyre, "flags"]
    # the weight 0.25 is given beside weights summing to 1 (systems 80 of the profile's 370
    # points); Lancaster's systems are unknown in 2009, so systems drops out:
    # 0.25 / (1.25 - 80 / 370) of the total
    assert sl.weights["control"] == pytest.approx(0.25 / (1.25 - 80 / 370))


def test_column_criterion_refuses_text_in_a_numeric_comparison(tmp_path):
    councils = pf.load_councils().copy()
    councils["staff"] = 500.0
    councils["staff"] = councils["staff"].astype(object)
    councils.loc["E07000123", "staff"] = "about 600"
    path = _criteria_with(tmp_path, staff={
        "label": "Similar staffing", "measure": "column", "column": "staff",
        "compare": "ratio", "value": {"type": "linear", "min": 0, "max": 1}})
    with pytest.raises(DataValidationError, match=r"E07000123 \('about 600'\)"):
        pf.shortlist("Lancaster", "revenues_benefits", as_of=LANCS, criteria=path,
                     councils=councils, weights=_weights({"staff": 0.1}))


def test_column_criterion_names_a_missing_column(tmp_path):
    path = _criteria_with(tmp_path, control={
        "measure": "column", "column": "political_control", "compare": "same",
        "value": {"type": "categorical", "values": {"same": 100, "different": 0}}})
    with pytest.raises(DataValidationError, match="'political_control', which the council "
                                                  "table does not have"):
        pf.shortlist("Lancaster", "revenues_benefits", as_of=LANCS, criteria=path,
                     weights=_weights({"control": 0.1}))


# ----------------------------------------------------------------- missing-data policies


@pytest.fixture(scope="module")
def neutral():
    return pf.shortlist("Lancaster", "revenues_benefits", as_of=LANCS, committed="mark")


@pytest.fixture(scope="module")
def unknown_size(neutral):
    """Candidates whose population (so size ratio) is unknown on the date."""
    miss = neutral.raw["size_ratio"].astype(float).isna()
    assert 0 < miss.sum() < len(miss)
    return list(miss[miss].index)


def test_pessimistic_policy_scores_zero_and_flags(tmp_path, neutral, unknown_size):
    path = _criteria_with(tmp_path, size_ratio={"missing": "pessimistic"})
    sl = pf.shortlist("Lancaster", "revenues_benefits", as_of=LANCS, criteria=path,
                      weights=_weights(), committed="mark")
    assert (sl.value_matrix.loc[unknown_size, "size_ratio"] == 0).all()
    assert sl.missing.loc[unknown_size, "size_ratio"].all()
    flags = sl.table.set_index("code")["flags"]
    assert flags[unknown_size].str.contains("Fit: similar size unknown: pessimistic 0").all()
    # by hand: neutral 50 -> 0 costs exactly weight x 50 points
    w = sl.weights["size_ratio"]
    np.testing.assert_allclose(sl.scores[unknown_size],
                               neutral.scores[unknown_size] - 50 * w, atol=1e-9)
    known = [c for c in sl.scores.index if c not in unknown_size]
    np.testing.assert_allclose(sl.scores[known], neutral.scores[known], atol=1e-12)


def test_exclude_policy_screens_the_candidate_out_with_its_reason(tmp_path, unknown_size):
    path = _criteria_with(tmp_path, size_ratio={"missing": "exclude"})
    sl = pf.shortlist("Lancaster", "revenues_benefits", as_of=LANCS, criteria=path,
                      weights=_weights(), committed="mark")
    assert not set(unknown_size) & set(sl.table["code"])
    reasons = sl.screened.set_index("code")["reason"]
    for code in unknown_size:
        assert reasons[code] == "Fit: similar size unknown (missing-data policy: exclude)"
    assert not sl.missing["size_ratio"].any()
    # every council is scored or screened; existing partnerships are offered besides them
    offered = set(sl.partnerships.index)
    assert (set(sl.screened["code"]) | set(sl.scores.index)) - offered == set(
        pf.load_councils().index)


def test_renormalise_policy_shares_the_weight_among_the_others(tmp_path, neutral,
                                                                unknown_size):
    path = _criteria_with(tmp_path, size_ratio={"missing": "renormalise"})
    sl = pf.shortlist("Lancaster", "revenues_benefits", as_of=LANCS, criteria=path,
                      weights=_weights(), committed="mark")
    w = neutral.weights
    others = [c for c in w.index if c != "size_ratio"]
    for code in unknown_size:  # by hand from the other criteria's values
        v = neutral.value_matrix.loc[code, others]
        expected = float((v * w[others]).sum() / w[others].sum())
        assert sl.scores[code] == pytest.approx(expected, abs=1e-9)
    flags = sl.table.set_index("code")["flags"]
    assert flags[unknown_size].str.contains(
        "Fit: similar size unknown: weight shared among the others").all()
    assert sl.missing.loc[unknown_size, "size_ratio"].all()
    # the table still adds up: contributions sum to the score for every candidate
    t = sl.table
    total = t[[f"{c}_contribution" for c in sl.criteria]].sum(axis=1)
    np.testing.assert_allclose(total, t["score"], atol=1e-9)


# --------------------------------------------------------------------------- arrangement kinds

def test_kind_weights_file_is_validated_with_lines_and_suggestions(tmp_path):
    from partnerfit.criteria import load_kind_weights
    good = load_kind_weights()
    assert set(good) == {"lead_authority", "joint_committee", "company", "outsourced",
                         "joint_board", "strategic", "not_stated"}
    assert all(0 <= v <= 1 for v in good.values())
    path = tmp_path / "kinds.yaml"
    path.write_text("kinds:\n  lead_authority: 1\n  joint_bord: 0.5\n  strategic: 2\n")
    with pytest.raises(DataValidationError) as err:
        load_kind_weights(path)
    msg = str(err.value)
    assert "line 3" in msg and "did you mean 'joint_board'" in msg
    assert "line 4" in msg and "from 0 to 1, not 2" in msg
    assert "no weight for joint_committee" in msg


def test_relationships_count_each_arrangement_at_its_kind_weight():
    import pandas as pd

    from partnerfit.criteria import link_arrays
    date = pd.Timestamp("2015-01-01")
    # three councils (positions 0, 1, 2): a chosen arrangement (0, 1) for finance, a joint
    # board (0, 1, 2) for waste disposal, and a strategic one (1, 2) ended in 2013 (recent)
    rows = [("a-finance", "a", "finance", "lead_authority", 0, "2010", None),
            ("a-finance", "a", "finance", "lead_authority", 1, "2010", None),
            ("b-waste", "b", "waste_disposal", "joint_board", 0, "2010", None),
            ("b-waste", "b", "waste_disposal", "joint_board", 1, "2010", None),
            ("b-waste", "b", "waste_disposal", "joint_board", 2, "2010", None),
            ("c-deal", "c", "economic_development", "strategic", 1, "2010", "2013-12-31"),
            ("c-deal", "c", "economic_development", "strategic", 2, "2010", "2013-12-31")]
    t = pd.DataFrame(rows, columns=["arrangement", "partnership", "service", "kind", "pos",
                                    "start", "end"])
    t["running_from"] = pd.to_datetime(t["start"])
    t["end"] = pd.to_datetime(t["end"])
    w = {"lead_authority": 1.0, "joint_board": 0.5, "strategic": 0.75}
    ls, partners, record = link_arrays(t, 3, date, w)
    # by hand: (0,1) finance 1 + waste 0.5; (0,2) waste 0.5; (1,2) waste 0.5 + deal 0.5 * 0.75
    assert ls[0, 1] == 1.5 and ls[0, 2] == 0.5 and ls[1, 2] == 0.5 + 0.375
    assert partners[0, 1] == 1.0 and partners[0, 2] == 0.5 and partners[1, 2] == 0.5
    assert record.tolist() == [1.5, 1.5, 0.5]
    # every kind at 1 is the plain count (the behaviour without kinds)
    ls1, p1, r1 = link_arrays(t, 3, date, None)
    assert ls1[1, 2] == 1.5 and p1[0, 2] == 1.0 and r1.tolist() == [2.0, 2.0, 1.0]


def _link_arrays_by_loops(table, n, date, kind_weights):
    """The relationship arrays pair by pair, service by service (an independent reference)."""
    from partnerfit.criteria import RECENT_YEARS

    services = np.zeros((n, n))
    partners = np.zeros((n, n))
    partnerships = np.zeros(n)
    kw = {a: (kind_weights or {}).get(k, 1.0) for a, k in zip(table["arrangement"],
                                                                table["kind"])}
    begun = table["running_from"] <= date
    for weight, mask in ((1.0, begun & (table["end"].isna() | (table["end"] >= date))),
                         (0.5, begun & table["end"].notna() & (table["end"] < date)
                          & (table["end"] >= date - pd.DateOffset(years=RECENT_YEARS)))):
        rows = table[mask]
        rows = rows[np.array([kw[a] > 0 for a in rows["arrangement"]], dtype=bool)]
        for i in range(n):
            for j in range(n):
                if i == j:
                    continue
                both = rows[rows["pos"].isin([i, j])].groupby("arrangement")["pos"].nunique()
                arrs = list(both.index[both == 2])
                best: dict[str, float] = {}
                for a in arrs:
                    svc = rows.loc[rows["arrangement"] == a, "service"].iloc[0]
                    best[svc] = max(best.get(svc, 0.0), weight * kw[a])
                services[i, j] += sum(best.values())
        if weight == 1.0:
            for _part, g in rows.groupby("partnership"):
                w = max(kw[a] for a in g["arrangement"])
                p = sorted(set(g["pos"]))
                partnerships[p] += w
                for i in p:
                    for j in p:
                        if i != j:
                            partners[i, j] = max(partners[i, j], w)
    return services, partners, partnerships


def test_link_arrays_equal_a_pair_by_pair_count():
    from partnerfit.criteria import link_arrays
    from partnerfit.links import load_links

    table = load_links()
    # Kent and Cambridgeshire councils (several overlapping partnerships and kinds)
    codes = sorted(set(table.loc[table["partnership"].isin(
        ["east-kent-services", "3c-shared-services", "kent-resource-partnership",
         "east-kent-audit-partnership", "kent-homechoice"]), "council"]))
    sub = table[table["council"].isin(codes)].copy()
    sub["pos"] = [codes.index(c) for c in sub["council"]]
    weights = {"strategic": 0.25, "joint_board": 0.5}
    for date in ("2012-04-01", "2016-06-01", "2022-04-01"):
        got = link_arrays(sub, len(codes), pd.Timestamp(date), weights)
        ref = _link_arrays_by_loops(sub, len(codes), pd.Timestamp(date), weights)
        for a, b in zip(got, ref, strict=True):
            np.testing.assert_allclose(a, b)
        assert got[0].sum() > 0 and got[1].sum() > 0


def test_a_county_council_is_in_the_same_county_as_its_districts():
    # Gloucestershire County Council and Stroud, a district within it: the same county, as two
    # districts of Gloucestershire are; another county (Worcestershire) is not. The labels are
    # checked against the register's county column read directly.
    date = "2015-04-01"
    reg = pf.load_councils(as_of=date)
    glos = pf.find_council("Gloucestershire", as_of=date)
    districts = sorted(reg.index[reg["county"] == glos])
    assert len(districts) == 6
    worcs = pf.find_council("Worcestershire", as_of=date)
    sl = pf.shortlist(glos, "audit", as_of=date, top=400)
    area = next(c for c, k in sl.criteria.items() if k.measure == "same_area")
    raw = sl.raw[area]
    assert (raw.reindex(districts) == "same_county").all()
    assert raw[worcs] != "same_county"
    others = reg.index[(reg["county"] != glos) & (reg["county"] != "")
                       & reg.index.isin(raw.index)]
    assert (raw.reindex(others) != "same_county").all()
    # and the other way: a district sees its county council as in its county
    stroud = pf.shortlist(districts[0], "audit", as_of=date, top=400)
    assert stroud.raw[area][glos] == "same_county"

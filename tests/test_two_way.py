"""Tests of the two-way fit (partnerfit.two_way): the candidates' view of the subject council.

Every figure is checked against a direct computation: the candidate's own shortlist, made with
``pf.shortlist(candidate, ...)`` (two-way off, so through the single-shortlist code only), and
the subject's rank and score found on it.
"""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import partnerfit as pf
from partnerfit import aggregation, two_way
from partnerfit._paths import bundled
from partnerfit.aggregation import tie_key
from partnerfit.criteria import systems_known
from partnerfit.errors import ArgumentError
from partnerfit.export import render_markdown
from partnerfit.two_way import ordinal


def _direct(sl, candidates, **kw):
    """(rank, score, list length, others tied) of the subject on each candidate's own
    shortlist."""
    out = {}
    for code in candidates:
        theirs = pf.shortlist(code, sl.service, as_of=sl.as_of, two_way=False,
                              partnerships=False, **kw)
        if sl.council in theirs.scores.index:
            key = pd.Series(tie_key(theirs.scores.to_numpy(float)), index=theirs.scores.index)
            out[code] = (int(theirs.ranks()[sl.council]), float(theirs.scores[sl.council]),
                         len(theirs.scores), int((key == key[sl.council]).sum()) - 1)
        else:
            out[code] = (None, None, len(theirs.scores), None)
    return out


def _check(sl, candidates, **kw):
    table = sl.full_table().set_index("code")
    view = sl.two_way.table
    for code, (rank, score, n, tied) in _direct(sl, candidates, **kw).items():
        if rank is None:
            assert pd.isna(table.at[code, "their_rank"]), code
            assert np.isnan(table.at[code, "their_score"]), code
            assert sl.two_way.place(code) == "not on its list"
        else:
            assert table.at[code, "their_rank"] == rank, code
            assert table.at[code, "their_score"] == pytest.approx(score, abs=1e-9), code
            assert view.at[code, "their_tied"] == tied, code
        assert view.at[code, "their_candidates"] == n, code


def _pick(sl, k=4):
    """The best k, the worst two, and a few from the middle of the shortlist (councils only:
    a partnership candidate has no shortlist of its own)."""
    ft = sl.full_table()
    codes = list(ft.loc[ft["kind"] == "council", "code"])
    mid = len(codes) // 2
    return list(dict.fromkeys(codes[:k] + codes[mid:mid + 2] + codes[-2:]))


def test_building_control_matches_the_candidates_own_shortlists():
    sl = pf.shortlist("Wyre Forest", "building_control", as_of="2024-04-01")
    assert {"their_rank", "their_score"} <= set(sl.table.columns)
    _check(sl, _pick(sl))


def test_revenues_benefits_with_systems_known_for_some_candidates_only():
    # 2009: IT systems known for few councils, so on most candidates' own lists the systems
    # criterion is left out (their own systems unknown), and on the others unknown cells take
    # the average over *that* candidate's candidates
    sl = pf.shortlist("Lancaster", "revenues_benefits", as_of="2009-06-01")
    ctx = sl.context
    codes = list(sl.full_table()["code"])
    known = [c for c in codes if systems_known(ctx, c, sl.service)]
    unknown = [c for c in codes if not systems_known(ctx, c, sl.service)]
    assert known and unknown, "the case needs candidates with and without known systems"
    tied = list(sl.two_way.table.index[sl.two_way.table["their_tied"] > 0][:2])
    assert tied, "the case should include a tie on some candidate's list"
    _check(sl, known[:4] + unknown[:3] + codes[:2] + tied)
    assert "tied with" in sl.two_way.place(tied[0])


def test_user_systems_table_known_for_four_councils(partly_known_shortlist):
    sl = pf.shortlist("Lancaster", "revenues_benefits", as_of="2009-06-01",
                      systems=partly_known_shortlist.context.systems_table)
    _check(sl, ["E07000123", "E07000128", "E07000031", "E07000117", "E07000122"],
           systems=partly_known_shortlist.context.systems_table)


def test_subject_with_unknown_systems_and_a_distance_limit():
    # the subject's own systems unknown: left out of its list, but not of the candidates'
    sl = pf.shortlist("Lancaster", "hr_payroll", as_of="2016-04-01", max_distance_km=60)
    _check(sl, _pick(sl), max_distance_km=60)
    assert int(sl.two_way.table["their_candidates"].max()) < 200  # the limit applies to them


@pytest.mark.parametrize("policy", ["renormalise", "exclude", "pessimistic"])
def test_other_missing_data_policies(tmp_path, policy):
    # the bundled criteria with another missing-data policy for IT systems
    text = bundled("criteria", "criteria.yaml").read_text(encoding="utf-8")
    assert "    missing: expected\n" in text
    path = tmp_path / "criteria.yaml"
    path.write_text(text.replace("    missing: expected\n", f"    missing: {policy}\n"),
                    encoding="utf-8")
    sl = pf.shortlist("Preston", "revenues_benefits", as_of="2016-04-01", criteria=path)
    codes = list(sl.full_table()["code"])
    ctx = sl.context
    known = [c for c in codes if systems_known(ctx, c, sl.service)]
    unknown = [c for c in codes if not systems_known(ctx, c, sl.service)]
    _check(sl, known[:4] + unknown[:2], criteria=path)
    if policy == "exclude":  # a candidate whose list drops Preston shows no view, not a guess
        assert sl.two_way.table["their_rank"].isna().any()


def test_topsis():
    sl = pf.shortlist("Carlisle", "building_control", as_of="2012-04-01", method="topsis")
    _check(sl, _pick(sl, 3), method="topsis")


def test_mutual_score_mixes_the_candidates_score_in():
    kw = {"as_of": "2024-04-01"}
    own = pf.shortlist("Wyre Forest", "building_control", two_way=False, **kw)
    mixed = pf.shortlist("Wyre Forest", "building_control", two_way=0.3, **kw)
    direct = _direct(own, _pick(own))
    for code, (_rank, their, _n, _tied) in direct.items():
        assert mixed.scores[code] == pytest.approx(0.7 * own.scores[code] + 0.3 * their)
    assert "their_rank" not in own.table.columns


@pytest.mark.parametrize("bad", [2, -0.1, "yes", float("nan")])
def test_bad_two_way_is_a_clear_error(bad):
    with pytest.raises(ArgumentError, match="two_way="):
        pf.shortlist("Wyre Forest", "building_control", as_of="2024-04-01", two_way=bad)


def test_words_explain_summary_and_report():
    sl = pf.shortlist("Wyre Forest", "building_control", as_of="2024-04-01")
    (rank, score, n, _), = _direct(sl, ["E07000234"]).values()
    sentence = (f"Bromsgrove would rank Wyre Forest {ordinal(rank)} of {n} on its own building "
                f"control shortlist (score {score:.1f} of 100).")
    assert sentence in sl.explain("Bromsgrove")
    assert sentence in sl.summary()
    text = render_markdown(sl.to_report(top=5, figures=False, sensitivity=False))
    assert "Wyre Forest on their own list" in text and f"{ordinal(rank)} of {n}" in text


def test_ordinal():
    assert [ordinal(k) for k in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"]


def test_programme_two_way_matches_the_candidates_lists():
    prog = pf.programme("Wyre Forest", as_of="2024-04-01", services_=["building_control"],
                        two_way=True)
    first = prog.iloc[0]
    (rank, score, _n, _t), = _direct(pf.shortlist("Wyre Forest", "building_control",
                                                  as_of="2024-04-01", two_way=False),
                                     [first["code"]]).values()
    assert first["their_rank"] == rank
    assert first["their_score"] == pytest.approx(score)
    assert "their_rank" not in pf.programme("Wyre Forest", as_of="2024-04-01",
                                            services_=["building_control"]).columns


def test_cli_two_way(tmp_path):
    out = subprocess.run([sys.executable, "-m", "partnerfit.cli", "shortlist", "Wyre Forest",
                          "-s", "building_control", "--as-of", "2024-04-01", "--top", "3",
                          "--two-way", "0.5", "--format", "csv"],
                         capture_output=True, text=True, check=True).stdout
    got = pd.read_csv(io.StringIO(out)).set_index("code")
    sl = pf.shortlist("Wyre Forest", "building_control", as_of="2024-04-01", two_way=False)
    for code, (_rank, their, _n, _t) in _direct(sl, list(got.index)).items():
        assert got.at[code, "score"] == pytest.approx(0.5 * sl.scores[code] + 0.5 * their)
        assert got.at[code, "their_score"] == pytest.approx(their)
    bad = subprocess.run([sys.executable, "-m", "partnerfit.cli", "shortlist", "Wyre Forest",
                          "-s", "building_control", "--two-way", "1.5"],
                         check=False, capture_output=True, text=True)
    assert bad.returncode != 0 and "--two-way" in bad.stderr and "0 to 1" in bad.stderr


# --------------------------------------------------------------------------- cached paths


def _clear_caches():
    for cache in (two_way._cache, two_way._values, two_way._blocks):
        cache.clear()


def test_cached_paths_match_the_candidates_own_shortlists():
    # values that do not depend on the service kept from another service on the same date,
    # then the weights-independent blocks kept from the first list when the weights change:
    # each view equals the candidates' own shortlists, and the fresh pass bit for bit
    date, kw = "2024-04-01", {"committed": "screen", "partnerships": False}
    weights = pf.scoring.default_weights("building_control").to_dict()
    weights = {**weights, "distance": 2 * weights["distance"]}
    _clear_caches()
    pf.shortlist("Wyre Forest", "revenues_benefits", as_of=date)
    assert two_way._values and len(two_way._blocks) == 1
    other_service = pf.shortlist("Malvern Hills", "building_control", as_of=date, **kw)
    _check(other_service, _pick(other_service), committed="screen")
    assert len(two_way._blocks) == 2
    other_weights = pf.shortlist("Malvern Hills", "building_control", as_of=date,
                                 weights=weights, **kw)
    assert len(two_way._blocks) == 2
    _check(other_weights, _pick(other_weights), weights=weights, committed="screen")
    for cached, w in ((other_service, None), (other_weights, weights)):
        _clear_caches()
        fresh = pf.shortlist("Malvern Hills", "building_control", as_of=date, weights=w, **kw)
        pd.testing.assert_frame_equal(fresh.two_way.table, cached.two_way.table)
    # screened: the North Worcestershire councils are committed, so off Malvern Hills' list
    assert {"E07000234", "E07000236", "E07000239"}.isdisjoint(other_service.two_way.table.index)


def test_rank_without_sorting_matches_the_ranking_of_each_list():
    sl = pf.shortlist("Lancaster", "revenues_benefits", as_of="2009-06-01")
    pairs = two_way.all_pairs(sl.context, sl.service, sl.weights_given, sl.criteria,
                              committed="penalise", cross_regime=False)
    rows = np.arange(len(pairs.codes))
    for column in range(0, len(pairs.codes), 37):
        np.testing.assert_array_equal(pairs.rank_of(rows, column), pairs.ranks[:, column])
    for row in rows[::53]:  # each row ranked on its own by the package's single-list ranker
        on = np.isfinite(pairs.scores[row])
        scores = pd.Series(pairs.scores[row, on], index=pairs.codes[on])
        np.testing.assert_array_equal(pairs.ranks[row, on], aggregation.rank(scores).to_numpy())


@pytest.mark.parametrize("m", range(1, 21))
def test_stacked_sum_is_numpys_sum_bit_for_bit(m):
    rng = np.random.default_rng(m)
    terms = [rng.random((7, 9)) * 10.0 ** rng.integers(-8, 9) for _ in range(m)]
    expected = np.stack(terms, axis=-1).sum(axis=-1)
    np.testing.assert_array_equal(two_way.stacked_sum(terms), expected)

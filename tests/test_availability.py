"""Availability: committed candidates and councils marked unavailable.

Commitments are checked against the arrangements read directly from the bundled CSV files
(pandas and a small date parser written here), not through partnerfit.links.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import partnerfit as pf
from partnerfit.availability import COMMITTING_KINDS, PENALTY_FACTOR, read_unavailable
from partnerfit.errors import (
    ArgumentError,
    ArgumentTypeError,
    DataValidationError,
    UnknownCouncilError,
)
from partnerfit.export import render_markdown

HERE = os.path.dirname(__file__)
ROOT = os.path.dirname(HERE)
FENLAND, SERVICE, DATE = "E07000010", "revenues_benefits", pd.Timestamp("2013-06-01")


def _first(text: str) -> pd.Timestamp:
    parts = [int(p) for p in text.split("-")]
    return pd.Timestamp(parts[0], *(parts[1:] or [1]), *([1] if len(parts) < 3 else []))


def _last(text: str) -> pd.Timestamp:
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 3:
        return pd.Timestamp(*parts)
    if len(parts) == 2:
        return pd.Timestamp(parts[0], parts[1], 1) + pd.offsets.MonthEnd(0)
    return pd.Timestamp(parts[0], 12, 31)


def _code_on(code: str, date: pd.Timestamp) -> str:
    """The code in force on ``date`` of the council recorded as ``code`` (same register id),
    from councils/councils.csv."""
    reg = pd.read_csv(os.path.join(ROOT, "councils", "councils.csv"), dtype=str,
                      keep_default_na=False).set_index("code")
    same = reg[reg["id"] == reg.at[code, "id"]]
    live = [c for c, vf, vt in zip(same.index, same["valid_from"], same["valid_to"], strict=True)
            if (not vf or pd.Timestamp(vf) <= date) and (not vt or pd.Timestamp(vt) >= date)]
    return live[0] if live else code


def csv_running(service: str, date: pd.Timestamp) -> pd.DataFrame:
    """Members of the arrangements for ``service`` of a committing kind running on ``date``,
    straight from councils/arrangements*.csv, with ``code``: the member's code in force on the
    date. A member runs from its start (or, start not recorded, from the end of its source's
    date) until its end."""
    files = glob.glob(os.path.join(ROOT, "councils", "arrangements*.csv"))
    df = pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files])
    df = df[(df["service"] == service) & df["kind"].isin(COMMITTING_KINDS)]
    begun = [(_first(s) if s else (_last(d) if d else None)) for s, d in
             zip(df["start"], df["source_date"], strict=True)]
    ended = [_last(e) if e else None for e in df["end"]]
    run = [b is not None and b <= date and (e is None or e >= date)
           for b, e in zip(begun, ended, strict=True)]
    df = df[run].copy()
    df["code"] = [_code_on(c, date) for c in df["council"]]
    return df


def csv_committed(focal: str, service: str, date: pd.Timestamp) -> dict[str, set[str]]:
    """Council code -> names of the running arrangements for ``service`` of a committing kind
    without ``focal`` (:func:`csv_running`)."""
    df = csv_running(service, date)
    mine = set(df.loc[df["code"] == focal, "arrangement"])
    out: dict[str, set[str]] = {}
    for arr, name, code in zip(df["arrangement"], df["name"], df["code"], strict=True):
        if arr not in mine:
            out.setdefault(code, set()).add(name)
    return out


@pytest.fixture(scope="module")
def marked():
    return pf.shortlist("Fenland", SERVICE, as_of=DATE, partnerships=False, committed="mark")


def test_committed_councils_match_the_csv(marked):
    expected = csv_committed(FENLAND, SERVICE, DATE)
    t = marked.table.set_index("code")
    assert len(expected) > 10  # a real check, not an empty one
    for code, row in t.iterrows():
        if code in expected:
            assert set(row["committed"].split("; ")) == expected[code], code
        else:
            assert row["committed"] == "", code
    # every committed council that delivers the service is on the list (mark: nothing screened)
    delivering = set(t.index) | set(marked.screened["code"])
    assert {c for c in expected if c in delivering} <= set(t.index)
    # e.g. Breckland is committed to the Anglia Revenues Partnership, which Fenland joined in 2014
    assert t.at["E07000143", "committed"] == "Anglia Revenues Partnership (ARP)"


def test_mark_leaves_scores_alone(marked):
    plain = pf.shortlist("Fenland", SERVICE, as_of=DATE, partnerships=False, committed="mark",
                         links=pd.DataFrame())  # no arrangements: nobody committed
    assert (plain.table["committed"] == "").all()
    rel = [c for c, k in marked.criteria.items() if k.group != "relationships"]
    # with the same weights, mark changes no score: a council's score depends only on its
    # own values, and no value is touched (the relationship values differ without links)
    np.testing.assert_allclose(marked.value_matrix[rel], plain.value_matrix.loc[
        marked.value_matrix.index, rel], atol=1e-12)
    pen = pf.shortlist("Fenland", SERVICE, as_of=DATE, partnerships=False)
    assert pen.committed_policy == "penalise"  # the default
    assert "marked in the table, score unchanged" in marked.summary()
    assert "score multiplied by 0.5" in pen.summary()


def test_screen_removes_committed_with_the_arrangement_named(marked):
    sl = pf.shortlist("Fenland", SERVICE, as_of=DATE, partnerships=False, committed="screen")
    expected = csv_committed(FENLAND, SERVICE, DATE)
    gone = set(marked.table.loc[marked.table["committed"] != "", "code"])
    assert gone and not gone & set(sl.table["code"])
    why = sl.screened.set_index("code")["reason"]
    for code in gone:
        assert why[code].startswith("committed to ")
        for name in expected[code]:
            assert name in why[code]
    # the others keep their scores (additive scores do not depend on the other candidates)
    kept = sl.scores.index
    np.testing.assert_allclose(sl.scores[kept], marked.scores[kept], rtol=0, atol=1e-12)


def test_penalise_multiplies_the_score(marked):
    sl = pf.shortlist("Fenland", SERVICE, as_of=DATE, partnerships=False, committed="penalise")
    committed = marked.table.loc[marked.table["committed"] != "", "code"].to_numpy()
    factor = pd.Series(1.0, index=marked.scores.index)
    factor[committed] = PENALTY_FACTOR
    np.testing.assert_allclose(sl.scores[marked.scores.index], marked.scores * factor,
                               rtol=0, atol=1e-9)
    # the value matrix still reproduces the score, so explanations and sensitivity agree
    np.testing.assert_allclose(sl.contributions.sum(axis=1), sl.scores, atol=1e-9)
    row = sl.table.set_index("code").loc[committed[0]]
    assert "committed elsewhere: score x 0.5" in row["flags"]


def test_offer_screens_the_council_and_offers_its_partnership():
    sl = pf.shortlist("Fenland", SERVICE, as_of=DATE, committed="offer")
    why = sl.screened.set_index("code")["reason"]
    assert why["E07000143"].endswith("the partnership is offered instead")  # Breckland
    assert "anglia-revenues-partnership-revenues_benefits" in set(sl.table["code"])
    assert (sl.table.loc[sl.table["kind"] == "council", "committed"] == "").all()


def test_offer_needs_partnerships_and_policy_is_checked():
    with pytest.raises(ArgumentError, match="needs partnerships=True"):
        pf.shortlist("Fenland", SERVICE, as_of=DATE, committed="offer", partnerships=False)
    with pytest.raises(ArgumentError, match="did you mean 'screen'"):
        pf.shortlist("Fenland", SERVICE, as_of=DATE, committed="scren")


def test_unavailable_list_is_screened_and_reported():
    sl = pf.shortlist("Fenland", SERVICE, as_of=DATE, partnerships=False,
                      unavailable=["Huntingdonshire", "E06000031"])
    why = sl.screened.set_index("code")["reason"]
    assert why["E07000011"] == "marked unavailable by you"
    assert why["E06000031"] == "marked unavailable by you"
    assert not {"E07000011", "E06000031"} & set(sl.table["code"])
    assert "Marked unavailable by you, and screened out: Huntingdonshire; Peterborough." \
        in sl.summary()
    report = render_markdown(sl.to_report(figures=False, sensitivity=False))
    assert "Marked unavailable by you" in report


def test_unavailable_table_with_reasons(tmp_path):
    path = tmp_path / "unwilling.csv"
    path.write_text("council,reason\nHuntingdonshire,declined in 2012\nPeterborough,\n",
                    encoding="utf-8")
    for source in (path, str(path), pd.read_csv(path, keep_default_na=False)):
        sl = pf.shortlist("Fenland", SERVICE, as_of=DATE, partnerships=False,
                          unavailable=source)
        why = sl.screened.set_index("code")["reason"]
        assert why["E07000011"] == "marked unavailable by you (declined in 2012)"
        assert why["E06000031"] == "marked unavailable by you"


def test_bad_unavailable_names_say_did_you_mean(tmp_path):
    with pytest.raises(UnknownCouncilError) as err:
        pf.shortlist("Fenland", SERVICE, as_of=DATE, unavailable=["Huntingdonshre"])
    assert str(err.value).startswith("unavailable: ")
    assert "Did you mean: Huntingdonshire (E07000011)" in str(err.value)
    path = tmp_path / "bad.csv"
    path.write_text("council\nPeterborough\nHuntingdonshre\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as err2:
        read_unavailable(path, DATE)
    assert "line 3" in str(err2.value) and "Huntingdonshire (E07000011)" in str(err2.value)
    with pytest.raises(ArgumentTypeError, match=r"unavailable=\['Peterborough'\]"):
        read_unavailable("Peterborough", DATE)
    missing = tmp_path / "no_column.csv"
    missing.write_text("name\nPeterborough\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="missing column.*council"):
        read_unavailable(missing, DATE)


def test_programme_takes_the_same_options():
    prog = pf.programme("Fenland", as_of=DATE, services_=[SERVICE], top=5,
                        unavailable=["Huntingdonshire"], committed="screen")
    assert "E07000011" not in set(prog["code"])
    assert "E07000143" not in set(prog["code"])  # Breckland, committed to ARP
    assert any("Huntingdonshire" in n for n in prog.notes)


def test_backtest_takes_the_policy():
    with pytest.raises(ArgumentError, match="committed="):
        pf.evaluate.backtest(arrangements=["3c-shared-services-ict"], committed="nope")


def test_cli_unavailable_and_committed():
    env = {**os.environ}
    cmd = [sys.executable, "-m", "partnerfit.cli", "shortlist", "Fenland", "-s", SERVICE,
           "--as-of", "2013-06-01", "--unavailable", "Huntingdonshire", "Peterborough",
           "--committed", "screen", "--no-partnerships", "--top", "5"]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    assert "Marked unavailable by you" in " ".join(out.split())  # the summary is wrapped
    assert "Huntingdonshire" not in out.split("rank")[-1]
    bad = subprocess.run(cmd[:9] + ["--unavailable", "Huntingdonshre"], capture_output=True,
                         check=False,
                         text=True, env=env)
    assert bad.returncode != 0
    assert "Huntingdonshire (E07000011)" in " ".join((bad.stderr + bad.stdout).split())


def test_cli_unavailable_file(tmp_path):
    path = tmp_path / "unwilling.csv"
    path.write_text("council,reason\nHuntingdonshire,said no in 2012\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "partnerfit.cli", "shortlist", "Fenland", "-s", SERVICE,
           "--as-of", "2013-06-01", "--unavailable", str(path), "--top", "5"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    assert "Huntingdonshire (said no in 2012)" in " ".join(out.split())

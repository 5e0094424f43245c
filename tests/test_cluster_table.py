"""Clusters as data: the bundled table, user clusters and the same-area criterion (issue 15)."""

import csv
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import partnerfit as pf

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def _day(text, end):
    """YYYY, YYYY-MM or YYYY-MM-DD as the first (start) or last (end) day, by hand."""
    parts = [int(x) for x in text.split("-")]
    if len(parts) == 3:
        return pd.Timestamp(*parts)
    if len(parts) == 2:
        first = pd.Timestamp(parts[0], parts[1], 1)
        return first + pd.offsets.MonthEnd(0) if end else first
    return pd.Timestamp(parts[0], 12, 31) if end else pd.Timestamp(parts[0], 1, 1)


def _members_from_csv(date):
    day = pd.Timestamp(date)
    out = set()
    with open(ROOT / "councils" / "clusters.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            start = row["start"] or row["source_date"]
            if start and _day(start, False) > day:
                continue
            if row["end"] and _day(row["end"], True) < day:
                continue
            out.add((row["cluster"], row["council"]))
    return out


@pytest.mark.parametrize("date", ["2009-06-01", "2010-01-01", "2015-06-01", "2018-11-15",
                                  "2020-01-01", "2024-05-07", "2025-06-01"])
def test_load_clusters_matches_the_csv_read_directly(date):
    got = pf.load_clusters(date)
    assert set(zip(got["cluster"], got["council"])) == _members_from_csv(date)


def test_every_bundled_row_names_a_source_and_a_known_type():
    t = pf.load_clusters()
    assert t["source_title"].ne("").all() and t["source_publisher"].ne("").all()
    assert set(t["type"]) <= {"combined_authority", "sub_regional"}


def test_same_cluster_on_a_known_pair_and_its_explanation():
    # Knowsley and Halton: Merseyside metropolitan borough and a Cheshire unitary, no common
    # county; both constituent members of the Liverpool City Region Combined Authority from
    # 1 April 2014 (SI 2014/865)
    before = pf.shortlist("Knowsley", "revenues_benefits", as_of="2014-03-31")
    after = pf.shortlist("Knowsley", "revenues_benefits", as_of="2014-04-01")
    assert before.raw.at["E06000006", "same_area"] == "same_region"
    assert after.raw.at["E06000006", "same_area"] == "same_cluster"
    assert "both in the Liverpool City Region Combined Authority" in after.explain("Halton")
    # the value is the criterion's same_cluster value
    values = pf.load_criteria()["same_area"].value.mapping
    assert after.value_matrix.at["E06000006", "same_area"] == values["same_cluster"]
    # same county still wins over a shared cluster (Fenland and Huntingdonshire, 2018)
    sl = pf.shortlist("Fenland", "revenues_benefits", as_of="2018-01-01")
    assert sl.raw.at["E07000011", "same_area"] == "same_county"
    assert sl.raw.at["E06000031", "same_area"] == "same_cluster"   # Peterborough


def test_a_user_cluster_round_trips_through_csv(tmp_path):
    rows = [{"cluster": "fylde-coast", "name": "Fylde coast authorities", "council": code}
            for code in ("E06000009", "E07000119", "E07000128")]   # Blackpool, Fylde, Wyre
    path = tmp_path / "my_clusters.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    before = path.read_bytes()
    from_file = pf.load_clusters("2015-01-01", clusters=path)
    from_frame = pf.load_clusters("2015-01-01", clusters=pd.DataFrame(rows))
    mine = from_file[from_file["cluster"] == "fylde-coast"]
    assert sorted(mine["council"]) == ["E06000009", "E07000119", "E07000128"]
    assert set(mine["type"]) == {"user"}
    assert mine.drop(columns=["file"]).reset_index(drop=True).equals(
        from_frame[from_frame["cluster"] == "fylde-coast"].drop(columns=["file"])
        .reset_index(drop=True))
    assert path.read_bytes() == before
    # the bundled clusters are still there, and the shortlist reads the user's
    assert "greater-manchester-ca" in set(from_file["cluster"])
    plain = pf.shortlist("Blackpool", "revenues_benefits", as_of="2015-01-01")
    own = pf.shortlist("Blackpool", "revenues_benefits", as_of="2015-01-01", clusters=path)
    assert plain.raw.at["E07000119", "same_area"] == "same_region"
    assert own.raw.at["E07000119", "same_area"] == "same_cluster"
    assert "both in the Fylde coast authorities" in own.explain("Fylde")


def test_bad_cluster_rows_are_reported_with_their_lines(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "cluster,name,type,council,start,end\n"
        "My Cluster,Mine,user,E07000119,,\n"                       # line 2: id
        "ok,Ok,user,E99999999,,\n"                                  # line 3: code
        "ok,Ok,user,E07000163,2024-01-01,\n"                        # line 4: Craven ended 2023
        "ok,Ok,county,E07000119,,\n"                                # line 5: type
        "ok,Ok,user,E07000128,2015,2014\n"                          # line 6: end before start
        "ok,Ok,user,E06000009,2014-13-01,\n")                       # line 7: date
    with pytest.raises(pf.DataValidationError) as err:
        pf.load_clusters(clusters=path)
    msg = str(err.value)
    assert "bad.csv" in msg
    assert "line 2: cluster id 'My Cluster'" in msg
    assert "line 3: council 'E99999999'" in msg
    assert "line 4: council E07000163 (Craven) was not in force on 2024-01-01" in msg
    assert "line 5: type 'county' is not one of" in msg
    assert "line 6: end 2014 is before start 2015" in msg
    assert "line 7: start '2014-13-01' is not a date" in msg
    assert "lines 3, 4, 5, 6, 7: cluster 'ok' has more than one type" in msg


def test_overlaps_and_bundled_ids_are_refused(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("cluster,name,council,start,end\n"
                    "x,X,E07000119,2010,2015\n"
                    "x,X,E07000119,2014,\n")
    with pytest.raises(pf.DataValidationError, match="line 3: council E07000119 is listed in "
                                                     "cluster 'x' again"):
        pf.load_clusters(clusters=path)
    clash = pd.DataFrame([{"cluster": "greater-manchester-ca", "name": "Mine",
                           "council": "E08000001"}])
    with pytest.raises(pf.DataValidationError, match="already a bundled cluster"):
        pf.load_clusters(clusters=clash)


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/data is absent")
def test_the_bundled_table_is_what_the_script_builds(tmp_path):
    out = tmp_path / "clusters.csv"
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_clusters.py"),
                           str(SHARED), "--out", str(out)], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == (ROOT / "councils" / "clusters.csv").read_bytes()


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/data is absent")
def test_current_combined_authority_members_agree_with_the_ons_lookup():
    lookup = pd.read_csv(SHARED / "drkane-geo-lookups" / "la_all_codes.csv", dtype=str)
    lookup = lookup[(lookup["Current"] == "TRUE") & lookup["CAUTHCD"].notna()]
    ours = pf.load_clusters("2020-01-01")
    for name, rows in lookup.groupby("CAUTHNM"):
        mine = ours[ours["name"].str.startswith(name)]
        # lower-tier members; the county council of Cambridgeshire is an upper-tier member
        lower = set(mine["council"]) - {"E10000003"}
        expect = {c for c in rows["LADCD"] if c not in ("E08000038", "E08000039")}
        expect |= {"E08000016", "E08000019"} if name == "Sheffield City Region" else set()
        assert lower == expect, name


def test_cli_reads_user_clusters_and_names_a_bad_line(tmp_path):
    good = tmp_path / "mine.csv"
    good.write_text("cluster,name,council\nfylde-coast,Fylde coast,E06000009\n"
                    "fylde-coast,Fylde coast,E07000119\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("cluster,name,council\nfylde-coast,Fylde coast,E99999999\n")
    base = [sys.executable, "-m", "partnerfit.cli", "shortlist", "Blackpool", "-s",
            "revenues_benefits", "--as-of", "2015-01-01"]
    ok = subprocess.run([*base, "--clusters", str(good)], capture_output=True, text=True,
                        check=False)
    assert ok.returncode == 0, ok.stderr
    wrong = subprocess.run([*base, "--clusters", str(bad)], capture_output=True, text=True,
                           check=False)
    assert wrong.returncode != 0
    assert "bad.csv" in wrong.stderr and "line 2: council 'E99999999'" in wrong.stderr

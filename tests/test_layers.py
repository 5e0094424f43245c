"""The user's own data layered on the bundled registers (add_links=, drop_links=, add_systems=)."""

from __future__ import annotations

import pandas as pd
import pytest

import partnerfit as pf

DATE = "2024-04-01"
WYRE_FOREST, REDDITCH, BROMSGROVE = "E07000239", "E07000236", "E07000234"


def _write(tmp_path, name, rows, kind="csv"):
    df = pd.DataFrame(rows)
    path = tmp_path / name
    if kind == "csv":
        df.to_csv(path, index=False)
    else:
        df.to_excel(path, index=False)
    return path


def _bundled_ids():
    return set(pf.load_links()["arrangement"])


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_add_links_keeps_the_bundled_arrangements_and_accepts_names(tmp_path, kind):
    # they already share building control, economic development and regulatory services
    path = _write(tmp_path, f"mine.{kind}", [
        {"council": "Wyre Forest", "partner": "Redditch", "service": "legal",
         "start": "2020"}], kind)
    before = path.read_bytes()
    plain = pf.shortlist("Wyre Forest", "building_control", as_of=DATE)
    mine = pf.shortlist("Wyre Forest", "building_control", as_of=DATE, add_links=path)
    assert path.read_bytes() == before  # input never modified
    ctx = mine.context
    # every bundled arrangement is still there, plus one of the user's
    assert set(plain.context.links["arrangement"]) < set(ctx.links["arrangement"])
    new = set(ctx.links["arrangement"]) - set(plain.context.links["arrangement"])
    assert len(new) == 1
    rows = ctx.links[ctx.links["arrangement"].isin(new)]
    assert set(rows["council"]) == {WYRE_FOREST, REDDITCH}
    assert rows["source"].str.startswith(f"your data (mine.{kind})").all()
    # the direct-links measure for Redditch goes up by exactly one service, Bromsgrove's not
    assert mine.raw.at[REDDITCH, "direct_links"] == plain.raw.at[REDDITCH, "direct_links"] + 1
    assert mine.raw.at[BROMSGROVE, "direct_links"] == plain.raw.at[BROMSGROVE, "direct_links"]
    assert (f"Your data (mine.{kind}) added 1 arrangement(s): Redditch and Wyre Forest "
            "(legal services).") in mine.summary()


def test_links_still_replaces_the_bundled_register_and_says_so(tmp_path):
    path = _write(tmp_path, "only.csv", [
        {"council": "Wyre Forest", "partner": "Redditch", "service": "building_control",
         "start": "2020"}])
    sl = pf.shortlist("Wyre Forest", "building_control", as_of=DATE, links=path)
    assert sl.context.links["arrangement"].nunique() == 1
    assert sl.raw.at[BROMSGROVE, "direct_links"] == 0  # the bundled arrangements are gone
    assert "The bundled register of arrangements was replaced by yours (only.csv)." in \
        sl.summary()
    full = pf.load_links()
    kept = full[full["council"] != BROMSGROVE]
    sl2 = pf.shortlist("Wyre Forest", "building_control", as_of=DATE, links=kept)
    assert "replaced by yours (arrangements table)" in sl2.summary()


def _an_arrangement(service=None):
    links = pf.load_links(DATE)
    g = links[links["service"] == service] if service else links
    arr = min(g["arrangement"].unique())
    return arr, links[links["arrangement"] == arr]


def test_a_bundled_id_replaces_that_arrangement(tmp_path):
    arr, rows = _an_arrangement("revenues_benefits")
    members = sorted(rows["council"])
    path = _write(tmp_path, "replace.csv", [
        {"arrangement": arr, "council": members[0], "service": "revenues_benefits",
         "start": "2015"}])
    table, notes = pf.layers.layer_links(path)
    mine = table[table["arrangement"] == arr]
    assert mine["council"].tolist() == [members[0]]
    assert mine["source"].str.startswith("your data (replace.csv)").all()
    assert len(table) == len(pf.load_links()) - len(pf.load_links().query(
        "arrangement == @arr")) + 1
    assert any("changed 1" in n for n in notes)


def test_an_end_date_ends_a_bundled_arrangement_and_drop_removes_one(tmp_path):
    arr, _ = _an_arrangement("revenues_benefits")
    other = min(set(pf.load_links()["arrangement"]) - {arr})
    path = _write(tmp_path, "end.csv", [{"arrangement": arr, "end": "2020-03-31"}])
    table, notes = pf.layers.layer_links(path, drop_links=[other])
    ended = table[table["arrangement"] == arr]
    before = pf.load_links().set_index(["arrangement", "council"])["end"]
    for council, end in zip(ended["council"], ended["end"], strict=True):
        was = before[(arr, council)]
        # members still in it on 2020-03-31 leave then; those gone earlier keep their end
        assert end == (was if pd.notna(was) and was <= pd.Timestamp("2020-03-31")
                       else pd.Timestamp("2020-03-31"))
    assert (ended["end"] == pd.Timestamp("2020-03-31")).any()
    assert other not in set(table["arrangement"])
    assert any("ended 1" in n for n in notes) and any("removed 1" in n for n in notes)
    # ended before the date: not running on it
    assert arr not in set(pf.load_links(DATE, links=table)["arrangement"])
    with pytest.raises(pf.DataValidationError, match="not in the arrangements table"):
        pf.layers.layer_links(None, drop_links=["no-such-arrangement"])


def test_ambiguous_or_unknown_names_are_errors_listing_the_choices(tmp_path):
    path = _write(tmp_path, "bad.csv", [
        {"council": "Durham", "partner": "Sunderland", "service": "legal", "start": "2008"},
        {"council": "Lancster", "partner": "Preston", "service": "legal", "start": "2015"}])
    with pytest.raises(pf.DataValidationError) as err:
        pf.shortlist("Lancaster", "legal", as_of=DATE, add_links=path)
    msg = str(err.value)
    assert "bad.csv" in msg
    assert "line 2: 'Durham' is ambiguous" in msg and "E10000010" in msg
    assert "line 3: No council matches 'Lancster'" in msg and "Lancaster" in msg


def test_missing_essential_columns_are_named(tmp_path):
    path = _write(tmp_path, "cols.csv", [{"council": "Wyre Forest", "service": "legal"}])
    with pytest.raises(pf.DataValidationError, match="partner .a partner council. or "
                                                     "arrangement"):
        pf.layers.layer_links(path)


def test_add_systems_with_names_layers_on_the_register_and_reports_overrides(tmp_path):
    base = pf.load_systems()
    mid = base[(base["council"] == "E06000002") & (base["function"] == "planning")]
    assert len(mid) >= 1  # the register has Middlesbrough's planning system
    path = _write(tmp_path, "systems.xlsx", [
        {"council": "Middlesbrough", "function": "planning", "vendor": "Idox",
         "product": "Uniform"},
        {"council": "Wyre Forest", "function": "revenues_benefits", "vendor": "Civica",
         "product": "OpenRevenues", "year_observed": "2024"}], "xlsx")
    table, notes = pf.layers.layer_systems(path)
    assert len(table) == len(base) - len(mid) + 2
    on = pf.systems.systems_on(DATE, systems=table)
    wf = on[(on["council"] == WYRE_FOREST) & (on["function"] == "revenues_benefits")].iloc[0]
    assert (wf["vendor"], wf["product"]) == ("Civica", "OpenRevenues")
    assert wf["source"] == "your data (systems.xlsx)"
    m = on[(on["council"] == "E06000002") & (on["function"] == "planning")].iloc[0]
    assert m["product"] == "Uniform" and m["evidence"] == "undated"
    assert ("Your data (systems.xlsx) added 1 council system(s); overrode the register for 1 "
            "(Middlesbrough (planning))." in notes)
    # Wyre Forest runs Idox (register, 2025): Middlesbrough's Agile portal did not match (0),
    # the user's Idox Uniform matches the vendor (0.75)
    plain = pf.shortlist("Wyre Forest", "planning", as_of=DATE)
    sl = pf.shortlist("Wyre Forest", "planning", as_of=DATE, add_systems=path)
    assert plain.value_matrix.at["E06000002", "systems"] == pytest.approx(0.0)
    assert sl.value_matrix.at["E06000002", "systems"] == pytest.approx(75.0)
    assert "overrode the register for 1" in sl.summary()


def test_cli_shortlist_report_and_groupings_take_add_links(tmp_path):
    import subprocess
    import sys

    path = _write(tmp_path, "mine.csv", [
        {"council": "Carlisle", "partner": "Allerdale", "service": "licensing",
         "start": "2008"}])

    def run(*args):
        out = subprocess.run([sys.executable, "-m", "partnerfit.cli", *args],
                             capture_output=True, text=True, check=False, cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        return " ".join(out.stdout.split())

    said = "Your data (mine.csv) added 1 arrangement(s): Allerdale and Carlisle (licensing)."
    assert said in run("shortlist", "Carlisle", "-s", "licensing", "--as-of", "2009-06-01",
                       "--add-links", str(path))
    assert said in run("groupings", "Carlisle", "Allerdale", "Copeland", "-s", "licensing",
                       "--as-of", "2009-06-01", "--add-links", str(path), "--weights",
                       "default")
    assert said in run("report", "Carlisle", "--as-of", "2009-06-01", "--services",
                       "licensing", "--add-links", str(path), "-o", "r.md")
    assert said in (tmp_path / "r.md").read_text(encoding="utf-8").replace("\n", " ")

"""The IT systems survey: write the template, fill it in with names, read it back layered."""

from __future__ import annotations

import subprocess
import sys

import openpyxl
import pytest

import partnerfit as pf
from partnerfit.survey import systems_template

DATE = "2024-04-01"
WYRE_FOREST, REDDITCH = "E07000239", "E07000236"


def _fill(path, answers):
    """Fill the survey as an officer would: type names into the vendor/product cells."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Systems"]
    header = [c.value for c in ws[1]]
    col = {h: i + 1 for i, h in enumerate(header)}
    filled = 0
    for r in range(2, ws.max_row + 1):
        key = (ws.cell(r, col["council"]).value, ws.cell(r, col["function"]).value)
        if key in answers:
            vendor, product = answers[key]
            ws.cell(r, col["vendor"]).value = vendor
            ws.cell(r, col["product"]).value = product
            filled += 1
    wb.save(path)
    return filled


def test_template_lists_councils_and_functions_with_drop_downs(tmp_path):
    path = systems_template(["Wyre Forest", "Redditch"], tmp_path / "survey.xlsx", as_of=DATE)
    wb = openpyxl.load_workbook(path)
    ws = wb["Systems"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    # districts run every IT function whose service a district delivers (not social care,
    # which only upper-tier councils deliver)
    functions = {r[1] for r in rows}
    assert "Revenues & benefits" in functions and "Planning" in functions
    assert "Social care" not in functions
    assert {r[0] for r in rows} == {"Wyre Forest", "Redditch"}
    assert len(rows) == 2 * len(functions)
    # what the register holds is shown beside the blank answer
    wf_planning = next(r for r in rows if r[0] == "Wyre Forest" and r[1] == "Planning")
    assert wf_planning[8].startswith("Idox") and "assumed from an observation in 2025" in \
        wf_planning[8]
    # drop-downs of the vendors and products on record, free text allowed
    lists = wb["Lists"]
    vendors = [c.value for c in lists["A"][1:] if c.value]
    reg = pf.load_systems()
    assert set(vendors) == set(reg.loc[reg["vendor"].str.lower() != "unknown", "vendor"])
    dvs = ws.data_validations.dataValidation
    assert {str(dv.sqref) for dv in dvs} == {f"C2:C{ws.max_row}", f"D2:D{ws.max_row}"}
    assert all(dv.type == "list" and not dv.showErrorMessage for dv in dvs)
    # same inputs, same bytes
    again = systems_template(["Wyre Forest", "Redditch"], tmp_path / "again.xlsx", as_of=DATE)
    assert again.read_bytes() == path.read_bytes()


def test_round_trip_fills_names_and_layers_on_the_register(tmp_path):
    path = systems_template(["Wyre Forest", "Redditch"], tmp_path / "survey.xlsx", as_of=DATE)
    n = _fill(path, {("Wyre Forest", "Planning"): ("Idox", "Uniform"),
                     ("Wyre Forest", "Revenues & benefits"): ("Civica", "OpenRevenues"),
                     ("Redditch", "Revenues & benefits"): ("Civica", "OpenRevenues")})
    assert n == 3
    base = pf.load_systems()
    had = base[(base["council"] == WYRE_FOREST) & (base["function"] == "planning")]
    assert len(had) >= 1  # the register's planning rows for Wyre Forest are all replaced
    table, notes = pf.layers.layer_systems(path)
    assert len(table) == len(base) - len(had) + 3
    assert ("Your data (survey.xlsx) added 2 council system(s); overrode the register for 1 "
            "(Wyre Forest (planning))." in notes)
    on = pf.systems.systems_on(DATE, systems=table).set_index(["council", "function"])
    assert on.loc[(WYRE_FOREST, "planning"), "product"] == "Uniform"
    assert on.loc[(REDDITCH, "revenues_benefits"), "source"] == "your data (survey.xlsx)"
    assert on.loc[(REDDITCH, "revenues_benefits"), "evidence"] == "observed in 2024"
    # the blank rows were skipped, nothing else of the register changed
    untouched = base[~base["council"].isin([WYRE_FOREST, REDDITCH])]
    assert len(table[~table["council"].isin([WYRE_FOREST, REDDITCH])]) == len(untouched)
    # and a shortlist now sees the match: same product, value 100
    sl = pf.shortlist("Wyre Forest", "revenues_benefits", as_of=DATE, add_systems=path)
    assert sl.value_matrix.at[REDDITCH, "systems"] == pytest.approx(100.0)
    assert not sl.missing.at[REDDITCH, "systems"]


def test_cli_writes_the_survey_and_reads_it_back(tmp_path):
    out = tmp_path / "survey.xlsx"
    run = subprocess.run([sys.executable, "-m", "partnerfit.cli", "systems-template",
                          "Wyre Forest", "Redditch", "--as-of", DATE, "-o", str(out)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    _fill(out, {("Wyre Forest", "Revenues & benefits"): ("Civica", "OpenRevenues"),
                ("Redditch", "Revenues & benefits"): ("Civica", "OpenRevenues")})
    run = subprocess.run([sys.executable, "-m", "partnerfit.cli", "shortlist", "Wyre Forest",
                          "-s", "revenues_benefits", "--as-of", DATE, "--add-systems",
                          str(out)], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert "Your data (survey.xlsx) added 2 council system(s)." in " ".join(run.stdout.split())


def test_a_product_without_a_vendor_is_an_error_naming_the_line(tmp_path):
    path = systems_template(["Redditch"], tmp_path / "survey.xlsx", as_of=DATE)
    _fill(path, {("Redditch", "Finance"): (None, "Business World")})
    with pytest.raises(pf.DataValidationError, match="line 2: vendor is empty"):
        pf.layers.layer_systems(path)

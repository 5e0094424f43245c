"""The bad-input corpus (issue 21): every bad or hostile input refused with a clear error.

Each case asserts the exception type (a ``PartnerfitError`` that is also the built-in error it
replaces), that the message names the argument, file or line at fault, that it says how to fix
it, and that nothing was written. The CLI runs in-process (``partnerfit.cli.main``) with small
inputs, so the whole corpus takes seconds, not minutes.

Classes (counted in ``test_the_corpus_is_big_enough``): dates, numbers, lists, names and
services, weights, files (x every loader), table types, results, output paths, CLI.
"""

from __future__ import annotations

import errno
import math
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

import partnerfit as pf
from partnerfit.cli import main
from partnerfit.errors import (
    ArgumentError,
    ArgumentTypeError,
    DataValidationError,
    FileFormatError,
    NotACandidateError,
    PartnerfitError,
    SensitivityError,
    ServiceNotDeliveredError,
    TableFileNotFoundError,
    TableTypeError,
    UnknownCouncilError,
    UnknownServiceError,
)
from partnerfit.links import ARRANGEMENT_COLUMNS, SYSTEM_COLUMNS

DATE = "2012-06-01"
LANCS = "county:Lancashire"
RB = "revenues_benefits"

#: Words that say what to do about it: every message holds one.
FIX_WORDS = ("give", "write", "save it", "use ", "choose", "check", "did you mean", "rename",
             "add ", "delete", "shortlist ", "explain a candidate", "search the register",
             "remove", "name it", "expected", "must", "end it", "open it", "close matches",
             "one of", " are:", "drop the")


def _crit_ids() -> list[str]:
    return list(pf.load_criteria())


def _weights(**change) -> dict:
    w = {c: 10.0 for c in _crit_ids()}
    w.update(change)
    return w


@pytest.fixture(scope="module")
def sl():
    return pf.shortlist("Lancaster", RB, as_of=DATE)


# ----------------------------------------------------------------------------- library cases
# (id, class, call, exception type, words the message must hold)

def _lib_cases():
    cases = [
        # dates
        ("as_of_feb_30", "dates", lambda s: pf.shortlist("Lancaster", RB, as_of="2031-02-30"),
         ArgumentError, ["as_of='2031-02-30'", "day is out of range"]),
        ("as_of_month_13", "dates", lambda s: pf.shortlist("Lancaster", RB, as_of="2009-13-01"),
         ArgumentError, ["as_of='2009-13-01'"]),
        ("as_of_words", "dates", lambda s: pf.shortlist("Lancaster", RB, as_of="1 April 2009"),
         ArgumentError, ["as_of='1 April 2009'", "YYYY-MM-DD"]),
        ("as_of_number", "dates", lambda s: pf.shortlist("Lancaster", RB, as_of=2009),
         ArgumentTypeError, ["as_of", "int"]),
        ("as_of_1850", "dates", lambda s: pf.shortlist("Lancaster", RB, as_of="1850-01-01"),
         ArgumentError, ["as_of=1850-01-01", "1 April 1998"]),
        ("as_of_1997_england", "dates", lambda s: pf.find_council("Lancaster", "1997-06-01"),
         ArgumentError, ["1997-06-01", "England starts on 1 April 1998"]),
        ("as_of_1995_wales", "dates", lambda s: pf.find_council("Cardiff", "1995-06-01"),
         ArgumentError, ["Wales starts on 1 April 1996"]),
        ("councils_1900", "dates", lambda s: pf.load_councils("1900-01-01"),
         ArgumentError, ["as_of=1900-01-01", "1998-04-01"]),
        ("groupings_1850", "dates",
         lambda s: pf.propose_groupings(LANCS, RB, as_of="1850-01-01"),
         ArgumentError, ["1850-01-01", "coverage"]),
        ("network_1850", "dates", lambda s: pf.sharing_graph("1850-01-01"),
         ArgumentError, ["1850-01-01", "coverage"]),
        ("programme_bad_date", "dates", lambda s: pf.programme("Lancaster", as_of="2009-02-29"),
         ArgumentError, ["as_of='2009-02-29'"]),
        ("links_as_of_bad", "dates", lambda s: pf.load_links("2012-06-31"),
         ArgumentError, ["as_of='2012-06-31'"]),
        # numbers
        ("top_negative", "numbers", lambda s: pf.shortlist("Lancaster", RB, as_of=DATE, top=-3),
         ArgumentError, ["top=-3", "1 or more"]),
        ("top_zero", "numbers", lambda s: pf.shortlist("Lancaster", RB, as_of=DATE, top=0),
         ArgumentError, ["top=0"]),
        ("top_fraction", "numbers", lambda s: pf.shortlist("Lancaster", RB, as_of=DATE, top=2.5),
         ArgumentError, ["top=2.5", "whole number"]),
        ("top_text", "numbers", lambda s: pf.shortlist("Lancaster", RB, as_of=DATE, top="10"),
         ArgumentTypeError, ["top='10'", "text"]),
        ("top_bool", "numbers", lambda s: pf.shortlist("Lancaster", RB, as_of=DATE, top=True),
         ArgumentTypeError, ["top", "bool"]),
        ("max_distance_negative", "numbers",
         lambda s: pf.shortlist("Lancaster", RB, as_of=DATE, max_distance_km=-5),
         ArgumentError, ["max_distance_km=-5", "more than 0"]),
        ("max_distance_nan", "numbers",
         lambda s: pf.shortlist("Lancaster", RB, as_of=DATE, max_distance_km=math.nan),
         ArgumentError, ["max_distance_km=nan"]),
        ("max_distance_inf", "numbers",
         lambda s: pf.shortlist("Lancaster", RB, as_of=DATE, max_distance_km=math.inf),
         ArgumentError, ["max_distance_km=inf", "finite"]),
        ("max_distance_zero", "numbers",
         lambda s: pf.shortlist("Lancaster", RB, as_of=DATE, max_distance_km=0),
         ArgumentError, ["max_distance_km=0"]),
        ("programme_top_zero", "numbers", lambda s: pf.programme("Lancaster", as_of=DATE, top=0),
         ArgumentError, ["top=0", "partners per service"]),
        ("time_limit_negative", "numbers",
         lambda s: pf.propose_groupings(LANCS, RB, as_of=DATE, time_limit=-1),
         ArgumentError, ["time_limit=-1", "seconds"]),
        ("time_limit_nan", "numbers",
         lambda s: pf.propose_groupings(LANCS, RB, as_of=DATE, time_limit=math.nan),
         ArgumentError, ["time_limit=nan"]),
        ("mip_gap_negative", "numbers",
         lambda s: pf.propose_groupings(LANCS, RB, as_of=DATE, mip_gap=-1),
         ArgumentError, ["mip_gap=-1"]),
        ("mip_gap_one", "numbers",
         lambda s: pf.propose_groupings(LANCS, RB, as_of=DATE, mip_gap=1.0),
         ArgumentError, ["mip_gap=1", "less than 1"]),
        ("min_pair_score_nan", "numbers",
         lambda s: pf.propose_groupings(LANCS, RB, as_of=DATE, min_pair_score=math.nan),
         ArgumentError, ["min_pair_score=nan", "0 to 100"]),
        ("min_pair_score_200", "numbers",
         lambda s: pf.propose_groupings(LANCS, RB, as_of=DATE, min_pair_score=200),
         ArgumentError, ["min_pair_score=200"]),
        ("max_distance_groupings", "numbers",
         lambda s: pf.propose_groupings(LANCS, RB, as_of=DATE, max_distance_km=-1),
         ArgumentError, ["max_distance_km=-1"]),
        ("min_size_zero", "numbers",
         lambda s: pf.propose_groupings(LANCS, RB, as_of=DATE, min_size=0),
         ArgumentError, ["min_size=0"]),
        ("max_size_text", "numbers",
         lambda s: pf.propose_groupings(LANCS, RB, as_of=DATE, max_size="4"),
         ArgumentTypeError, ["max_size='4'"]),
        ("savings_weight_negative", "numbers",
         lambda s: pf.propose_groupings(LANCS, RB, as_of=DATE, savings_weight=-1),
         ArgumentError, ["savings_weight=-1"]),
        ("consistency_inf", "numbers",
         lambda s: pf.propose_groupings(LANCS, RB, as_of=DATE, consistency=math.inf),
         ArgumentError, ["consistency=inf"]),
        ("smaa_seed_negative", "numbers", lambda s: pf.smaa(s, 100, seed=-1),
         ArgumentError, ["seed=-1", "0 or more"]),
        ("smaa_seed_text", "numbers", lambda s: pf.smaa(s, 100, seed="x"),
         ArgumentTypeError, ["seed='x'"]),
        ("backtest_max_cases_negative", "numbers", lambda s: pf.backtest(max_cases=-1),
         ArgumentError, ["max_cases=-1", "1 or more"]),
        ("backtest_max_cases_zero", "numbers", lambda s: pf.backtest(max_cases=0),
         ArgumentError, ["max_cases=0"]),
        ("backtest_seed_negative", "numbers", lambda s: pf.backtest(seed=-1),
         ArgumentError, ["seed=-1"]),
        ("backtest_min_year", "numbers", lambda s: pf.backtest(min_year=20009),
         ArgumentError, ["min_year=20009"]),
        ("calibrate_folds", "numbers", lambda s: pf.calibrate(folds=1),
         ArgumentError, ["folds=1", "2 or more"]),
        ("calibrate_seed", "numbers", lambda s: pf.calibrate(seed=-2),
         ArgumentError, ["seed=-2"]),
        ("stability_k_nan", "numbers", lambda s: pf.stability_intervals(s, k=math.nan),
         SensitivityError, ["k must be a whole number", "nan"]),
        ("stability_k_zero", "numbers", lambda s: s.stability(k=0),
         SensitivityError, ["k must be a whole number of at least 1"]),
        ("smaa_samples_nan", "numbers", lambda s: pf.smaa(s, math.nan),
         SensitivityError, ["samples must be a whole number", "nan"]),
        ("smaa_samples_zero", "numbers", lambda s: pf.smaa(s, 0),
         SensitivityError, ["samples must be a whole number"]),
        ("sweep_steps_inf", "numbers", lambda s: pf.weight_sweep(s, "distance", steps=math.inf),
         SensitivityError, ["steps must be a whole number of at least 2"]),
        ("compare_top_text", "numbers", lambda s: pf.compare_weight_sets(
            s, {"given": s.weights}, top="ten"),
         SensitivityError, ["top must be a whole number"]),
        ("report_top_negative", "numbers", lambda s: s.to_report(top=-1),
         ArgumentError, ["top=-1", "1 or more"]),
        ("clusters_seed_negative", "numbers",
         lambda s: pf.clusters(pf.sharing_graph(DATE), seed=-1),
         ArgumentError, ["seed=-1"]),
        ("clusters_resolution_nan", "numbers",
         lambda s: pf.clusters(pf.sharing_graph(DATE), resolution=math.nan),
         ArgumentError, ["resolution=nan"]),
        ("clusters_min_size_zero", "numbers",
         lambda s: pf.clusters(pf.sharing_graph(DATE), min_size=0),
         ArgumentError, ["min_size=0"]),
        # strings where lists are expected
        ("exclude_string", "lists",
         lambda s: pf.shortlist("Lancaster", RB, as_of=DATE, exclude="Preston"),
         ArgumentTypeError, ["exclude='Preston'", "exclude=['Preston']"]),
        ("exclude_numbers", "lists",
         lambda s: pf.shortlist("Lancaster", RB, as_of=DATE, exclude=[1, 2]),
         ArgumentTypeError, ["exclude", "int"]),
        ("exclude_number", "lists",
         lambda s: pf.shortlist("Lancaster", RB, as_of=DATE, exclude=5),
         ArgumentTypeError, ["exclude", "int"]),
        ("groupings_exclude_string", "lists",
         lambda s: pf.propose_groupings(LANCS, RB, as_of=DATE, exclude="Preston"),
         ArgumentTypeError, ["exclude='Preston'"]),
        ("groupings_must_group_string", "lists",
         lambda s: pf.propose_groupings(LANCS, RB, as_of=DATE, must_group="Wyre"),
         ArgumentTypeError, ["must_group='Wyre'"]),
        ("programme_services_string", "lists",
         lambda s: pf.programme("Lancaster", as_of=DATE, services_=RB),
         ArgumentTypeError, ["services_='revenues_benefits'"]),
        ("backtest_arrangements_string", "lists",
         lambda s: pf.backtest(arrangements="3c-shared-services-ict"),
         ArgumentTypeError, ["arrangements='3c-shared-services-ict'"]),
        ("pairwise_codes_string", "lists",
         lambda s: pf.pairwise_scores("Lancaster", RB, as_of=DATE),
         ArgumentTypeError, ["codes='Lancaster'"]),
        # names and services
        ("council_typo", "names", lambda s: pf.shortlist("Lancster", RB, as_of=DATE),
         UnknownCouncilError, ["'Lancster'", "Lancaster (E07000121)"]),
        ("council_empty", "names", lambda s: pf.find_council("  "),
         UnknownCouncilError, ["empty", "E07000121"]),
        ("council_kingston", "names", lambda s: pf.find_council("Kingston", DATE),
         UnknownCouncilError, ["ambiguous", "Kingston upon Thames", "Kingston upon Hull"]),
        ("council_newcastle", "names", lambda s: pf.find_council("Newcastle", DATE),
         UnknownCouncilError, ["ambiguous", "Newcastle-under-Lyme", "Newcastle upon Tyne"]),
        ("council_richmond", "names", lambda s: pf.find_council("Richmond", DATE),
         UnknownCouncilError, ["ambiguous", "Richmondshire", "Richmond upon Thames"]),
        ("council_durham_2008", "names", lambda s: pf.find_council("Durham", "2008-06-01"),
         UnknownCouncilError, ["ambiguous", "E07000056", "E10000010"]),
        ("council_abolished", "names", lambda s: pf.find_council("Carrick", DATE),
         UnknownCouncilError, ["Carrick", "2009-03-31"]),
        ("council_not_yet", "names", lambda s: pf.find_council("E06000052", "2005-01-01"),
         UnknownCouncilError, ["E06000052", "2005-01-01"]),
        ("service_typo", "names", lambda s: pf.shortlist("Lancaster", "revenue_benefits",
                                                         as_of=DATE),
         UnknownServiceError, ["'revenue_benefits'", "did you mean 'revenues_benefits'"]),
        ("service_highways_district", "names",
         lambda s: pf.shortlist("Lancaster", "highways", as_of=DATE),
         ServiceNotDeliveredError, [("highways in Lancaster is delivered by Lancashire County "
                                    "Council")]),
        ("service_rb_county", "names",
         lambda s: pf.shortlist("Lancashire", RB, as_of=DATE),
         ServiceNotDeliveredError, ["Lancashire is delivered by its 12 district councils"]),
        ("programme_service_not_delivered", "names",
         lambda s: pf.programme("Lancaster", as_of=DATE, services_=["adult_social_care"]),
         ServiceNotDeliveredError, ["adult social care in Lancaster", "Lancashire County"]),
        ("programme_service_typo", "names",
         lambda s: pf.programme("Lancaster", as_of=DATE, services_=["audits"]),
         UnknownServiceError, ["'audits'"]),
        ("groupings_service_typo", "names",
         lambda s: pf.propose_groupings(LANCS, "revenue", as_of=DATE),
         UnknownServiceError, ["'revenue'"]),
        ("network_family_typo", "names", lambda s: pf.sharing_graph(DATE, family="backoffice"),
         UnknownServiceError, ["'backoffice'", "did you mean 'back_office'"]),
        ("method_typo", "names",
         lambda s: pf.shortlist("Lancaster", RB, as_of=DATE, method="topsys"),
         PartnerfitError, ["topsys", "topsis"]),
        ("neighbours_typo", "names", lambda s: pf.neighbours("Prestn", DATE),
         UnknownCouncilError, ["'Prestn'", "Preston"]),
        ("distance_typo", "names", lambda s: pf.distance("Lancaster", "Wyer"),
         UnknownCouncilError, ["'Wyer'"]),
        # weights
        ("weights_forty", "weights",
         lambda s: pf.shortlist("Lancaster", RB, as_of=DATE, weights=_weights(distance="forty")),
         DataValidationError, ["'forty'", "'distance'", "not a number"]),
        ("weights_nan", "weights",
         lambda s: pf.shortlist("Lancaster", RB, as_of=DATE, weights=_weights(distance=math.nan)),
         DataValidationError, ["'distance'", "not a finite number"]),
        ("weights_inf", "weights",
         lambda s: pf.shortlist("Lancaster", RB, as_of=DATE, weights=_weights(distance=math.inf)),
         DataValidationError, ["'distance'", "not a finite number"]),
        ("weights_negative", "weights",
         lambda s: pf.shortlist("Lancaster", RB, as_of=DATE, weights=_weights(distance=-1)),
         DataValidationError, ["'distance'", "negative", "0 or more"]),
        ("weights_all_zero", "weights",
         lambda s: pf.shortlist("Lancaster", RB, as_of=DATE,
                                weights={c: 0 for c in _crit_ids()}),
         DataValidationError, ["all weights are zero", "give at least one"]),
        ("weights_unknown_criterion", "weights",
         lambda s: pf.shortlist("Lancaster", RB, as_of=DATE, weights=_weights(distanse=5)),
         ArgumentError, ["'distanse'", "did you mean 'distance'"]),
        ("weights_missing_criterion", "weights",
         lambda s: pf.shortlist("Lancaster", RB, as_of=DATE, weights={"distance": 1}),
         ArgumentError, ["no weight for", "give 0"]),
        ("weights_list", "weights",
         lambda s: pf.shortlist("Lancaster", RB, as_of=DATE, weights=[1, 2, 3]),
         ArgumentTypeError, ["weights", "list"]),
        ("weights_number", "weights",
         lambda s: pf.shortlist("Lancaster", RB, as_of=DATE, weights=5),
         ArgumentTypeError, ["weights", "int"]),
        ("weights_profile_unknown", "weights",
         lambda s: pf.shortlist("Lancaster", RB, as_of=DATE, weights="defualt"),
         TableFileNotFoundError, ["weights='defualt'", "default"]),
        # results
        ("explain_subject", "results", lambda s: s.explain("Lancaster"),
         NotACandidateError, ["Lancaster (E07000121) is the council itself", "Explain a"]),
        ("explain_screened", "results", lambda s: s.explain("Lancashire"),
         NotACandidateError, ["Lancashire (E10000017)", "a county does not deliver"]),
        ("explain_typo", "results", lambda s: s.explain("Prestn"),
         UnknownCouncilError, ["'Prestn'", "Preston"]),
        ("compare_subject", "results", lambda s: s.compare("Lancaster", "Preston"),
         NotACandidateError, ["the council itself"]),
        # table types
        ("links_list", "table types",
         lambda s: pf.read_arrangements([["a"]]),
         TableTypeError, ["arrangements", "list"]),
        ("systems_dict", "table types",
         lambda s: pf.read_systems({"council": ["E07000121"]}),
         TableTypeError, ["systems", "dict"]),
        ("links_multiindex", "table types",
         lambda s: pf.read_arrangements(pd.DataFrame(
             [[1, 2]], columns=pd.MultiIndex.from_tuples([("a", "b"), ("c", "d")]))),
         TableTypeError, ["several header rows"]),
        ("systems_frame_duplicate_columns", "table types",
         lambda s: pf.read_systems(pd.DataFrame([[1, 2]], columns=["council", "council"])),
         TableTypeError, ["'council' more than once", "rename"]),
        ("systems_frame_missing_columns", "table types",
         lambda s: pf.read_systems(pd.DataFrame({"council": ["E07000121"]})),
         DataValidationError, ["systems table", "missing column(s)", "expected"]),
        ("systems_frame_bad_row", "table types",
         lambda s: pf.shortlist("Lancaster", RB, as_of=DATE, systems=pd.DataFrame(
             [_system_row(council="E07999999")], columns=SYSTEM_COLUMNS)),
         DataValidationError, ["systems table", "line 2", "E07999999"]),
        ("councils_frame_bad_tier", "table types",
         lambda s: pf.shortlist("Lancaster", RB, as_of=DATE, councils=pd.DataFrame(
             pf.load_councils().reset_index().assign(tier="parish"))),
         DataValidationError, ["council register table", "line 2", "tier 'parish'", "one of"]),
        ("links_frame_bad_service", "table types",
         lambda s: pf.read_arrangements(pd.DataFrame(
             [_link_row(service="revenue_benefits")], columns=ARRANGEMENT_COLUMNS)),
         DataValidationError, ["arrangements table", "line 2", "did you mean"]),
    ]
    return cases


def _system_row(**change) -> dict:
    row = {"council": "E07000121", "council_name": "Lancaster", "function": RB,
           "vendor": "Capita", "product": "Academy", "year_observed": "2012", "notes": "",
           "source_title": "A report", "source_publisher": "Lancaster City Council",
           "source_date": "2012-05-01", "source_url": ""}
    return row | change


def _link_row(**change) -> dict:
    row = {"arrangement": "test", "partnership": "", "name": "Test", "service": RB,
           "model": "sovereign", "council": "E07000121", "council_name": "Lancaster",
           "role": "lead", "start": "2012", "end": "", "notes": "", "source_title": "A report",
           "source_publisher": "Lancaster City Council", "source_date": "2012", "source_url": ""}
    return row | change


LIB_CASES = _lib_cases()


def _check_message(exc: BaseException, words: list[str]) -> None:
    msg = str(exc)
    for w in words:
        assert w in msg, f"{w!r} not in {msg!r}"
    assert any(f in msg.lower() for f in FIX_WORDS), f"no fix in {msg!r}"
    assert "Traceback" not in msg


@pytest.mark.parametrize("case", LIB_CASES, ids=[c[0] for c in LIB_CASES])
def test_library_refuses(case, sl, tmp_path, monkeypatch):
    _, _, call, kind, words = case
    monkeypatch.chdir(tmp_path)
    with pytest.raises(kind) as info:
        call(sl)
    assert isinstance(info.value, PartnerfitError)
    _check_message(info.value, words)
    assert list(tmp_path.iterdir()) == []  # nothing written


# ----------------------------------------------------------------------------- bad files
# (id, suffix, bytes, exception type, words)

def _good_csv(columns, row) -> bytes:
    return (",".join(columns) + "\n" + ",".join(row[c] for c in columns) + "\n").encode()


BAD_FILES = [
    ("missing", ".csv", None, TableFileNotFoundError, ["no such", "check the path"]),
    ("folder", "", "folder", TableFileNotFoundError, ["is a folder"]),
    ("empty", ".csv", b"", FileFormatError, ["is empty", "header"]),
    ("blank_lines", ".csv", b"\n\n  \n", FileFormatError, ["is empty"]),
    ("utf16", ".csv", "council,name\nE07000121,Lancaster\n".encode("utf-16"), FileFormatError,
     ["UTF-16", "CSV UTF-8"]),
    ("cp1252", ".csv", "council,name\nE07000121,Caf\xe9\n".encode("cp1252"), FileFormatError,
     ["not UTF-8", "line 2", "CSV UTF-8"]),
    ("binary", ".csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", FileFormatError,
     ["binary", "save it"]),
    ("zip_as_csv", ".csv", b"PK\x03\x04\x14\x00\x00\x00", FileFormatError,
     ["zip archive", "name it .xlsx"]),
    ("fake_xlsx", ".xlsx", b"council,name\nE07000121,Lancaster\n", FileFormatError,
     ["not an Excel workbook", "save it as .xlsx"]),
    ("old_xls", ".xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", FileFormatError,
     ["old-style Excel", "save it"]),
    ("ods", ".ods", b"PK\x03\x04", FileFormatError, ["OpenDocument", "save it"]),
    ("ragged_long", ".csv", b"a,b\n1,2\n3,4,5\n", FileFormatError,
     ["line 3 has 3 values but the header has 2", "double quotes"]),
    ("ragged_short", ".csv", b"a,b,c\n1,2,3\n4,5\n", FileFormatError,
     ["line 3 has 2 values but the header has 3"]),
    ("tabs", ".csv", b"a\tb\n1\t2\n", FileFormatError, ["separated by tabs", "save it"]),
    ("semicolons", ".csv", b"a;b\n1;2\n", FileFormatError, ["separated by semicolons"]),
    ("duplicate_header", ".csv", b"a,a\n1,2\n", FileFormatError,
     ["column 'a' appears twice", "rename"]),
    ("unnamed_column", ".csv", b"a,,c\n1,2,3\n", FileFormatError,
     ["column 2 has values but no name", "give it a name"]),
    ("header_only", ".csv", None, FileFormatError, ["has a header but no rows", "add one"]),
    ("unclosed_quote", ".csv", b'a,b\n1,"two\n', FileFormatError,
     ["cannot be read as CSV", "double quote"]),
    ("wrong_columns", ".csv", b"x,y\n1,2\n", DataValidationError,
     ["missing column", "expected"]),
]

LOADERS = {
    "arrangements": (lambda p: pf.read_arrangements(p), ARRANGEMENT_COLUMNS),
    "systems": (lambda p: pf.read_systems(p), SYSTEM_COLUMNS),
    "councils": (lambda p: pf.read_councils(p), ("code", "name", "tier", "easting", "northing",
                                                 "valid_from", "valid_to")),
    "links_as_of": (lambda p: pf.load_links(DATE, links=p), ARRANGEMENT_COLUMNS),
    "shortlist_systems": (lambda p: pf.shortlist("Lancaster", RB, as_of=DATE, systems=p),
                          SYSTEM_COLUMNS),
}

FILE_CASES = [(f"{loader}-{bad[0]}", loader, *bad) for loader in LOADERS for bad in BAD_FILES
              if not (loader == "councils" and bad[0] == "wrong_columns")]


@pytest.mark.parametrize("case", FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_bad_files_are_refused_naming_the_file(case, tmp_path):
    _, loader, name, suffix, content, kind, words = case
    call, columns = LOADERS[loader]
    path = tmp_path / f"input{suffix}"
    if content == "folder":
        path = tmp_path / "a_folder"
        path.mkdir()
    elif name == "header_only":
        path.write_text(",".join(columns) + "\n", encoding="utf-8")
    elif content is not None:
        path.write_bytes(content)
    before = {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    with pytest.raises(kind) as info:
        call(path)
    assert isinstance(info.value, PartnerfitError)
    _check_message(info.value, words)
    assert str(path) in str(info.value) or name == "missing" and path.name in str(info.value)
    after = {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert after == before  # the input is untouched and nothing else was written


def test_missing_weight_file(tmp_path):
    with pytest.raises(TableFileNotFoundError) as info:
        pf.shortlist("Lancaster", RB, as_of=DATE, weights=tmp_path / "missing.yaml")
    assert isinstance(info.value, FileNotFoundError)
    _check_message(info.value, ["missing.yaml", "no such weight file"])


@pytest.mark.parametrize("name, content, words", [
    ("nothing.yaml", b"", ["is empty"]),
    ("utf16.yaml", "name: x\n".encode("utf-16"), ["UTF-16", "UTF-8"]),
    ("latin1.yaml", "name: caf\xe9\n".encode("cp1252"), ["not UTF-8", "UTF-8"]),
    ("binary.yaml", b"\x00\x01\x02\x03", ["binary", "save it"]),
    ("empty.yaml", b"  \n", ["is empty"]),
    ("unsafe.yaml", b"name: !!python/object/apply:os.system ['ls']\n", ["line 1"]),
])
def test_bad_weight_files(tmp_path, name, content, words):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DataValidationError) as info:
        pf.shortlist("Lancaster", RB, as_of=DATE, weights=path)
    assert isinstance(info.value, ValueError)
    msg = str(info.value)
    assert name in msg
    for w in words:
        assert w in msg, msg


# ----------------------------------------------------------------------------- the CLI
# (id, argv, words in the error line, words in the hint, output file written by the case)

CLI_CASES = [
    ("shortlist_bad_date", ["shortlist", "Lancaster", "-s", RB, "--as-of", "2031-02-30"],
     ["'2031-02-30' is not a date"], "YYYY-MM-DD"),
    ("shortlist_1850", ["shortlist", "Lancaster", "-s", RB, "--as-of", "1850-01-01"],
     ["before the council register's coverage"], "--help"),
    ("shortlist_highways", ["shortlist", "Lancaster", "-s", "highways", "--as-of", DATE],
     ["delivered by Lancashire County Council"], "criteria/services.yaml"),
    ("shortlist_service_typo", ["shortlist", "Lancaster", "-s", "revenue", "--as-of", DATE],
     ["unknown service 'revenue'; did you mean revenues_benefits?"], "service ids are"),
    ("shortlist_service_close", ["shortlist", "Lancaster", "-s", "revenues", "--as-of", DATE],
     ["did you mean 'revenues_benefits'"], "service ids are"),
    ("shortlist_council_typo", ["shortlist", "Lancster", "-s", RB, "--as-of", DATE],
     ["Lancaster (E07000121)"], "partnerfit councils --search"),
    ("shortlist_kingston", ["shortlist", "Kingston", "-s", RB, "--as-of", DATE],
     ["ambiguous", "Kingston upon Thames"], "partnerfit councils --search"),
    ("shortlist_top_zero", ["shortlist", "Lancaster", "-s", RB, "--top", "0"],
     ["must be 1 or more"], "--help"),
    ("shortlist_top_text", ["shortlist", "Lancaster", "-s", RB, "--top", "ten"],
     ["not a whole number"], "--help"),
    ("shortlist_distance_negative", ["shortlist", "Lancaster", "-s", RB, "--max-distance", "-5"],
     ["must be more than 0"], "--help"),
    ("shortlist_distance_nan", ["shortlist", "Lancaster", "-s", RB, "--max-distance", "nan"],
     ["not a finite number"], "--help"),
    ("shortlist_distance_inf", ["shortlist", "Lancaster", "-s", RB, "--max-distance", "inf"],
     ["not a finite number"], "--help"),
    ("shortlist_method", ["shortlist", "Lancaster", "-s", RB, "--method", "best"],
     ["invalid choice"], "--help"),
    ("shortlist_weights_missing", ["shortlist", "Lancaster", "-s", RB, "--weights", "w.yaml"],
     ["weights file 'w.yaml' does not exist"], "check the path"),
    ("shortlist_weights_profile", ["shortlist", "Lancaster", "-s", RB, "--weights", "defualt"],
     ["no such weight file or bundled profile"], "check the path"),
    ("shortlist_systems_missing", ["shortlist", "Lancaster", "-s", RB, "--systems", "s.csv"],
     ["systems file 's.csv' does not exist"], "check the path"),
    ("shortlist_systems_utf16", ["shortlist", "Lancaster", "-s", RB, "--systems", "{utf16}"],
     ["UTF-16"], "--help"),
    ("shortlist_systems_empty", ["shortlist", "Lancaster", "-s", RB, "--systems", "{empty}"],
     ["is empty"], "--help"),
    ("shortlist_output_suffix", ["shortlist", "Lancaster", "-s", RB, "-o", "out.docx"],
     ["cannot tell the format"], ".xlsx, .html"),
    ("shortlist_output_folder", ["shortlist", "Lancaster", "-s", RB, "-o", "nofolder/out.xlsx"],
     ["nofolder"], "--help"),
    ("shortlist_xlsx_stdout", ["shortlist", "Lancaster", "-s", RB, "--format", "xlsx"],
     ["--format xlsx needs -o FILE"], "--help"),
    ("councils_tier_parish", ["councils", "--tier", "parish"],
     ["--tier 'parish' is not a council tier", "principal councils only"], "council tiers are"),
    ("councils_tier_typo", ["councils", "--tier", "district"],
     ["not a council tier"], "council tiers are"),
    ("councils_region", ["councils", "--region", "Narnia"],
     ["--region 'Narnia' is not a region"], "regions are"),
    ("councils_bad_date", ["councils", "--as-of", "2009-02-30"],
     ["'2009-02-30' is not a date"], "YYYY-MM-DD"),
    ("councils_1990", ["councils", "--as-of", "1990-01-01"], ["coverage"], "--help"),
    ("councils_unknown_search", ["councils", "--search", "Xyzzyshire"],
     ["No council matches 'Xyzzyshire'"], "partnerfit councils --search"),
    ("network_family", ["network", "--family", "backoffice"],
     ["did you mean 'back_office'"], "service families are"),
    ("network_service", ["network", "--service", "revenue"], ["unknown service"],
     "service ids are"),
    ("network_region", ["network", "--region", "Narnia", "--as-of", DATE],
     ["no council in region 'Narnia'"], "regions are"),
    ("network_top", ["network", "--top", "-1"], ["must be 1 or more"], "--help"),
    ("groupings_neither", ["groupings", "-s", RB], ["give either council names or --select"],
     "--select county:Lancashire"),
    ("groupings_selector", ["groupings", "--select", "Lancashire", "-s", RB],
     ["not a selector"], "county:<name>"),
    ("groupings_time_limit", ["groupings", "--select", LANCS, "-s", RB, "--time-limit", "-1"],
     ["must be more than 0"], "--help"),
    ("groupings_min_size", ["groupings", "--select", LANCS, "-s", RB, "--min-size", "0"],
     ["must be 1 or more"], "--help"),
    ("groupings_1850", ["groupings", "--select", LANCS, "-s", RB, "--as-of", "1850-01-01"],
     ["coverage"], "--help"),
    ("groupings_service", ["groupings", "--select", LANCS, "-s", "highway", "--as-of", DATE],
     ["did you mean 'highways'"], "service ids are"),
    ("report_output_suffix", ["report", "Lancaster", "-o", "report.docx"],
     ["cannot tell the format"], ".xlsx, .html"),
    ("report_bad_date", ["report", "Lancaster", "--as-of", "2009-13-45", "-o", "x.html"],
     ["is not a date"], "YYYY-MM-DD"),
    ("report_service", ["report", "Lancaster", "--services", "revenue", "-o", "x.html"],
     ["unknown service"], "service ids are"),
    ("report_not_delivered", ["report", "Lancaster", "--as-of", DATE, "--services", "highways",
                              "-o", "x.html"],
     ["delivered by Lancashire County Council"], "criteria/services.yaml"),
    ("backtest_links_missing", ["backtest", "--links", "no.csv"],
     ["links file 'no.csv' does not exist"], "check the path"),
    ("backtest_links_header_only", ["backtest", "--links", "{header_only}"],
     ["has a header but no rows"], "--help"),
    ("backtest_links_ragged", ["backtest", "--links", "{ragged}"],
     ["line 3 has 3 values"], "--help"),
    ("backtest_links_fake_xlsx", ["backtest", "--links", "{fake_xlsx}"],
     ["not an Excel workbook"], "--help"),
    ("backtest_seed", ["backtest", "--seed", "-1"], ["must be 0 or more"], "--help"),
    ("backtest_max_cases", ["backtest", "--max-cases", "0"], ["must be 1 or more"], "--help"),
    ("backtest_output", ["backtest", "--max-cases", "1", "-o", "bt.pdf"],
     ["cannot tell the format"], ".xlsx, .html"),
]


def _cli_files(tmp_path: Path) -> dict[str, str]:
    files = {
        "utf16": ("u.csv", _good_csv(SYSTEM_COLUMNS, _system_row()).decode().encode("utf-16")),
        "empty": ("e.csv", b""),
        "header_only": ("h.csv", (",".join(ARRANGEMENT_COLUMNS) + "\n").encode()),
        "ragged": ("r.csv", b"a,b\n1,2\n3,4,5\n"),
        "fake_xlsx": ("f.xlsx", b"not a workbook"),
    }
    out = {}
    for key, (name, data) in files.items():
        (tmp_path / name).write_bytes(data)
        out[key] = str(tmp_path / name)
    return out


@pytest.mark.parametrize("case", CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_cli_refuses_with_one_line_and_a_hint(case, tmp_path, monkeypatch, capsys):
    _, argv, says, hint = case
    monkeypatch.chdir(tmp_path)
    files = _cli_files(tmp_path)
    argv = [a.format(**files) if a.startswith("{") else a for a in argv]
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    try:
        status = main(argv)
    except SystemExit as stop:  # argparse usage errors exit through SystemExit
        status = stop.code
    err = capsys.readouterr().err
    assert status == 2, err
    lines = err.splitlines()
    assert "Traceback" not in err
    assert lines[0].startswith(("partnerfit: error:", "partnerfit ")), lines[0]
    for w in says:
        assert w in lines[0], (w, lines[0])
    hints = [i for i, line in enumerate(lines) if line.startswith("hint: ")]
    assert len(hints) == 1 and hint in " ".join(lines[hints[0]:]), err
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert after == before  # nothing written, inputs untouched


def test_cli_keeps_an_existing_report_when_the_run_fails(tmp_path, capsys):
    target = tmp_path / "report.xlsx"
    target.write_bytes(b"the officer's earlier report")
    status = main(["shortlist", "Lancaster", "-s", "highways", "--as-of", DATE,
                   "-o", str(target)])
    assert status == 2
    assert target.read_bytes() == b"the officer's earlier report"
    assert "delivered by" in capsys.readouterr().err


@pytest.mark.parametrize("code, says, hint", [
    (errno.ENOSPC, "No space left on device", "the disk is full"),
    (errno.EACCES, "Permission denied", "you may not read or write there"),
    (errno.EROFS, "Read-only file system", "the drive is read-only"),
])
def test_cli_system_errors_are_one_line_and_a_hint(tmp_path, monkeypatch, capsys, code,
                                                     says, hint):
    import os

    from partnerfit import export

    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code), str(tmp_path / "out.xlsx"))

    monkeypatch.setattr(export, "write", fail)
    status = main(["shortlist", "Lancaster", "-s", RB, "--as-of", DATE, "--top", "3",
                   "-o", str(tmp_path / "out.xlsx")])
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err
    lines = err.splitlines()
    assert lines[0].startswith("partnerfit: error: cannot use") and says in lines[0]
    assert str(tmp_path / "out.xlsx") in lines[0]
    assert hint in err
    assert not (tmp_path / "out.xlsx").exists()


def test_cli_unexpected_error_is_a_bug_with_a_log(tmp_path, monkeypatch, capsys):
    import tempfile

    from partnerfit import scoring

    def boom(*args, **kwargs):
        raise OverflowError("math range error")

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(scoring, "shortlist", boom)
    status = main(["shortlist", "Lancaster", "-s", RB, "--as-of", DATE])
    err = capsys.readouterr().err
    assert status == 1 and "Traceback" not in err
    lines = err.splitlines()
    assert lines[0] == "partnerfit: internal error: OverflowError: math range error"
    assert "this is a bug in partnerfit" in err
    logs = list(tmp_path.glob("partnerfit-bug-*.log"))
    assert len(logs) == 1 and str(logs[0]) in err.replace("\n  ", "")
    text = logs[0].read_text("utf-8")
    assert "Traceback" in text and "OverflowError: math range error" in text
    assert "shortlist Lancaster" in text


# ----------------------------------------------------------------------------- the count

def test_the_corpus_is_big_enough():
    classes = Counter(c[1] for c in LIB_CASES)
    classes["files"] = len(FILE_CASES) + 6  # + the weight files
    classes["CLI"] = len(CLI_CASES) + 1 + 3 + 1  # + kept report, system errors, bug log
    total = sum(classes.values())
    print(dict(classes), total)
    assert total >= 150
    assert set(classes) >= {"dates", "numbers", "lists", "names", "weights", "results",
                            "table types", "files", "CLI"}

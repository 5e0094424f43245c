"""Tests for partnerfit.report: the report model, cell formatting and figure rendering.

Expected strings are worked out by hand (rounding half away from zero on the
shortest decimal form, as Excel shows it), not captured from the code.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from partnerfit.errors import DataValidationError, PartnerfitError
from partnerfit.report import (
    ExportError,
    Figure,
    Report,
    Section,
    Table,
    figure_image,
    format_value,
    infer_format,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        (0.256, "percent", "25.6%"),
        (1.0, "percent", "100.0%"),
        (0.12345, "percent", "12.3%"),
        (0.00049, "percent", "0.0%"),
        (-0.0004, "percent", "0.0%"),  # no "-0.0%"
        (-0.25, "percent", "-25.0%"),
        (1234567, "int", "1,234,567"),
        (np.int64(350000), "int", "350,000"),
        (2.5, "int", "3"),  # half away from zero, as Excel (Python's round gives 2)
        (-1234.5, "int", "-1,235"),
        (2.675, "float2", "2.68"),  # binary 2.67499...; Excel shows 2.68
        (1234.56, "float1", "1,234.6"),
        (np.float64(72.345), "float2", "72.35"),
        (12.25, "km", "12.3 km"),  # half-even would give 12.2
        (0.0, "km", "0.0 km"),
        (float("inf"), "float2", "∞"),
        (dt.date(2023, 12, 31), "date", "31 Dec 2023"),
        (pd.Timestamp("2009-04-01"), "date", "1 Apr 2009"),
        (pd.Timestamp("2021-03-05 23:30", tz="Europe/London"), "date", "5 Mar 2021"),
        (np.datetime64("2019-04-01"), "date", "1 Apr 2019"),
        (True, "text", "Yes"),
        (np.bool_(False), "text", "No"),
        ("Ynys Môn", "text", "Ynys Môn"),
        (None, "float2", ""),
        (np.nan, "percent", ""),
        (pd.NA, "int", ""),
        (pd.NaT, "date", ""),
        (None, "text", ""),
    ],
)
def test_format_value_by_hand(value, fmt, expected):
    assert format_value(value, fmt) == expected


def test_format_value_rejects_unknown_format():
    with pytest.raises(ValueError, match="unknown column format 'pct'"):
        format_value(0.5, "pct")


def test_infer_format_from_dtypes():
    frame = pd.DataFrame(
        {
            "i": [1, 2],
            "ni": pd.array([1, None], dtype="Int64"),
            "f": [1.0, 2.5],
            "b": [True, False],
            "d": pd.to_datetime(["2009-04-01", "2010-01-01"]),
            "od": [dt.date(2009, 4, 1), None],
            "s": ["a", "b"],
            "mixed": [dt.date(2009, 4, 1), "soon"],
        }
    )
    got = {column: infer_format(frame[column]) for column in frame}
    assert got == {
        "i": "int",
        "ni": "int",
        "f": "float2",
        "b": "text",
        "d": "date",
        "od": "date",
        "s": "text",
        "mixed": "text",
    }


def test_table_reports_every_problem_at_once():
    frame = pd.DataFrame({"score": [1.0, "n/a", 3.0], "since": ["2009-04-01", None, None]})
    with pytest.raises(DataValidationError) as info:
        Table(
            "Shortlist",
            frame,
            {"score": "float2", "since": "date", "rank": "int", "name": "bold"},
        )
    problems = info.value.problems
    assert len(problems) == 5  # 'name' is both unknown and has an unknown format
    text = "\n".join(problems)
    assert "'score'" in text and "row 2 ('n/a')" in text
    assert "'since'" in text and "not dates" in text
    assert "'rank', which the table does not have" in text
    assert "unknown format 'bold'" in text


def test_table_rejects_duplicate_labels_and_non_frames():
    frame = pd.DataFrame({"code": ["E1"], "score": [1.0]}).set_index(pd.Index(["x"], name="code"))
    with pytest.raises(DataValidationError, match="labelled 'code'"):
        Table("T", frame, index=True)
    with pytest.raises(DataValidationError, match="must be a pandas DataFrame"):
        Table("T", [[1, 2]])
    with pytest.raises(DataValidationError, match="has no name"):
        Table("  ", pd.DataFrame({"a": [1]}))


def test_table_copies_its_frame_and_never_changes_the_input():
    frame = pd.DataFrame({"score": [1.0, 2.0]}, index=pd.Index(["E1", "E2"], name="code"))
    before = frame.copy()
    table = Table("T", frame, index=True)
    shown = table.display_frame()
    frame.loc["E1", "score"] = 99.0
    assert list(shown.columns) == ["code", "score"]
    assert table.display_frame()["score"].tolist() == [1.0, 2.0]
    pd.testing.assert_frame_equal(before.assign(score=[1.0, 2.0]), frame.assign(score=[1.0, 2.0]))


def test_display_frame_names_unnamed_index_and_joins_multiindex_columns():
    columns = pd.MultiIndex.from_tuples([("value", "geography"), ("value", "systems")])
    frame = pd.DataFrame([[1.0, 2.0]], columns=columns, index=["E07000121"])
    table = Table("T", frame, {"value / geography": "float1"}, index=True)
    assert list(table.display_frame().columns) == ["index", "value / geography", "value / systems"]
    assert table.column_formats() == {
        "index": "text",
        "value / geography": "float1",
        "value / systems": "float2",
    }


def test_report_validate_collects_structural_problems():
    report = Report(
        "R",
        sections=[Section("S", paragraphs="one paragraph", tables=[pd.DataFrame({"a": [1]})])],
        sources="ONS",
        generated_on="2025-04-01",
    )
    with pytest.raises(DataValidationError) as info:
        report.validate()
    text = "\n".join(info.value.problems)
    assert "sources must be a list, not str" in text
    assert "generated_on must be a datetime.date" in text


def test_report_validate_checks_sections_and_tables():
    report = Report(
        "R", sections=[Section("S", paragraphs="text", tables=[pd.DataFrame({"a": [1]})])]
    )
    with pytest.raises(DataValidationError) as info:
        report.validate()
    text = "\n".join(info.value.problems)
    assert "paragraphs must be a list" in text
    assert "tables[0] must be a Table, not DataFrame" in text


def test_report_from_table_and_dates():
    frame = pd.DataFrame({"name": ["Preston"], "score": [81.25]})
    report = Report.from_table(
        "Shortlist", frame, {"score": "float1"}, sources=["ONS"], generated_on=dt.date(2025, 4, 1)
    )
    report.validate()
    [(section, table)] = list(report.tables())
    assert section.heading == "Shortlist" and table.name == "Shortlist"
    assert table.column_formats() == {"name": "text", "score": "float1"}
    assert report.date_text == "1 April 2025"
    assert Report("R").date_text == ""


def test_figure_image_passes_png_and_svg_bytes_and_rejects_others():
    png = PNG_SIGNATURE + b"rest"
    assert figure_image(png) == (png, "image/png")
    svg = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>'
    assert figure_image(svg) == (svg, "image/svg+xml")
    with pytest.raises(ExportError, match="neither a PNG nor an SVG"):
        figure_image(b"\xff\xd8\xff\xe0 a jpeg", name="photo")
    with pytest.raises(ExportError, match="holds a str"):
        Figure("f", "chart.png").image()
    assert issubclass(ExportError, PartnerfitError)


def test_matplotlib_figure_renders_to_the_same_png_twice():
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=(2, 1))
    fig.subplots().plot([0, 1], [1, 0])
    first, mime = Figure("line", fig).image()
    second, _ = Figure("line", fig).image()
    assert mime == "image/png" and first.startswith(PNG_SIGNATURE)
    assert first == second
    # drawn at 150 dpi: the pHYs chunk says 150 / 0.0254 = 5906 pixels per metre
    at = first.index(b"pHYs")
    per_metre = int.from_bytes(first[at + 4 : at + 8], "big")
    assert per_metre == round(150 / 0.0254)
    # 2 x 1 inches at 150 dpi is 300 x 150 pixels before the tight crop adds or trims margins
    width = int.from_bytes(first[16:20], "big")
    assert 200 <= width <= 400


def test_a_figure_that_fails_to_draw_raises_export_error_naming_it():
    from matplotlib.artist import Artist
    from matplotlib.figure import Figure as MplFigure

    class Broken(Artist):
        def draw(self, renderer):
            raise RuntimeError("no data for this chart")

    fig = MplFigure()
    fig.add_artist(Broken())
    with pytest.raises(ExportError, match="Figure 'broken' could not be drawn"):
        Figure("broken", fig).image()


def test_alt_text_falls_back_to_caption_then_name():
    assert Figure("n", b"", caption="Cap", alt="Alt").alt_text == "Alt"
    assert Figure("n", b"", caption="Cap").alt_text == "Cap"
    assert Figure("n", b"").alt_text == "n"


# --------------------------------------------------------------------------- one report path

def test_every_result_defines_to_report_in_its_class_body():
    from partnerfit.evaluate import BacktestResult
    from partnerfit.grouping import Plan
    from partnerfit.results import Programme, Shortlist

    for cls in (Shortlist, Plan, Programme, BacktestResult):
        assert callable(vars(cls).get("to_report")), cls.__name__


def test_export_error_lives_in_errors_and_keeps_its_old_names():
    from partnerfit import errors, export, report

    assert report.ExportError is errors.ExportError is export.ExportError
    assert issubclass(errors.ExportError, PartnerfitError)


def test_formatting_names_are_the_same_objects_from_report():
    from partnerfit import formatting, report

    for name in ("format_value", "format_date", "format_number", "infer_format", "is_missing",
                 "FORMATS", "NUMERIC_FORMATS", "DECIMALS"):
        assert getattr(report, name) is getattr(formatting, name)


# --------------------------------------------------------------------------- one date parser

@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2025, 4, 1), dt.date(2025, 4, 1)),
        (dt.datetime(2025, 4, 1), dt.date(2025, 4, 1)),  # midnight: a plain date
        (dt.datetime(2025, 4, 1, 9, 30), dt.datetime(2025, 4, 1, 9, 30)),
        (pd.Timestamp("2025-04-01 14:30", tz="Europe/London"), dt.datetime(2025, 4, 1, 14, 30)),
        (np.datetime64("2019-04-01"), dt.date(2019, 4, 1)),
        (np.datetime64("2019-04-01T06:15"), dt.datetime(2019, 4, 1, 6, 15)),
    ],
)
def test_cell_dates_keep_their_wall_clock_time(value, expected):
    from partnerfit.formatting import cell_date

    got = cell_date(value)
    assert got == expected and type(got) is type(expected)


def test_as_of_dates_and_cells_use_the_same_parser():
    from partnerfit._dates import to_date

    assert to_date(np.datetime64("2014-04-01T12:00")) == pd.Timestamp("2014-04-01")
    assert to_date(dt.datetime(2014, 4, 1, 12), keep_time=True) == pd.Timestamp("2014-04-01 12:00")
    assert to_date(None) is None
    with pytest.raises(ValueError, match="is not a date"):
        to_date("2014-13-01")
    with pytest.raises(ValueError, match="is missing"):
        to_date(pd.NaT)
    with pytest.raises(TypeError, match="must be a date"):
        to_date(20140401)


# --------------------------------------------------------------------------- the programme

@pytest.fixture(scope="module")
def programme():
    import partnerfit as pf

    return pf.programme("Lancaster", as_of="2009-06-01", services_=["revenues_benefits",
                                                                     "hr_payroll"], top=2)


def test_programme_is_a_table_that_reports_itself(programme):
    from partnerfit.results import Programme

    assert isinstance(programme, Programme) and isinstance(programme, pd.DataFrame)
    assert programme.council == "E07000121" and programme.council_name == "Lancaster"
    assert programme.weights_source == "the default weight profile"
    derived = programme[programme["rank"] == 1]
    assert type(derived) is pd.DataFrame  # a selection is a plain table, not a programme
    report = programme.to_report()
    assert report.title == "Shared-service programme for Lancaster"
    assert report.subtitle == "As at 1 June 2009"
    assert report.generated_on == dt.date(2009, 6, 1)
    assert [t.name for _, t in report.tables()] == ["Partner sets", "Recurring partners",
                                                     "Programme", "Programme data"]
    assert "Weights: the default weight profile, the same for every service." in report.assumptions


def test_describe_weights_says_where_they_came_from():
    from partnerfit.results import describe_weights

    assert describe_weights(None) == "the default weight profile"
    assert describe_weights("my_weights.yaml") == "weights from my_weights.yaml"
    assert describe_weights({"distance": 1.0}) == "the weights given"

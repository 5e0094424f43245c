import subprocess
import sys

import pytest

import partnerfit


def test_version_flag_prints_package_version():
    out = subprocess.run(
        [sys.executable, "-m", "partnerfit.cli", "--version"], capture_output=True, text=True,
        check=False,
    )
    assert out.returncode == 0
    assert out.stdout.strip() == f"partnerfit {partnerfit.__version__}"


def _run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "partnerfit.cli", *args], capture_output=True,
                          text=True, check=False, cwd=cwd)


def test_readme_quick_start_command_runs_a_real_shortlist():
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    first = re.search(r"pip install -e \. && partnerfit (.+)", readme).group(1).split()
    assert first[0] == "shortlist"
    out = _run(*first)
    assert out.returncode == 0, out.stderr
    assert "Preston" in out.stdout and "rank" in out.stdout
    assert all(len(line) <= 100 for line in out.stdout.splitlines()[2:])


def test_bad_council_is_one_clear_line_and_exit_2():
    out = _run("shortlist", "Lancster", "--service", "revenues_benefits")
    assert out.returncode == 2
    first = out.stderr.splitlines()[0]
    assert first.startswith("partnerfit: error:") and "Lancaster (E07000121)" in first
    assert "Traceback" not in out.stderr


def test_shortlist_csv_matches_the_library(tmp_path):
    import io

    import pandas as pd

    import partnerfit as pf

    out = _run("shortlist", "Lancaster", "-s", "revenues_benefits", "--as-of", "2009-06-01",
               "--top", "5", "--format", "csv")
    assert out.returncode == 0, out.stderr
    got = pd.read_csv(io.StringIO(out.stdout))
    sl = pf.shortlist("Lancaster", "revenues_benefits", as_of="2009-06-01", top=5)
    assert got["code"].tolist() == sl.table["code"].tolist()


def test_shortlist_writes_excel_report(tmp_path):
    target = tmp_path / "r.xlsx"
    out = _run("shortlist", "Lancaster", "-s", "revenues_benefits", "--as-of", "2009-06-01",
               "-o", str(target))
    assert out.returncode == 0, out.stderr
    from openpyxl import load_workbook

    wb = load_workbook(target)
    assert "Ranked" in wb.sheetnames and wb["Ranked"].freeze_panes == "A2"


def test_network_map_is_written(tmp_path):
    target = tmp_path / "map.png"
    out = _run("network", "--region", "North West", "--as-of", "2014-06-01", "-o", str(target))
    assert out.returncode == 0, out.stderr
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------- helpers

LANCASHIRE_2009 = {  # the twelve districts of Lancashire in 2009 (Blackpool, Blackburn unitary)
    "Burnley", "Chorley", "Fylde", "Hyndburn", "Lancaster", "Pendle", "Preston",
    "Ribble Valley", "Rossendale", "South Ribble", "West Lancashire", "Wyre",
}
GROUPINGS = ("groupings", "--select", "county:Lancashire", "-s", "revenues_benefits",
             "--as-of", "2009-06-01")


def _widest(text):
    """Widest printed line, leaving out "wrote PATH" (the path is the user's own)."""
    return max((len(line) for line in text.splitlines() if not line.startswith("wrote ")),
               default=0)


# --------------------------------------------------------------------------- tables

def test_format_table_aligns_numbers_and_cuts_text_to_the_width():
    import pandas as pd

    from partnerfit.cli import format_table

    df = pd.DataFrame({"name": ["Wyre", "x" * 100], "score": [59.55, 7.0], "n": [3, 12]})
    lines = format_table(df, {"score": "float1"}, width=40).splitlines()
    assert all(len(line) <= 40 for line in lines)
    assert lines[0].split() == ["name", "score", "n"]
    assert set(lines[1]) <= {"-", " "}
    # numbers right-aligned in their column, rounded half away from zero
    assert lines[2].endswith("59.6   3") and lines[3].endswith(" 7.0  12")
    assert lines[3].startswith("x") and "…" in lines[3]
    assert lines[2].startswith("Wyre ")


def test_format_table_leaves_a_narrow_table_alone():
    import pandas as pd

    from partnerfit.cli import format_table

    df = pd.DataFrame({"code": ["E07000121"], "share": [0.25]})
    assert format_table(df, {"share": "percent"}) == "code       share\n---------  -----\nE07000121  25.0%"


@pytest.mark.parametrize("args", [
    ("shortlist", "Lancaster", "-s", "revenues_benefits", "--as-of", "2009-06-01"),
    ("councils", "--search", "lanc", "--as-of", "2009-06-01"),
    ("councils", "--region", "North West", "--as-of", "2014-06-01"),
    ("network", "--region", "North West", "--as-of", "2014-06-01"),
])
def test_default_output_fits_80_columns(args):
    out = _run(*args)
    assert out.returncode == 0, out.stderr
    assert _widest(out.stdout) <= 80


def test_shortlist_table_shows_the_library_ranking():
    import partnerfit as pf

    out = _run("shortlist", "Lancaster", "-s", "revenues_benefits", "--as-of", "2009-06-01",
               "--top", "5")
    assert out.returncode == 0, out.stderr
    # the table's rows: a rank, then a GSS code among the cells (summary lines may also wrap
    # to start with a number)
    rows = [line.split() for line in out.stdout.splitlines() if line[:5].strip().isdigit()
            and any(x.startswith("E0") for x in line.split())]
    sl = pf.shortlist("Lancaster", "revenues_benefits", as_of="2009-06-01", top=5)
    assert [int(r[0]) for r in rows] == [1, 2, 3, 4, 5]
    codes = [next(x for x in r if x.startswith("E0")) for r in rows]
    assert codes == sl.table["code"].tolist()


def test_shortlist_writes_csv_of_the_ranked_table(tmp_path):
    import pandas as pd

    import partnerfit as pf

    target = tmp_path / "r.csv"
    out = _run("shortlist", "Lancaster", "-s", "revenues_benefits", "--as-of", "2009-06-01",
               "--top", "5", "-o", str(target))
    assert out.returncode == 0, out.stderr
    got = pd.read_csv(target, encoding="utf-8-sig")
    sl = pf.shortlist("Lancaster", "revenues_benefits", as_of="2009-06-01", top=5)
    assert got["code"].tolist() == sl.table["code"].tolist()
    assert got["rank"].tolist() == [1, 2, 3, 4, 5]


# --------------------------------------------------------------------------- groupings

@pytest.fixture(scope="module")
def groupings_table():
    return _run(*GROUPINGS)


def test_groupings_table_places_every_lancashire_district_once(groupings_table):
    out = groupings_table
    assert out.returncode == 0, out.stderr
    assert _widest(out.stdout) <= 80
    assert out.stdout.startswith("Plan")
    body = out.stdout.split("\n\n", 1)[1].splitlines()
    assert body[0].split() == ["group", "service", "name", "code", "role", "model"]
    rows = body[2:]
    names = [line[line.index("revenues_benefits") + 17:].split("  E0")[0].strip() for line in rows]
    assert sorted(names) == sorted(LANCASHIRE_2009)


def test_groupings_with_council_names_and_options():
    out = _run("groupings", "Lancaster", "Wyre", "Fylde", "-s", "revenues_benefits",
               "--as-of", "2009-06-01", "--max-size", "2", "--solver", "cbc")
    assert out.returncode == 0, out.stderr
    rows = [line for line in out.stdout.splitlines() if "revenues_benefits" in line
            and line.lstrip()[:1].isdigit()]
    assert len(rows) == 3  # each council once; groups of at most two
    groups = [int(line.split()[0]) for line in rows]
    assert max(groups.count(g) for g in set(groups)) <= 2


def test_groupings_csv_and_markdown_reports(tmp_path):
    import io

    import pandas as pd

    import partnerfit as pf

    csv_path, md_path = tmp_path / "g.csv", tmp_path / "g.md"
    for path in (csv_path, md_path):
        out = _run(*GROUPINGS, "-o", str(path))
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == f"wrote {path}"
    got = pd.read_csv(csv_path, encoding="utf-8-sig")
    assert sorted(got["name"]) == sorted(LANCASHIRE_2009)
    assert set(got["service"]) == {"revenues_benefits"}
    assert got["reason"].str.len().gt(0).all()  # every member row says why
    plan = pf.propose_groupings("county:Lancashire", "revenues_benefits", as_of="2009-06-01")
    # the same partition as the library's plan (group ids may be numbered differently)
    def partition(frame):
        return sorted(sorted(g) for _, g in frame.groupby("group")["council"])
    assert partition(got) == partition(plan.groups)
    text = md_path.read_text(encoding="utf-8")
    assert text.startswith("# ") and all(name in text for name in LANCASHIRE_2009)
    piped = _run(*GROUPINGS, "--format", "csv")
    assert piped.returncode == 0, piped.stderr
    assert partition(pd.read_csv(io.StringIO(piped.stdout))) == partition(plan.groups)


def test_groupings_excel_and_html_reports(tmp_path):
    from openpyxl import load_workbook

    xlsx, page = tmp_path / "g.xlsx", tmp_path / "g.html"
    for path in (xlsx, page):
        out = _run(*GROUPINGS, "-o", str(path))
        assert out.returncode == 0, out.stderr
    wb = load_workbook(xlsx)
    assert wb.sheetnames[-1] == "Sources and assumptions"
    names = {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row}
    assert LANCASHIRE_2009 <= names
    html = page.read_text(encoding="utf-8")
    assert "<title>" in html and all(name in html for name in LANCASHIRE_2009)


# --------------------------------------------------------------------------- report

def test_report_writes_the_programme_workbook(tmp_path):
    from openpyxl import load_workbook

    import partnerfit as pf

    target = tmp_path / "lancaster.xlsx"
    out = _run("report", "Lancaster", "--as-of", "2009-06-01", "-o", str(target))
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""  # no progress bar when stderr is not a terminal
    wb = load_workbook(target)
    # issue 18: the services grouped by their best partners come first
    assert wb.sheetnames == ["Partner sets", "Recurring partners", "Programme", "Programme data",
                             "Sources and assumptions"]
    sets = list(wb["Partner sets"].iter_rows(min_row=2, values_only=True))
    ws = wb["Programme data"]
    header = [c.value for c in ws[1]]
    assert header == ["service", "rank", "partner", "code", "score"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    # one block of three for every service a district delivers (from the catalogue)
    cat = pf.services()
    delivered = {cat.at[s, "name"] for s in cat.index
                 if "non_metropolitan_district" in cat.at[s, "delivered_by"]}
    assert {r[0] for r in rows} == delivered
    assert len(rows) == 3 * len(delivered)
    assert all(r[2] != "Lancaster" and 0 <= r[4] <= 100 for r in rows)
    assert ws.cell(2, 5).number_format == "#,##0.0" and ws.freeze_panes == "A2"
    # the side-by-side sheet: one row per service, its 1st..3rd partners from the long rows
    wide = list(wb["Programme"].iter_rows(values_only=True))
    assert list(wide[0]) == ["service", "1st choice", "1st score", "2nd choice", "2nd score",
                             "3rd choice", "3rd score"]
    assert len(wide) - 1 == len(delivered)
    by_service = {}
    for r in rows:
        by_service.setdefault(r[0], []).append((r[1], r[2], r[4]))
    for service, *rest in wide[1:]:
        ranked = sorted(by_service[service])
        assert list(rest) == [x for _, name, score in ranked for x in (name, score)]
    # the partner-sets sheet groups exactly the services with the same ordered partners
    grouped = {}
    for service, *rest in wide[1:]:
        grouped.setdefault(", ".join(rest[0::2]), []).append(service)
    assert {r[0]: r[1].split("; ") for r in sets} == grouped
    assert sum(r[2] for r in sets) == len(delivered)
    # the recurring-partners sheet counts the long sheet's rows
    recurring = {r[0]: r[2] for r in wb["Recurring partners"].iter_rows(min_row=2,
                                                                         values_only=True)}
    counted = {}
    for r in rows:
        counted[r[2]] = counted.get(r[2], 0) + 1
    assert recurring == counted


def test_report_services_option_and_markdown(tmp_path):
    target = tmp_path / "p.md"
    out = _run("report", "Lancaster", "--as-of", "2009-06-01", "--services",
               "revenues_benefits", "hr_payroll", "--top", "2", "-o", str(target))
    assert out.returncode == 0, out.stderr
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Shared-service programme for Lancaster")
    cat = partnerfit.services()
    wanted = [cat.at[s, "name"].replace("&", "\\&") for s in ("revenues_benefits", "hr_payroll")]
    # issue 18: the per-service table (one row per service: 1st and 2nd choice and score) is
    # in the appendix; the one-partner-per-row table is in the Excel workbook only
    rows = [line.split("|")[1:-1] for line in text.splitlines()
            if line.startswith("| ") and line.split("|")[1].strip() in wanted]
    wide = [cells for cells in rows if len(cells) == 5]
    assert [cells[0].strip() for cells in wide] == wanted
    assert not [cells for cells in rows if len(cells) != 5]  # no per-partner rows
    assert "## What differs between services" in text


# --------------------------------------------------------------------------- backtest

def test_backtest_table_and_workbook_agree_with_their_own_cases(tmp_path):
    from openpyxl import load_workbook

    target = tmp_path / "bt.xlsx"
    out = _run("backtest", "--max-cases", "30", "-o", str(target))
    assert out.returncode == 0, out.stderr
    assert _widest(out.stdout) <= 80
    assert "weights" in out.stdout and "hit@1" in out.stdout and "median_rank" in out.stdout
    wb = load_workbook(target)
    summary = {r[0]: r for r in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    header = [c.value for c in wb["Summary"][1]]
    cases = list(wb["Cases"].iter_rows(values_only=True))
    ranks = [row[cases[0].index("rank_weights")] for row in cases[1:]]
    arrs = [row[cases[0].index("arrangement")] for row in cases[1:]]
    # each arrangement counts once: a case weighs 1 / the cases of its arrangement
    w = [1 / arrs.count(a) for a in arrs]
    weights = dict(zip(header, summary["weights"]))
    assert weights["cases"] == len(ranks)
    assert weights["arrangements"] == len(set(arrs))
    for k in (1, 3, 5, 10):  # hit@k recomputed from the per-case ranks
        hit = sum(wi for wi, r in zip(w, ranks) if r <= k) / sum(w)
        assert abs(weights[f"hit@{k}"] - hit) < 1e-12
    assert abs(weights["mrr"] - sum(wi / r for wi, r in zip(w, ranks)) / sum(w)) < 1e-12
    column = header.index("hit@1") + 1
    assert wb["Summary"].cell(2, column).number_format == "0.0%"
    shown = next(line for line in out.stdout.splitlines() if line.startswith("weights "))
    assert f"{weights['hit@1']:.1%}" in shown.split()


# --------------------------------------------------------------------------- errors

@pytest.mark.parametrize("args, says, hint", [
    (("shortlist", "Lancaster", "-s", "revenues_benefits", "--as-of", "2009-13-45"),
     "'2009-13-45' is not a date", "YYYY-MM-DD"),
    (("shortlist", "Lancaster", "--service", "revenue"),
     "unknown service 'revenue'; did you mean revenues_benefits?", "revenues_benefits"),
    (("shortlist", "Lancaster", "-s", "revenues_benefits", "--weights", "no-such.yaml"),
     "weights file 'no-such.yaml' does not exist", "check the path"),
    (("shortlist", "Lancster", "-s", "revenues_benefits"), "Lancaster (E07000121)",
     "partnerfit councils --search"),
    (("backtest", "--links", "no-such.csv"), "--links file 'no-such.csv' does not exist",
     "check the path"),
    (("backtest", "--weights", "no-such.yaml"), "weights file 'no-such.yaml' does not exist",
     "check the path"),
    (("report", "Lancaster", "--as-of", "2009-13-45", "-o", "x.html"), "is not a date",
     "YYYY-MM-DD"),
    (("report", "Lancaster", "--services", "revenue", "-o", "x.html"), "unknown service",
     "service ids are"),
    (("report", "Lancaster", "-o", "report.docx"), "cannot tell the format", ".xlsx, .html"),
    (("groupings", "-s", "revenues_benefits"), "give either council names or --select",
     "--select county:Lancashire"),
    (("groupings", "--select", "Lancashire", "-s", "revenues_benefits"), "not a selector",
     "county:<name>"),
    (("groupings", "--select", "county:Lancashire", "-s", "revenue"), "unknown service",
     "service ids are"),
    (("groupings", "Lancster", "Wyre", "-s", "revenues_benefits"), "Lancaster (E07000121)",
     "partnerfit councils --search"),
    (("shortlist", "Lancaster", "-s", "revenues_benefits", "--top", "0"), "must be 1 or more",
     "--help"),
    ((*GROUPINGS, "--format", "xlsx"), "--format xlsx needs -o FILE", "--help"),
])
def test_bad_input_is_one_line_plus_a_hint_and_exit_2(tmp_path, args, says, hint):
    out = _run(*args, cwd=tmp_path)
    assert out.returncode == 2, (out.stdout, out.stderr)
    lines = out.stderr.splitlines()
    assert "Traceback" not in out.stderr
    assert lines[0].startswith(("partnerfit: error:", "partnerfit ")), lines[0]
    assert says in lines[0]
    hints = [i for i, line in enumerate(lines) if line.startswith("hint: ")]
    assert len(hints) == 1 and hint in " ".join(lines[hints[0]:])
    assert sum(line.startswith("partnerfit") for line in lines) == 1
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_long_runs_show_progress_on_a_terminal_only(tmp_path):
    import fcntl
    import os
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    target = tmp_path / "p.md"
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "partnerfit.cli", "report", "Lancaster", "--as-of",
             "2009-06-01", "-o", str(target)],
            stdout=subprocess.PIPE, stderr=slave, text=True, check=False, timeout=300)
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal is closed and drained
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
    assert proc.returncode == 0 and target.exists()
    assert b"scoring every service of Lancaster" in seen
    assert proc.stdout.strip() == f"wrote {target}"  # stdout carries no progress


@pytest.mark.parametrize("command", [(), ("councils",), ("shortlist",), ("network",),
                                     ("groupings",), ("report",), ("backtest",)])
def test_help_reads_in_an_80_column_terminal(command):
    import os

    out = subprocess.run([sys.executable, "-m", "partnerfit.cli", *command, "--help"],
                         capture_output=True, text=True, check=False,
                         env={**os.environ, "COLUMNS": "80"})
    assert out.returncode == 0, out.stderr
    assert "usage: partnerfit" in out.stdout
    assert _widest(out.stdout) <= 80


def test_groupings_lead_capacity_lets_the_optimiser_choose_models():
    r = _run("groupings", "--select", "county:Cumbria", "-s", "revenues_benefits",
             "--as-of", "2009-06-01", "--lead-capacity", "1", "--format", "csv",
             "--weights", "north_lincolnshire_2014")  # a profile under which groups form
    assert r.returncode == 0, r.stderr
    import io

    import pandas as pd

    t = pd.read_csv(io.StringIO(r.stdout))
    assert {"status", "arrangement"} <= set(t.columns)
    assert "chosen delivery:" in " ".join(t["reason"].astype(str))
    assert t[t["role"] == "lead"].groupby("council")["service"].nunique().max() <= 1

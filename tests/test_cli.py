import subprocess
import sys

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

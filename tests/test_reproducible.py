"""Reruns give byte-identical reports: every export format of shortlist, plan, programme and
backtest, each result computed twice from scratch (issue 21).

Solve times, run dates and versions differ between runs, so reports never hold them; the CLI's
``--run-log`` holds them instead.
"""

from __future__ import annotations

import json

import matplotlib
import pytest

import partnerfit as pf
from partnerfit.cli import main
from partnerfit.export import write

matplotlib.use("Agg")

FORMATS = ("xlsx", "html", "md", "csv")


def _shortlist():
    return pf.shortlist("Lancaster", "revenues_benefits", as_of="2012-06-01", top=5)


def _plan():
    return pf.propose_groupings("county:Lancashire", "revenues_benefits", as_of="2012-06-01")


def _programme():
    return pf.programme("Lancaster", as_of="2012-06-01", services_=["revenues_benefits", "audit"])


def _backtest():
    return pf.evaluate.backtest(arrangements=["3c-shared-services-ict"])


@pytest.mark.parametrize("make", [_shortlist, _plan, _programme, _backtest],
                         ids=["shortlist", "plan", "programme", "backtest"])
def test_every_format_is_byte_identical_on_rerun(tmp_path, make):
    runs = []
    for run in range(2):
        report = make().to_report()  # computed again from scratch each time
        out = {}
        first_table = next(report.tables())[1].name
        for fmt in FORMATS:
            options = {"table": first_table} if fmt == "csv" else {}
            path = write(report, tmp_path / f"{run}.{fmt}", **options)
            out[fmt] = path.read_bytes()
        runs.append(out)
    for fmt in FORMATS:
        assert runs[0][fmt] == runs[1][fmt], fmt
        assert len(runs[0][fmt]) > 100, fmt


def test_plan_reports_hold_no_solve_time(tmp_path):
    plan = _plan()
    plan.time_s = 98765.4321  # a time no table of the report could hold by chance
    text = write(plan.to_report(figures=False), tmp_path / "plan.md").read_text("utf-8")
    assert "seconds" not in text and "98765" not in text and "98,765" not in text
    assert "candidate groups" in text  # the solve table is still there
    assert f"{plan.time_s:.1f}s" not in plan.summary()


def test_run_log_holds_timings_and_versions(tmp_path, capsys):
    log = tmp_path / "run.json"
    out = tmp_path / "plan.md"
    args = ["groupings", "--select", "county:Lancashire", "-s", "revenues_benefits",
            "--as-of", "2012-06-01", "-o", str(out), "--run-log", str(log)]
    assert main(args) == 0
    facts = json.loads(log.read_text("utf-8"))
    assert facts["partnerfit"] == pf.__version__ and facts["exit_status"] == 0
    assert facts["command"][1:] == args
    assert facts["solver"] == "highs" and facts["solve_seconds"] >= 0
    assert facts["seconds"] >= facts["solve_seconds"]
    first = out.read_bytes()
    assert main(args) == 0
    assert out.read_bytes() == first  # the report itself did not change
    capsys.readouterr()

"""The ``partnerfit`` command: parses arguments, calls the public API, prints the result.

Bad input (an unknown council or service, a bad date, a missing file) prints one clear line
and a hint on stderr and exits with status 2. Tables fit an 80-column terminal. Long runs
show their elapsed time on a terminal (never when output is piped or redirected).
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import math
import os
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import __version__
from .errors import (
    ArgumentError,
    PartnerfitError,
    ServiceNotDeliveredError,
    TableFileNotFoundError,
    UnknownCouncilError,
    UnknownServiceError,
)
from .formatting import NUMERIC_FORMATS, format_value, infer_format

if TYPE_CHECKING:
    from .report import Report

EXIT_BAD_INPUT = 2

#: Width every table and paragraph is fitted to.
WIDTH = 80

_EPILOG = """examples:
  partnerfit councils --as-of 2009-03-31 --search "st albans"
  partnerfit shortlist Lancaster --service revenues_benefits --as-of 2009-06-01
  partnerfit shortlist "North Lincolnshire" -s hr_payroll -o report.xlsx
  partnerfit network --region "North West" --as-of 2014-06-01 -o map.png
  partnerfit network --county Kent --as-of 2024-06-01 --label all -o kent.svg
  partnerfit groupings --select county:Lancashire -s revenues_benefits \\
      --as-of 2009-06-01
  partnerfit report Lancaster --as-of 2009-06-01 -o lancaster.html
  partnerfit brief Lancaster -s revenues_benefits --as-of 2009-06-01 -o b.pdf
  partnerfit backtest --max-cases 200 -o backtest.xlsx
  partnerfit app Lancaster -s revenues_benefits --as-of 2009-06-01
"""


# ----------------------------------------------------------------------------- output

def format_table(df: pd.DataFrame, formats: dict[str, str] | None = None,
                 width: int = WIDTH) -> str:
    """Return ``df`` as an aligned plain-text table no wider than ``width``.

    Numbers are right-aligned and shown in the report formats (see
    :mod:`partnerfit.formatting`); the index is not shown. When the table is too wide, the
    widest text columns are cut (ending ``…``) until it fits.

    Parameters
    ----------
    df : pandas.DataFrame
    formats : dict of str to str, optional
        Column to report format (``"float1"``, ``"percent"``, ``"km"`` ...); others are
        inferred.
    width : int, default 80

    Returns
    -------
    str
    """
    formats = dict(formats or {})
    columns = [str(c) for c in df.columns]
    fmts = [formats.get(c) or infer_format(df.iloc[:, i]) for i, c in enumerate(columns)]
    cells = [[format_value(v, f) for v in df.iloc[:, i]] for i, f in enumerate(fmts)]
    widths = [max([len(c), *(len(x) for x in col)]) for c, col in zip(columns, cells)]
    text_cols = [i for i, f in enumerate(fmts) if f not in NUMERIC_FORMATS]
    gap = 2
    while sum(widths) + gap * (len(widths) - 1) > width:
        cuttable = [i for i in text_cols if widths[i] > max(8, len(columns[i]))]
        if not cuttable:
            break
        widest = max(cuttable, key=lambda i: (widths[i], -i))
        widths[widest] -= 1

    def fit(text: str, w: int, right: bool) -> str:
        if len(text) > w:
            text = text[: w - 1] + "…"
        return text.rjust(w) if right else text.ljust(w)

    right = [f in NUMERIC_FORMATS for f in fmts]
    lines = [(" " * gap).join(fit(c, w, r) for c, w, r in zip(columns, widths, right)),
             (" " * gap).join("-" * w for w in widths)]
    for row in zip(*cells) if cells else ():
        lines.append((" " * gap).join(fit(c, w, r) for c, w, r in zip(row, widths, right)))
    return "\n".join(line.rstrip() for line in lines)


def _print_table(df: pd.DataFrame, formats: dict[str, str] | None = None) -> None:
    print(format_table(df, formats))


def _print_text(text: str) -> None:
    """Print text wrapped to the terminal width, keeping each line's indent."""
    for line in text.splitlines() or [""]:
        indent = line[: len(line) - len(line.lstrip())]
        print(textwrap.fill(line.strip(), WIDTH, initial_indent=indent,
                            subsequent_indent=indent + "  ") if line.strip() else "")


@contextlib.contextmanager
def _progress(desc: str) -> Iterator[None]:
    """Show ``desc`` and the elapsed time on stderr while the block runs, on a terminal only."""
    from tqdm import tqdm

    bar = tqdm(desc=desc, bar_format="{desc} {elapsed}", file=sys.stderr, leave=False,
               disable=not sys.stderr.isatty())
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(0.5):
            bar.refresh()

    ticker = threading.Thread(target=tick, daemon=True)
    if not bar.disable:
        ticker.start()
    try:
        yield
    finally:
        stop.set()
        if ticker.is_alive():
            ticker.join()
        bar.close()


def _format_of(path: str, fmt: str | None) -> str | None:
    """The export format: ``--format`` when it names one, else the file's suffix."""
    from .export import FORMATS_BY_SUFFIX

    return fmt if fmt not in (None, "table") else FORMATS_BY_SUFFIX.get(Path(path).suffix.lower())


def _write(report: Report, path: str, fmt: str | None) -> Path:
    """Write a report to ``path``; a CSV gets the report's first table."""
    from .export import write

    options = {}
    if _format_of(path, fmt) == "csv":
        first = next(report.tables(), None)
        if first is not None:
            options["table"] = first[1].name
    return write(report, path, format=None if fmt == "table" else fmt, **options)


def _check_output(path: str | None, fmt: str | None = None) -> None:
    """Fail now, not after a long run, if the report cannot be written at ``path``."""
    if path is None:
        return
    from .export import FORMATS_BY_SUFFIX
    from .export._atomic import check_target

    check_target(path)
    if fmt in (None, "table") and Path(path).suffix.lower() not in FORMATS_BY_SUFFIX:
        raise ArgumentError(f"cannot tell the format of {path!r} from its suffix\n"
                         "hint: end the file name with .xlsx, .html, .md or .csv.")


def _check_file(path: str | None, what: str) -> None:
    if path is not None and not Path(path).is_file():
        raise TableFileNotFoundError(f"{what} {path!r} does not exist"
                                + (" (it is a folder)" if Path(path).is_dir() else "")
                                + "; check the path.")


def _data_args(args: argparse.Namespace) -> dict:
    """The user's data options (files checked now): ``links``/``systems`` replace the bundled
    registers, ``add_links``/``add_systems`` layer on them, ``drop_links`` removes ids."""
    for name in ("links", "add_links", "systems", "add_systems"):
        _check_file(getattr(args, name, None), f"--{name.replace('_', '-')} file")
    return {"links": args.links, "add_links": args.add_links, "systems": args.systems,
            "add_systems": args.add_systems,
            "drop_links": getattr(args, "drop_links", None) or ()}


def _add_data_options(p: argparse.ArgumentParser, *, drop: bool = True) -> None:
    """``--links``, ``--add-links``, ``--systems``, ``--add-systems`` (and ``--drop-links``)."""
    p.add_argument("--links", metavar="FILE",
                   help="your whole arrangements table, replacing the bundled register")
    p.add_argument("--add-links", metavar="FILE",
                   help="your arrangements (CSV or Excel: council, partner or arrangement, "
                        "service), layered on the bundled register")
    p.add_argument("--systems", metavar="FILE",
                   help="your whole IT systems table, replacing the bundled register")
    p.add_argument("--add-systems", metavar="FILE",
                   help="your IT systems (CSV or Excel: council, function, vendor; e.g. a "
                        "filled-in systems-template), layered on the bundled register")
    if drop:
        p.add_argument("--drop-links", nargs="+", metavar="ID",
                       help="arrangement ids to remove")


def _weights_arg(value: str | None) -> str | None:
    """A weights argument: a file (checked now, before a long run) or a bundled profile name."""
    if value is not None and Path(value).suffix:
        _check_file(value, "weights file")
    return value


def _print_future_note(as_of: Any) -> None:
    """Say so when the date is in the future (the map used is the latest known)."""
    from .register import future_note

    note = future_note(as_of)
    if note:
        _print_text(note)


def _check_choice(flag: str, value: str, choices, what: str, why: str, *,
                  case: bool = True) -> None:
    """Refuse a value that is not one of ``choices`` (the hint lists them)."""
    from ._yaml import did_you_mean

    options = list(choices)
    if value in options or (not case and value.lower() in {c.lower() for c in options}):
        return
    reason = f" ({why})" if why else ""
    raise ArgumentError(f"{flag} {value!r} is not a {what}{reason}"
                        f"{did_you_mean(value, options)}\nhint: {what}s are: "
                        + ", ".join(options))


# ----------------------------------------------------------------------------- map options

def _label_arg(text: str) -> str | int:
    """``--label``: all, none or a number of councils."""
    if text.lower() in ("all", "none"):
        return text.lower()
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not 'all', 'none' or a number of councils") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


def _add_map_options(p: argparse.ArgumentParser, *, region: bool = True,
                     what: str = "councils") -> None:
    """``--map``, ``--label``, ``--county`` and ``--region`` of the commands that draw a map."""
    p.add_argument("--map", choices=["boundaries", "network"], default="boundaries",
                   help="the map: council areas (default) or dots and links")
    p.add_argument("--label", type=_label_arg, metavar="all|none|N",
                   help="which councils to name on the map (default every one the map is "
                        "about; a numbered key on national maps)")
    p.add_argument("--county", metavar="NAME", help=f"only {what} of this county (the county "
                   "council and its districts), e.g. Kent")
    if region:
        p.add_argument("--region", help=f"only {what} in this region, e.g. 'North West'")


def _area_codes(args: argparse.Namespace, date: Any) -> list[str] | None:
    """The councils of ``--county`` and ``--region`` on ``date`` (both: those in both)."""
    from .register import find_council, load_councils

    county, region = getattr(args, "county", None), getattr(args, "region", None)
    if not county and not region:
        return None
    reg = load_councils(date)
    keep = pd.Series(True, index=reg.index)
    if region:
        keep &= reg["region"].str.lower() == region.lower()
        if not keep.any():
            raise ArgumentError(f"no council in region {region!r} on {date:%Y-%m-%d}\n"
                             "hint: regions are " + ", ".join(sorted(set(reg["region"]))))
    if county:
        code = find_council(county, date)
        if reg.at[code, "tier"] != "county":
            counties = sorted(reg.loc[reg["tier"] == "county", "name"])
            raise ArgumentError(f"--county {county!r} is {reg.at[code, 'name']}, not a county "
                             f"council on {date:%Y-%m-%d}\nhint: counties then: "
                             + ", ".join(counties))
        keep &= (reg["county"] == code) | (reg.index == code)
    if not keep.any():
        raise ArgumentError(f"no council is in both --county {county!r} and --region {region!r}")
    return list(reg.index[keep])


# ----------------------------------------------------------------------------- commands

def _cmd_councils(args: argparse.Namespace) -> int:
    from .register import TIERS, find_council, load_councils, normalise_name

    reg = load_councils(args.as_of)
    if args.search:
        key = normalise_name(args.search)
        hit = reg["name"].map(normalise_name).str.contains(key, regex=False) | reg[
            "aliases"].str.lower().str.contains(args.search.lower(), regex=False)
        if not hit.any():
            code = find_council(args.search, args.as_of)  # raises with suggestions
            hit = reg.index == code
        reg = reg[hit]
    if args.tier:
        _check_choice("--tier", args.tier, TIERS, "council tier",
                      "the register holds principal councils only, not parish or town "
                      "councils" if "parish" in args.tier.lower() or "town" in
                      args.tier.lower() else "")
        reg = reg[reg["tier"] == args.tier]
    if args.region:
        regions = sorted({r for r in load_councils()["region"] if r})
        _check_choice("--region", args.region, regions, "region", "", case=False)
        reg = reg[reg["region"].str.lower() == args.region.lower()]
    if args.format == "csv":
        reg.to_csv(sys.stdout)
        return 0
    when = f"on {args.as_of}" if args.as_of else "1996 to today (every vintage)"
    print(f"{len(reg)} councils {when}")
    _print_future_note(args.as_of)
    counts = reg.groupby(["nation", "tier"]).size().rename("councils").reset_index()
    _print_table(counts)
    if args.search or args.tier or args.region or args.list:
        table = reg[["name", "tier", "region", "population"]].copy()
        table.insert(1, "code", table.index)
        print()
        _print_table(table, {"population": "int"})
    return 0


def _unavailable_arg(values: list[str] | None) -> list[str] | str | None:
    """``--unavailable``: one file (CSV or Excel with a council column), or council names."""
    if not values:
        return None
    if len(values) == 1 and (Path(values[0]).suffix.lower() in (".csv", ".xlsx", ".xlsm")
                             or Path(values[0]).is_file()):
        return values[0]
    return values


def _cmd_shortlist(args: argparse.Namespace) -> int:
    from .availability import DEFAULT_COMMITTED
    from .export import render_markdown
    from .formatting import tier_in_sentence
    from .report import Report
    from .scoring import shortlist

    data = _data_kwargs(args)
    _check_output(args.output, args.format)
    sl = shortlist(args.council, args.service, as_of=args.as_of, **data, top=args.top,
                   method=args.method, exclude=args.exclude or (),
                   max_distance_km=args.max_distance,
                   unavailable=_unavailable_arg(args.unavailable),
                   committed=args.committed or DEFAULT_COMMITTED,
                   partnerships=not args.no_partnerships, cross_regime=args.cross_regime,
                   clusters=args.clusters,
                   two_way=True if args.two_way is None else args.two_way)
    if args.output and _format_of(args.output, args.format) == "csv":
        # a CSV holds one table: the ranked candidates shown, with their codes
        ranked = sl.table[["rank", "code", "name", "tier", "score", "distance_km",
                           "their_rank", "their_score"]].rename(
            columns={"name": "council", "tier": "kind of council",
                     "distance_km": "distance (km)",
                     "their_rank": f"rank of {sl.council_name} on their list",
                     "their_score": f"score of {sl.council_name} on their list"})
        ranked["kind of council"] = ranked["kind of council"].map(tier_in_sentence)
        ranked["committed to"] = sl.table["committed"]
        table = Report.from_table("Ranked partners", ranked)
        print(f"wrote {_write(table, args.output, 'csv')}")
        return 0
    if args.output:
        from .export.builders.shortlist import shortlist_report

        area = _area_codes(args, sl.as_of)
        options = {"kind": "none" if args.map == "network" else "map", "label": args.label,
                   "councils": area}
        report = shortlist_report(sl, top=args.top or 30, map_options=options)
        print(f"wrote {_write(report, args.output, args.format)}")
        return 0
    if args.format == "csv":
        sys.stdout.write(sl.table.to_csv(index=False))
    elif args.format == "md":
        sys.stdout.write(render_markdown(sl.to_report(top=args.top or 30, figures=False)))
    elif args.format in ("xlsx", "html"):
        raise ArgumentError(f"--format {args.format} needs -o FILE")
    else:
        from .export.builders.shortlist import TIER_NAMES

        _print_text(sl.summary())
        print()
        shown = sl.table[["rank", "name", "code", "tier", "score", "distance_km"]].copy()
        shown["tier"] = shown["tier"].map(lambda t: TIER_NAMES.get(t, t))
        if sl.table["committed"].astype(bool).any():
            shown["committed to"] = sl.table["committed"]
        shown["their list"] = ["" if sl.is_partnership(c) else sl.two_way.place(c)
                               for c in shown["code"]]
        _print_table(shown.rename(columns={"tier": "kind of council", "distance_km": "distance"}),
                     {"score": "float1", "distance": "km"})
    return 0


def _cmd_network(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from ._dates import to_date, today
    from .network import degree_table, sharing_graph, summary
    from .plot.network import plot_network

    date = to_date(args.as_of) or today()
    if args.service:
        from .services import check_service

        check_service(args.service)
    G = sharing_graph(date, service=args.service, family=args.family)
    keep = _area_codes(args, date)
    if keep is not None:
        G = G.subgraph(keep).copy()
    _print_future_note(date)
    stats = summary(G)
    _print_table(stats.rename("value").rename_axis("measure").reset_index()
                 if isinstance(stats, pd.Series) else stats.reset_index())
    top = degree_table(G).head(args.top)
    print()
    _print_table(top[[c for c in ("name", "degree", "n_arrangements") if c in top.columns]]
                 .rename_axis("code").reset_index())
    if args.output:
        from .export._atomic import atomic_path

        fig = plot_network(G, kind=args.map, label=args.label)
        with atomic_path(args.output) as tmp:
            fig.savefig(tmp, dpi=150, bbox_inches="tight",
                        format=str(args.output).rsplit(".", 1)[-1])
        print(f"wrote {args.output}")
    return 0


def _cmd_groupings(args: argparse.Namespace) -> int:
    from .export import render_markdown
    from .grouping import propose_groupings
    from .report import Report

    if args.county or args.region:  # the same selections as --select county:/region:
        if args.county and args.region:
            raise ArgumentError("give --county or --region, not both\nhint: e.g. partnerfit "
                             "groupings --county Lancashire -s revenues_benefits")
        if args.select or args.councils:
            raise ArgumentError("give council names, --select, --county or --region: only one")
        args.select = f"county:{args.county}" if args.county else f"region:{args.region}"
    if bool(args.councils) == bool(args.select):
        raise ArgumentError("give either council names or --select, not "
                         + ("both" if args.select else "neither")
                         + "\nhint: e.g. partnerfit groupings --select county:Lancashire "
                           "-s revenues_benefits")
    if args.select and ":" not in args.select:
        raise ArgumentError(f"--select {args.select!r} is not a selector\nhint: write "
                         "'county:<name>', 'region:<name>' or 'nation:<name>'")
    if args.format in ("xlsx", "html") and not args.output:
        raise ArgumentError(f"--format {args.format} needs -o FILE")
    data = _data_kwargs(args)
    _check_output(args.output, args.format)
    if args.brief:
        _check_brief_target(args.brief)
    with _progress("proposing groupings"):
        plan = propose_groupings(args.select or args.councils, args.service, as_of=args.as_of,
                                 **data,
                                 min_size=args.min_size, max_size=args.max_size,
                                 contiguous=not args.no_contiguous, water=args.water,
                                 max_distance_km=args.max_distance, solver=args.solver,
                                 time_limit=args.time_limit,
                                 models=True if (args.choose_models or args.private_partner
                                                 or args.lead_capacity is not None) else None,
                                 lead_capacity=args.lead_capacity,
                                 private_partner=args.private_partner)
    _RUN_FACTS.update(solver=plan.solver, solve_seconds=round(plan.time_s, 3),
                      candidate_groups=plan.n_columns)
    if args.output and _format_of(args.output, args.format) == "csv":
        # a CSV holds one table: the plan's member rows, each with its role, model and reason
        table = Report.from_table("Proposed partner groupings", plan.groups)
        print(f"wrote {_write(table, args.output, 'csv')}")
    elif args.output:
        from .export.builders.plan import plan_report

        report = plan_report(plan, map_options={"kind": args.map, "label": args.label})
        print(f"wrote {_write(report, args.output, args.format)}")
    elif args.format == "csv":
        sys.stdout.write(plan.groups.to_csv(index=False))
    elif args.format == "md":
        sys.stdout.write(render_markdown(plan.to_report(figures=False)))
    else:
        _print_text(plan.summary())
        _print_future_note(args.as_of)
        print()
        _print_table(plan.groups[["group", "service", "name", "council", "role", "model"]]
                     .rename(columns={"council": "code"}))
    if args.brief:
        with _progress("writing the brief (re-making the plan to test its robustness)"):
            path = plan.to_brief(args.brief)
        print(f"wrote {path}", file=sys.stderr if args.format in ("csv", "md") and
              not args.output else sys.stdout)
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from ._dates import to_date, today
    from .register import find_council
    from .scoring import programme

    date = to_date(args.as_of) or today()
    _check_output(args.output)
    code = find_council(args.council, date)
    if args.services:
        from .services import check_service

        for service in args.services:
            check_service(service)
    data = _data_kwargs(args)
    with _progress(f"scoring every service of {args.council}"):
        result = programme(code, as_of=date, services_=args.services, top=args.top, **data)
    _print_future_note(date)
    for note in result.notes:
        print(note)
    print(f"wrote {_write(result.to_report(), args.output, None)}")
    return 0


def _check_brief_target(path: str) -> None:
    """Refuse a brief file the brief writers cannot produce, before any work is done."""
    from .export._atomic import check_target
    from .export.brief import BRIEF_SUFFIXES

    check_target(path)
    if Path(path).suffix.lower() not in BRIEF_SUFFIXES:
        raise ArgumentError(f"cannot write a brief to {path!r}\n"
                            "hint: end the file name with .html, .pdf or .docx.")


def _cmd_brief(args: argparse.Namespace) -> int:
    from .scoring import shortlist

    _check_brief_target(args.output)
    data = _data_kwargs(args)
    with _progress("writing the brief"):
        sl = shortlist(args.council, args.service, as_of=args.as_of, **data)
        path = sl.to_brief(args.output, pdf_engine=args.pdf_engine)
    _print_future_note(args.as_of)
    print(f"wrote {path}")
    return 0


def _cmd_app(args: argparse.Namespace) -> int:
    from .workbench.app import serve

    return serve(args.council, args.service, args.as_of, port=args.port,
                 grouping=args.group or None)


def _cmd_backtest(args: argparse.Namespace) -> int:
    from .evaluate import backtest
    from .export.builders.backtest import METRIC_FORMATS

    data = _data_args(args)
    data.pop("drop_links")
    _check_output(args.output)
    with _progress("backtesting against real arrangements"):
        result = backtest(weights=_weights_arg(args.weights), max_cases=args.max_cases,
                          seed=args.seed, **data)
    print(f"Backtest: {len(result.cases)} cases scored, {len(result.skipped)} skipped.")
    if result.sampled:
        _print_text(result.sampled)
    print()
    table = result.summary.reset_index()
    _print_table(table, {c: fmt for c, fmt in METRIC_FORMATS.items() if c in table})
    if args.output:
        import matplotlib

        matplotlib.use("Agg")
        report = result.to_report(figure=not args.output.lower().endswith(".csv"))
        print(f"wrote {_write(report, args.output, None)}")
    return 0


def _cmd_systems_template(args: argparse.Namespace) -> int:
    from .survey import systems_template

    if not args.output.lower().endswith(".xlsx"):
        raise ArgumentError(f"-o {args.output!r}: the survey is an Excel workbook\nhint: end the "
                         "file name with .xlsx")
    one = len(args.councils) == 1 and ":" in args.councils[0]
    path = systems_template(args.councils[0] if one else args.councils, args.output,
                            as_of=args.as_of, functions=args.functions)
    print(f"wrote {path}")
    return 0


# ----------------------------------------------------------------------------- parser

def _whole_number(low: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``low``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{text!r} must be {low} or more")
        return value
    return parse


_positive_int = _whole_number(1)
_non_negative_int = _whole_number(0)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0")
    return value


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number from 0 to 1") from None
    if not (math.isfinite(value) and 0 <= value <= 1):
        raise argparse.ArgumentTypeError(f"{text!r} must be a number from 0 to 1, e.g. 0.2")
    return value


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line plus a hint, exit status 2."""

    def error(self, message: str) -> Any:
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        print(f"hint: run '{self.prog} --help' for usage.", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def _add_report_output(p: argparse.ArgumentParser) -> None:
    """``--format`` and ``-o``, shared by the commands that print a table or write a report."""
    p.add_argument("--format", choices=["table", "csv", "xlsx", "html", "md"], default="table")
    p.add_argument("-o", "--output", metavar="FILE", help="write a report (.xlsx/.html/.md/.csv)")


#: Help for every ``--weights`` option.
_WEIGHTS_HELP = "weight profile YAML or bundled profile name (default: the default profile)"


def _add_data_args(p: argparse.ArgumentParser, *, weights: bool = True) -> None:
    """``--weights`` and the data options (:func:`_add_data_options`): the same meaning in every
    command."""
    if weights:
        p.add_argument("--weights", metavar="FILE", help=_WEIGHTS_HELP)
    _add_data_options(p)


def _data_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """``weights`` and the data options for the API (files checked now, before a long run)."""
    return {"weights": _weights_arg(args.weights), **_data_args(args)}


def _add_councils(sub: argparse._SubParsersAction) -> None:
    """The ``councils`` command: list or search the register."""
    p = sub.add_parser("councils", help="list or search the council register on a date",
                       description="List or search the council register on a date.")
    p.add_argument("--as-of", metavar="DATE", help="councils in force on DATE (YYYY-MM-DD)")
    p.add_argument("--search", metavar="TEXT", help="councils whose name contains TEXT")
    p.add_argument("--tier", help="only this tier, e.g. non_metropolitan_district")
    p.add_argument("--region", help="only this region, e.g. 'North West'")
    p.add_argument("--list", action="store_true", help="list every council, not just counts")
    p.add_argument("--format", choices=["table", "csv"], default="table")
    p.set_defaults(func=_cmd_councils)


def _add_shortlist(sub: argparse._SubParsersAction) -> None:
    """The ``shortlist`` command: rank partners for one council and service."""
    p = sub.add_parser("shortlist", help="rank partner councils for one council and service",
                       description="Rank every eligible partner council for COUNCIL and a "
                                   "service, as at a date.")
    p.add_argument("council", help="council name, alias or GSS code, e.g. Lancaster")
    p.add_argument("--service", "-s", required=True,
                   help="service id, e.g. revenues_benefits (see criteria/services.yaml)")
    p.add_argument("--as-of", metavar="DATE", help="date of the decision (default today)")
    _add_data_args(p)
    p.add_argument("--top", type=_positive_int, default=10, help="rows to show (default 10)")
    p.add_argument("--method", choices=["additive", "topsis", "promethee"], default="additive")
    p.add_argument("--exclude", nargs="*", metavar="COUNCIL", help="councils to leave out")
    p.add_argument("--max-distance", type=_positive_float, metavar="KM",
                   help="screen out beyond KM")
    p.add_argument("--unavailable", nargs="+", metavar="COUNCIL",
                   help="councils you know will not partner (names or codes), or one CSV/Excel "
                        "file with a 'council' column and an optional 'reason' column")
    p.add_argument("--committed", choices=["mark", "penalise", "screen", "offer"],
                   help="councils already in another partnership for this service: halve "
                        "their score (penalise, the default), only mark them, screen them out, "
                        "or offer their partnership instead")
    p.add_argument("--no-partnerships", action="store_true",
                   help="councils only: do not offer existing partnerships as candidates")
    p.add_argument("--cross-regime", action="store_true",
                   help="keep candidates whose nation runs a separate legal regime for the "
                        "service (e.g. Scottish building standards), marked instead of screened")
    p.add_argument("--clusters", metavar="FILE",
                   help="your own clusters of councils (CSV or .xlsx: cluster, name, council), "
                        "added to the bundled ones for the same-area criterion")
    p.add_argument("--two-way", type=_share, metavar="T",
                   help="mutual score: T (0 to 1) of each candidate's own score of this "
                        "council mixed into the score (default 0: where this council would "
                        "rank on each candidate's own list is shown, not scored)")
    _add_report_output(p)
    _add_map_options(p, what="councils drawn on the report's map")
    p.set_defaults(func=_cmd_shortlist)


def _add_network(sub: argparse._SubParsersAction) -> None:
    """The ``network`` command: the existing sharing network."""
    p = sub.add_parser("network", help="the existing sharing network: metrics and a map",
                       description="The network of existing shared-service arrangements on a "
                                   "date: who shares most, and a map.")
    p.add_argument("--as-of", metavar="DATE", help="date (default today)")
    p.add_argument("--service", help="only arrangements for this service id")
    p.add_argument("--family", help="only this service family (back_office, customer, ...)")
    _add_map_options(p)
    p.add_argument("--top", type=_positive_int, default=15,
                   help="rows of the degree table (default 15)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the map (.png or .svg)")
    p.set_defaults(func=_cmd_network)


def _add_groupings(sub: argparse._SubParsersAction) -> None:
    """The ``groupings`` command: propose partner groupings."""
    p = sub.add_parser("groupings", help="propose partner groupings for a set of councils",
                       description="Propose partner groupings (with a delivery model for each "
                                   "group) for a set of councils and one or more services, by "
                                   "exact optimisation.")
    p.add_argument("councils", nargs="*", metavar="COUNCIL",
                   help="council names or codes (or use --select)")
    p.add_argument("--select", metavar="SELECTOR",
                   help="councils by selector: 'county:Lancashire', 'region:North West', "
                        "'nation:Wales'")
    p.add_argument("--service", "-s", action="append", required=True, metavar="S",
                   help="service id; repeat for several services solved jointly")
    p.add_argument("--as-of", metavar="DATE", help="date of the map (default today)")
    p.add_argument("--min-size", type=_positive_int, default=2,
                   help="smallest group of two or more (default 2)")
    p.add_argument("--max-size", type=_positive_int, default=4,
                   help="largest group (default 4)")
    p.add_argument("--no-contiguous", action="store_true",
                   help="allow groups whose members do not share borders")
    p.add_argument("--water", action="store_true", help="count borders across water")
    p.add_argument("--max-distance", type=_positive_float, metavar="KM",
                   help="largest distance between two members of a group")
    p.add_argument("--solver", choices=["highs", "cbc"], default="highs")
    p.add_argument("--time-limit", type=_positive_float, metavar="S",
                   help="seconds for the solve; the best plan found and its gap are shown")
    p.add_argument("--choose-models", action="store_true",
                   help="let the optimiser choose each group's delivery model and lead")
    p.add_argument("--lead-capacity", type=_positive_int, metavar="N",
                   help="most services one council may lead (implies --choose-models)")
    p.add_argument("--private-partner", action="store_true",
                   help="also offer outsourcing (valued only with a stated saving)")
    p.add_argument("--brief", metavar="FILE",
                   help="also write the plan's one-page brief for cabinet (.html, .pdf or "
                        ".docx), with its robustness verdict")
    _add_data_args(p)
    _add_report_output(p)
    _add_map_options(p, what="the councils")
    p.set_defaults(func=_cmd_groupings)


def _add_report(sub: argparse._SubParsersAction) -> None:
    """The ``report`` command: a council's programme report."""
    p = sub.add_parser("report", help="a council's programme: best partners for every service",
                       description="Write a report of COUNCIL's programme: the best partner "
                                   "councils for every service it delivers (or those given).")
    p.add_argument("council", help="council name, alias or GSS code, e.g. Lancaster")
    p.add_argument("--as-of", metavar="DATE", help="date of the decision (default today)")
    p.add_argument("--services", nargs="+", metavar="S",
                   help="only these service ids (default every service the council delivers)")
    p.add_argument("--top", type=_positive_int, default=3,
                   help="partners per service (default 3)")
    _add_data_args(p)
    p.add_argument("-o", "--output", metavar="FILE", required=True,
                   help="the report to write (.xlsx, .html, .md or .csv)")
    p.set_defaults(func=_cmd_report)


def _add_brief(sub: argparse._SubParsersAction) -> None:
    """The ``brief`` command: the one-page brief for cabinet."""
    p = sub.add_parser("brief", help="a one-page brief for cabinet (.html, .pdf or .docx)",
                       description="Write the one-page brief for COUNCIL and a service: the "
                                   "recommendation, existing arrangements, the top three and "
                                   "why, how robust it is, the map and the sources.")
    p.add_argument("council", help="council name, alias or GSS code, e.g. Lancaster")
    p.add_argument("--service", "-s", required=True,
                   help="service id, e.g. revenues_benefits (see criteria/services.yaml)")
    p.add_argument("--as-of", metavar="DATE", help="date of the decision (default today)")
    _add_data_args(p)
    p.add_argument("--pdf-engine", choices=["weasyprint", "browser"],
                   help="for .pdf: WeasyPrint or an installed Chrome/Chromium/Edge "
                        "(default: the first installed)")
    p.add_argument("-o", "--output", metavar="FILE", required=True,
                   help="the brief to write (.html, .pdf or .docx)")
    p.set_defaults(func=_cmd_brief)


def _add_backtest(sub: argparse._SubParsersAction) -> None:
    """The ``backtest`` command: rank real partners as at the date they were chosen."""
    p = sub.add_parser("backtest", help="how often the method ranks real partners near the top",
                       description="Rank each real partner of the arrangements register as at "
                                   "the date it was chosen, with every arrangement the pair "
                                   "shares and its partnership removed (each arrangement "
                                   "counting once), for "
                                   "the weights and four baselines. A full run takes one "
                                   "to two minutes of processor time.")
    _add_data_options(p, drop=False)
    p.add_argument("--weights", metavar="FILE", help=_WEIGHTS_HELP)
    p.add_argument("--max-cases", type=_positive_int, metavar="N",
                   help="score only N cases chosen at random (see --seed)")
    p.add_argument("--seed", type=_non_negative_int, default=0,
                   help="seed for --max-cases (default 0)")
    p.add_argument("-o", "--output", metavar="FILE", help="write a report (.xlsx/.html/.md/.csv)")
    p.set_defaults(func=_cmd_backtest)


def _add_systems_template(sub: argparse._SubParsersAction) -> None:
    """The ``systems-template`` command: a survey workbook of councils' IT systems."""
    p = sub.add_parser("systems-template",
                       help="a survey workbook for officers to fill in councils' IT systems",
                       description="Write an Excel survey listing COUNCILS and the IT functions "
                                   "they run, with drop-down lists of the vendors and products "
                                   "on record (other names may be typed). Read it back with "
                                   "--add-systems.")
    p.add_argument("councils", nargs="+", metavar="COUNCIL",
                   help="council names or codes, or one selector such as county:Lancashire")
    p.add_argument("-o", "--output", metavar="FILE", required=True, help="the .xlsx to write")
    p.add_argument("--as-of", metavar="DATE", help="councils in force on DATE (default today)")
    p.add_argument("--functions", nargs="+", metavar="F",
                   help="only these IT functions, e.g. finance hr_payroll")
    p.set_defaults(func=_cmd_systems_template)


def _add_app(sub: argparse._SubParsersAction) -> None:
    """The ``app`` command: the live weighting workbench in the browser."""
    p = sub.add_parser("app", help="the live weighting workbench in your browser (localhost)",
                       description="Serve the weighting workbench on this computer: move a "
                                   "weight and see the ranking, the map and the robustness "
                                   "change at once. Open the address printed; Ctrl-C stops it. "
                                   "Nothing is fetched from the internet. Needs the app extra: "
                                   "pip install 'partnerfit[app]'.")
    p.add_argument("council", nargs="?",
                   help="council to start with, e.g. Lancaster (default: Lancaster, revenues "
                        "& benefits, 1 June 2009); the page can change it")
    p.add_argument("--service", "-s", help="service id, e.g. revenues_benefits")
    p.add_argument("--as-of", metavar="DATE", help="date of the decision (default today)")
    p.add_argument("--group", nargs="+", metavar="COUNCIL",
                   help="also show the grouping panel for these councils")
    p.add_argument("--port", type=_whole_number(1), default=8866,
                   help="port on 127.0.0.1 (default 8866)")
    p.set_defaults(func=_cmd_app)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser for the ``partnerfit`` command."""
    parser = _Parser(
        prog="partnerfit",
        description="Choose shared-service partners for UK councils: the council register,\n"
                    "ranked partner shortlists, the sharing network and partner groupings.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"partnerfit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _add_councils(sub)
    _add_shortlist(sub)
    _add_network(sub)
    _add_groupings(sub)
    _add_report(sub)
    _add_brief(sub)
    _add_backtest(sub)
    _add_systems_template(sub)
    _add_app(sub)
    for command in sub.choices.values():
        command.add_argument("--run-log", metavar="FILE",
                             help="also write the run's timings and versions to FILE (JSON); "
                                  "reports never hold them, so reruns are byte-identical")
    return parser


#: Facts about the run a command adds for ``--run-log`` (e.g. the solver's time).
_RUN_FACTS: dict[str, Any] = {}


def _write_run_log(path: str, argv: list[str] | None, started: float, wall: str,
                   status: int) -> None:
    """The run log: command, versions, start time, elapsed seconds and the command's facts."""
    import json
    import platform
    import time

    from .export._atomic import write_text

    facts = {"command": ["partnerfit", *(sys.argv[1:] if argv is None else argv)],
             "partnerfit": __version__, "python": platform.python_version(),
             "platform": platform.platform(), "pandas": pd.__version__,
             "started_utc": wall, "seconds": round(time.perf_counter() - started, 3),
             "exit_status": status, **_RUN_FACTS}
    write_text(path, json.dumps(facts, indent=2, default=str) + "\n")


# ----------------------------------------------------------------------------- errors

def _error_lines(exc: BaseException, command: str) -> tuple[str, list[str], str]:
    """The error line, any detail lines, and the hint for a bad-input exception."""
    if isinstance(exc, OSError) and not isinstance(exc, PartnerfitError) and exc.strerror:
        return _os_error_lines(exc)
    text = str(exc.args[0]) if isinstance(exc, (KeyError, FileNotFoundError)) and exc.args \
        and not getattr(exc, "filename", None) else str(exc)
    lines = [line for line in text.strip().splitlines() if line.strip()] or [type(exc).__name__]
    hint = f"run 'partnerfit {command} --help' for usage."
    hints = [line for line in lines[1:] if line.startswith("hint: ")]
    if hints:
        hint = hints[0].removeprefix("hint: ")
    details = [line for line in lines[1:] if not line.startswith("hint: ")]
    if len(details) > _MAX_DETAILS:
        details = details[:_MAX_DETAILS] + [f"... and {len(details) - _MAX_DETAILS} more"]
    first = lines[0]
    if isinstance(exc, UnknownServiceError):
        first, details, hint = _service_error(first)
    elif isinstance(exc, UnknownCouncilError):
        hint = "search the register with: partnerfit councils --search NAME"
    elif isinstance(exc, ServiceNotDeliveredError):
        hint = ("which kinds of council deliver each service is listed in "
                "criteria/services.yaml (delivered_by).")
    elif isinstance(exc, FileNotFoundError):
        hint = "check the path (relative paths start from " + os.getcwd() + ")."
    elif "is not a date" in first:
        hint = "dates are written YYYY-MM-DD, e.g. --as-of 2009-06-01."
    return first, details, hint


#: Problem lines shown under an error (the rest are counted).
_MAX_DETAILS = 25


def _service_error(first: str) -> tuple[str, list[str], str]:
    """An unknown service or family: the library's sentence when it suggests a name, else the
    closest ids; the hint lists the ids."""
    from .services import FAMILIES, services

    family = "service family" in first
    ids = list(FAMILIES) if family else list(services().index)
    hint = ("service families are: " if family else "service ids are: ") + ", ".join(ids)
    sentence = first.split(" Services are:")[0].split(" Families are:")[0]
    if "did you mean" in sentence:
        return sentence, [], hint
    wanted = first.split("'")[1] if first.count("'") >= 2 else ""
    close = [s for s in ids if wanted and wanted.lower() in s] or difflib.get_close_matches(
        wanted, ids, n=3, cutoff=0.6)
    what = "service family" if family else "service"
    first = f"unknown {what} {wanted!r}" + (
        f"; did you mean {' or '.join(close[:3])}?" if close else ".")
    return first, [], hint


def _os_error_lines(exc: OSError) -> tuple[str, list[str], str]:
    """A system error (disk full, no permission ...) as one line and a hint."""
    import errno

    where = f" {exc.filename}" if exc.filename else ""
    first = f"cannot use{where}: {exc.strerror}"
    hints = {
        errno.ENOSPC: "the disk is full; free some space or write to another drive.",
        errno.EACCES: "you may not read or write there; choose another folder, or close the "
                      "file if it is open in Excel.",
        errno.EPERM: "you may not read or write there; choose another folder.",
        errno.ENOENT: "check the path (relative paths start from " + os.getcwd() + ").",
        errno.EROFS: "the drive is read-only; write to another folder.",
        errno.EISDIR: "that is a folder; give a file name.",
    }
    return first, [], hints.get(exc.errno or 0, "check the path and try again.")


def _report_bug(exc: BaseException, argv: list[str] | None) -> int:
    """An unexpected error: one line saying it is a bug, the traceback in a log file."""
    import tempfile
    import traceback

    try:
        fd, log = tempfile.mkstemp(prefix="partnerfit-bug-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f"partnerfit {__version__}, python {sys.version.split()[0]}\n")
            handle.write("command: partnerfit "
                         f"{' '.join(sys.argv[1:] if argv is None else argv)}\n\n")
            handle.write("".join(traceback.format_exception(exc)))
    except OSError as why:  # no log can be written: the traceback goes to stderr instead
        log = f"(no log: {why.strerror}; traceback follows)"
        traceback.print_exception(exc, file=sys.stderr)
    print(f"partnerfit: internal error: {type(exc).__name__}: "
          f"{str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": "), file=sys.stderr)
    print(textwrap.fill(f"hint: this is a bug in partnerfit, not a problem with your input; "
                        f"the details are in {log} - please send that file and the command "
                        "you ran to the maintainers.", WIDTH, subsequent_indent="  "),
          file=sys.stderr)
    return EXIT_BUG


#: Exit status after an unexpected error (a bug); bad input exits with 2.
EXIT_BUG = 1


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Bad input (every :class:`~partnerfit.errors.PartnerfitError`) and system errors (every
    ``OSError``: a missing file, no permission, a full disk) print one line and a hint and
    return 2. Anything else is a bug: one line saying so, and the traceback written to a log
    file ``partnerfit-bug-*.log`` in the system's temporary folder (:func:`tempfile.gettempdir`),
    whose path is printed; return 1.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0
    import datetime as _dt
    import time

    started, wall = time.perf_counter(), _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    _RUN_FACTS.clear()
    status = _run(func, args, argv)
    if getattr(args, "run_log", None):
        try:
            _write_run_log(args.run_log, argv, started, wall, status)
        except (PartnerfitError, OSError) as exc:
            print(f"partnerfit: error: the run log was not written: {exc}", file=sys.stderr)
            return status or EXIT_BAD_INPUT
    return status


def _run(func: Callable[[argparse.Namespace], int], args: argparse.Namespace,
         argv: list[str] | None) -> int:
    """Run a command, turning every error into one line and a hint (see :func:`main`)."""
    try:
        if getattr(args, "run_log", None):
            from .export._atomic import check_target

            check_target(args.run_log)
        return func(args)
    except BrokenPipeError:  # the reader went away (e.g. `| head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("partnerfit: interrupted; nothing was written.", file=sys.stderr)
        return 130
    except (PartnerfitError, OSError) as exc:
        first, details, hint = _error_lines(exc, args.command)
        print(f"partnerfit: error: {first}", file=sys.stderr)
        for extra in details:
            print(f"  {extra.strip()}", file=sys.stderr)
        print(textwrap.fill(f"hint: {hint}", WIDTH, subsequent_indent="  "), file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # noqa: BLE001  # anything else is a bug: logged, not shown raw
        return _report_bug(exc, argv)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

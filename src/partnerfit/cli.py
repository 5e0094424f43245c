"""The ``partnerfit`` command: parses arguments, calls the public API, prints the result.

Bad input (an unknown council, a malformed file) prints one clear line and a hint on stderr and
exits with status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import pandas as pd

from . import __version__
from .errors import PartnerfitError

EXIT_BAD_INPUT = 2

_EPILOG = """examples:
  partnerfit councils --as-of 2009-03-31
  partnerfit councils --search "st albans"
  partnerfit shortlist Lancaster --service revenues_benefits --as-of 2009-06-01
  partnerfit shortlist "North Lincolnshire" -s hr_payroll -o report.xlsx
"""


def _print_table(df: pd.DataFrame, width: int = 80) -> None:
    with pd.option_context("display.width", width, "display.max_columns", 20,
                           "display.max_colwidth", 28, "display.max_rows", 10_000):
        print(df.to_string())


def _cmd_councils(args: argparse.Namespace) -> int:
    from .register import find_council, load_councils, normalise_name

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
        reg = reg[reg["tier"] == args.tier]
    if args.region:
        reg = reg[reg["region"].str.lower() == args.region.lower()]
    when = f"on {args.as_of}" if args.as_of else "2009 to today (every vintage)"
    print(f"{len(reg)} councils {when}")
    counts = reg.groupby(["nation", "tier"]).size().rename("councils").reset_index()
    _print_table(counts.set_index(["nation", "tier"]))
    if args.search or args.tier or args.region or args.list:
        cols = ["name", "tier", "region", "population"]
        table = reg[cols].copy()
        table["population"] = table["population"].map(
            lambda v: "" if pd.isna(v) else f"{v:,.0f}")
        if args.format == "csv":
            reg.to_csv(sys.stdout)
        else:
            print()
            _print_table(table)
    return 0


def _cmd_shortlist(args: argparse.Namespace) -> int:
    from .export import render_markdown, write
    from .links import combine_systems, load_systems
    from .scoring import shortlist

    systems = combine_systems(load_systems(), args.systems) if args.systems else None
    sl = shortlist(args.council, args.service, as_of=args.as_of, weights=args.weights,
                   systems=systems, top=args.top, method=args.method,
                   exclude=args.exclude or (), max_distance_km=args.max_distance)
    if args.output:
        path = write(sl.to_report(top=args.top or 30), args.output,
                     format=None if args.format == "table" else args.format)
        print(f"wrote {path}")
        return 0
    if args.format == "csv":
        sys.stdout.write(sl.table.to_csv(index=False))
    elif args.format == "md":
        sys.stdout.write(render_markdown(sl.to_report(top=args.top or 30, figures=False)))
    elif args.format in ("xlsx", "html"):
        raise ValueError(f"--format {args.format} needs -o FILE")
    else:
        print(sl.summary())
        print()
        t = sl.table[["rank", "name", "code", "score", "distance_km"]].copy()
        t["score"] = t["score"].map(lambda v: f"{v:.1f}")
        t["distance_km"] = t["distance_km"].map(lambda v: f"{v:.0f}")
        _print_table(t.set_index("rank"))
    return 0


def _cmd_network(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from ._dates import to_date, today
    from .network import degree_table, sharing_graph, summary
    from .plot.network import plot_network
    from .register import load_councils

    date = to_date(args.as_of) or today()
    G = sharing_graph(date, service=args.service, family=args.family)
    if args.region:
        reg = load_councils(date)
        keep = reg.index[reg["region"].str.lower() == args.region.lower()]
        if not len(keep):
            raise ValueError(f"no council in region {args.region!r} on {date:%Y-%m-%d}; regions: "
                             + ", ".join(sorted(set(reg["region"]))))
        G = G.subgraph(keep).copy()
    print(summary(G).to_string())
    top = degree_table(G).head(args.top)
    print()
    _print_table(top[[c for c in ("name", "degree", "n_arrangements") if c in top.columns]])
    if args.output:
        from .export._atomic import atomic_path

        fig = plot_network(G)
        with atomic_path(args.output) as tmp:
            fig.savefig(tmp, dpi=150, bbox_inches="tight",
                        format=str(args.output).rsplit(".", 1)[-1])
        print(f"wrote {args.output}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser for the ``partnerfit`` command."""
    parser = argparse.ArgumentParser(
        prog="partnerfit",
        description="Choose shared-service partners for UK councils: the council register, "
                    "ranked partner shortlists, the sharing network and partner groupings.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"partnerfit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("councils", help="list or search the council register on a date",
                       description="List or search the council register on a date.")
    p.add_argument("--as-of", metavar="DATE", help="councils in force on DATE (YYYY-MM-DD)")
    p.add_argument("--search", metavar="TEXT", help="councils whose name contains TEXT")
    p.add_argument("--tier", help="only this tier, e.g. non_metropolitan_district")
    p.add_argument("--region", help="only this region, e.g. 'North West'")
    p.add_argument("--list", action="store_true", help="list every council, not just counts")
    p.add_argument("--format", choices=["table", "csv"], default="table")
    p.set_defaults(func=_cmd_councils)

    p = sub.add_parser("shortlist", help="rank partner councils for one council and service",
                       description="Rank every eligible partner council for COUNCIL and a "
                                   "service, as at a date.")
    p.add_argument("council", help="council name, alias or GSS code, e.g. Lancaster")
    p.add_argument("--service", "-s", required=True,
                   help="service id, e.g. revenues_benefits (see criteria/services.yaml)")
    p.add_argument("--as-of", metavar="DATE", help="date of the decision (default today)")
    p.add_argument("--weights", metavar="FILE",
                   help="weight profile YAML (default: the bundled default profile)")
    p.add_argument("--systems", metavar="FILE", help="your IT systems table (CSV or Excel)")
    p.add_argument("--top", type=int, default=10, help="rows to show (default 10)")
    p.add_argument("--method", choices=["additive", "topsis", "promethee"], default="additive")
    p.add_argument("--exclude", nargs="*", metavar="COUNCIL", help="councils to leave out")
    p.add_argument("--max-distance", type=float, metavar="KM", help="screen out beyond KM")
    p.add_argument("--format", choices=["table", "csv", "xlsx", "html", "md"], default="table")
    p.add_argument("-o", "--output", metavar="FILE", help="write a report (.xlsx/.html/.md/.csv)")
    p.set_defaults(func=_cmd_shortlist)

    p = sub.add_parser("network", help="the existing sharing network: metrics and a map",
                       description="The network of existing shared-service arrangements on a "
                                   "date: who shares most, and a map.")
    p.add_argument("--as-of", metavar="DATE", help="date (default today)")
    p.add_argument("--service", help="only arrangements for this service id")
    p.add_argument("--family", help="only this service family (back_office, customer, ...)")
    p.add_argument("--region", help="only councils in this region, e.g. 'North West'")
    p.add_argument("--top", type=int, default=15, help="rows of the degree table (default 15)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the map (.png or .svg)")
    p.set_defaults(func=_cmd_network)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0
    try:
        return func(args)
    except (PartnerfitError, ValueError, FileNotFoundError, KeyError) as exc:
        message = str(exc).strip().splitlines()
        print(f"partnerfit: error: {message[0]}", file=sys.stderr)
        for extra in message[1:]:
            print(f"  {extra}", file=sys.stderr)
        print(f"hint: run 'partnerfit {args.command} --help' for usage.", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

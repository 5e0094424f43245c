"""The ``partnerfit`` command."""

from __future__ import annotations

import argparse

from . import __version__


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser for the ``partnerfit`` command."""
    parser = argparse.ArgumentParser(
        prog="partnerfit",
        description="Choose shared-service partners for UK councils.",
    )
    parser.add_argument("--version", action="version", version=f"partnerfit {__version__}")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    build_parser().parse_args(argv)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

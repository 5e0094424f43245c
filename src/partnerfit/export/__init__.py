"""Export reports to Excel, HTML, Markdown and CSV.

>>> from partnerfit.export import write
>>> write(report, "shortlist.xlsx")          # doctest: +SKIP

``write`` takes a :class:`partnerfit.report.Report`, or any result object with a
``to_report()`` method (``Shortlist``, ``Plan``, ``Programme``, ``BacktestResult``; their
builders are in :mod:`partnerfit.export.builders`), and chooses the writer from the file's
suffix. Every file is written to a temporary file beside it and moved into place, so a failure
never leaves a half-written file and never damages an existing one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import ExportError
from ..report import Report
from .csvfile import render_csv, write_csv
from .excel import build_workbook, write_excel
from .html import render_html, write_html
from .markdown import render_markdown, write_markdown

__all__ = [
    "FORMATS_BY_SUFFIX",
    "ExportError",
    "as_report",
    "build_workbook",
    "render_csv",
    "render_html",
    "render_markdown",
    "write",
    "write_csv",
    "write_excel",
    "write_html",
    "write_markdown",
]

#: File suffix to export format.
FORMATS_BY_SUFFIX: dict[str, str] = {
    ".xlsx": "xlsx",
    ".html": "html",
    ".htm": "html",
    ".md": "md",
    ".markdown": "md",
    ".csv": "csv",
}

_ALIASES = {
    "xlsx": "xlsx",
    "excel": "xlsx",
    "html": "html",
    "md": "md",
    "markdown": "md",
    "csv": "csv",
}
_OPTIONS: dict[str, set[str]] = {"xlsx": set(), "html": set(), "md": {"figures"}, "csv": {"table"}}
_WRITERS = {"xlsx": write_excel, "html": write_html, "md": write_markdown, "csv": write_csv}


def as_report(obj: Any) -> Report:
    """Return ``obj`` as a Report (itself, or ``obj.to_report()``).

    Parameters
    ----------
    obj : Report or object with ``to_report()``

    Returns
    -------
    Report

    Raises
    ------
    ExportError
        If ``obj`` is neither.
    """
    if isinstance(obj, Report):
        return obj
    to_report = getattr(obj, "to_report", None)
    if callable(to_report):
        report = to_report()
        if isinstance(report, Report):
            return report
    raise ExportError(
        f"Cannot export a {type(obj).__name__}: pass a partnerfit Report or a result "
        "with a to_report() method (Shortlist, Plan ...). For a bare DataFrame use "
        "Report.from_table(title, frame)."
    )


def write(report: Any, path: str | os.PathLike, format: str | None = None, **options: Any) -> Path:
    """Write a report to ``path`` as Excel, HTML, Markdown or CSV.

    Parameters
    ----------
    report : Report or object with ``to_report()``
    path : str or os.PathLike
        Where to write. The suffix chooses the format: ``.xlsx``, ``.html``/``.htm``,
        ``.md``/``.markdown`` or ``.csv``.
    format : {"xlsx", "html", "md", "csv"}, optional
        Needed only when the suffix is none of those (``"excel"`` and ``"markdown"``
        are accepted too). A format that contradicts a known suffix is an error.
    **options
        Passed to the writer: ``table=`` for CSV (which table, by name),
        ``figures="omit"|"files"`` for Markdown.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ExportError
        If the format cannot be chosen, an option does not apply to it, or the file
        cannot be written.
    DataValidationError
        If the report holds something the format cannot store.
    """
    report = as_report(report)
    chosen = _choose_format(path, format)
    _check_options(chosen, options)
    return _WRITERS[chosen](report, path, **options)


def _choose_format(path: str | os.PathLike, format: str | None) -> str:
    """The export format: ``format`` if given (checked against the suffix), else the suffix's."""
    suffix = Path(os.fspath(path)).suffix.lower()
    from_suffix = FORMATS_BY_SUFFIX.get(suffix)
    if format is None:
        if from_suffix is None:
            known = ", ".join(sorted(FORMATS_BY_SUFFIX))
            raise ExportError(
                f"Cannot tell the format of {os.fspath(path)!r} from its suffix "
                f"{suffix or '(none)'!r}; use one of {known} or pass format='xlsx'|'html'|'md'|'csv'."
            )
        return from_suffix
    chosen = _ALIASES.get(str(format).lower())
    if chosen is None:
        raise ExportError(
            f"Unknown export format {format!r}; use 'xlsx', 'html', 'md' or 'csv'."
        )
    if from_suffix is not None and from_suffix != chosen:
        raise ExportError(
            f"format={format!r} contradicts the suffix of {os.fspath(path)!r} "
            f"(which means {from_suffix!r}); change one of them."
        )
    return chosen


def _check_options(chosen: str, options: dict[str, Any]) -> None:
    """Refuse writer options that do not apply to the chosen format."""
    unknown = sorted(set(options) - _OPTIONS[chosen])
    if unknown:
        allowed = ", ".join(sorted(_OPTIONS[chosen])) or "none"
        raise ExportError(
            f"Option(s) {', '.join(unknown)} do not apply to {chosen!r} exports "
            f"(options it takes: {allowed})."
        )

"""Write a report as GitHub-flavoured Markdown, for pasting into Word or a wiki.

Tables are pipe tables with every number formatted per its column format and
right-aligned; text is escaped so that it shows as written. Figures cannot be
embedded in Markdown: by default each is replaced by a note, or, with
``figures="files"``, written as image files beside the Markdown and linked.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import ExportError
from ..formatting import NUMERIC_FORMATS, format_value
from ..report import MARK, Report
from ._atomic import check_target, write_bytes, write_text

#: How figures are handled: left out with a note, or written as side-car image files.
FIGURE_MODES = ("omit", "files")

_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
_LINE_START = re.compile(r"^(\s*)(?:([#>+=-])|(\d+)([.)]))")


def _escape_line_start(line: str) -> str:
    """Stop a line being read as a heading, quote, list item or rule."""

    def fix(match: re.Match) -> str:
        if match.group(2):
            return match.group(1) + "\\" + match.group(2)
        return match.group(1) + match.group(3) + "\\" + match.group(4)

    return _LINE_START.sub(fix, line)


def escape(text: str, *, block: bool = False) -> str:
    """Escape text so Markdown shows it as written; line breaks become ``<br>``.

    Parameters
    ----------
    text : str
    block : bool, default False
        Also escape what would start a heading, list or quote at the start of a line
        (for paragraphs and list items, not needed inside table cells).

    Returns
    -------
    str
    """
    lines = _INLINE_SPECIAL.sub(r"\\\1", str(text)).splitlines()
    if block:
        lines = [_escape_line_start(line) for line in lines]
    return "<br>".join(line.strip() if block else line for line in lines)


def _cell(text: str, numeric: bool = False) -> str:
    """A table cell: one line, special characters escaped (formatted numbers as they are)."""
    return text if numeric else escape(text)


def pipe_table(table) -> str:
    """Return one table as a GitHub pipe table.

    Parameters
    ----------
    table : partnerfit.report.Table

    Returns
    -------
    str
        Header, alignment row (``---:`` for number columns) and one line per row.
    """
    formats = table.column_formats()
    frame = table.display_frame()
    header = "| " + " | ".join(_cell(label) for label in formats) + " |"
    align = (
        "| "
        + " | ".join("---:" if fmt in NUMERIC_FORMATS else "---" for fmt in formats.values())
        + " |"
    )
    lines = [header, align]
    for i, row in enumerate(frame.itertuples(index=False, name=None)):
        cells = [
            _cell(format_value(value, fmt), fmt in NUMERIC_FORMATS)
            + (escape(MARK) if table.mark_of(i, label) else "")
            for label, value, fmt in zip(formats, row, formats.values())
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def render_markdown(report: Report, *, figure_links: dict[int, str] | None = None) -> str:
    """Return the report as Markdown.

    Parameters
    ----------
    report : Report
    figure_links : dict of int to str, optional
        Figure number (1, 2 ...) to the relative path of its image file. Figures
        without a link are replaced by a note saying they are in the HTML report.

    Returns
    -------
    str
    """
    report.validate()
    links = figure_links or {}
    out = [f"# {escape(report.title)}", ""]
    if report.subtitle:
        out += [f"*{escape(report.subtitle).strip()}*", ""]
    meta = []
    if report.generated_for:
        meta.append(f"**Prepared for:** {escape(report.generated_for)}")
    if report.generated_on:
        meta.append(f"**Date:** {report.date_text}")
    if meta:
        out += ["  \n".join(meta), ""]
    table_number = figure_number = 0
    for section in report.sections:
        if section.workbook_only:
            continue
        out += [f"## {escape(section.heading)}", ""]
        for paragraph in section.paragraphs:
            out += [escape(paragraph, block=True), ""]
        for table in section.tables:
            table_number += 1
            caption = f"Table {table_number}: {escape(table.caption or table.name)}"
            out += [f"**{caption}**", "", pipe_table(table), ""]
            if len(table.frame) == 0:
                out += ["*This table has no rows.*", ""]
        for figure in section.figures:
            figure_number += 1
            caption = f"Figure {figure_number}" + (
                f": {escape(figure.caption)}" if figure.caption else ""
            )
            if figure_number in links:
                target = links[figure_number].replace(" ", "%20").replace(")", "%29")
                out += [f"![{escape(figure.alt_text)}]({target})", "", f"*{caption}*", ""]
            else:
                out += [
                    f"*{caption}* (not included in this Markdown file; see the HTML report)",
                    "",
                ]
    out += ["## Sources and assumptions", "", "### Sources", ""]
    out += [f"{n}. {escape(s, block=True)}" for n, s in enumerate(report.sources, 1)] or [
        "None given."
    ]
    out += ["", "### Assumptions", ""]
    out += [f"- {escape(a, block=True)}" for a in report.assumptions] or ["None given."]
    return "\n".join(out) + "\n"


def write_markdown(report: Report, path: str | os.PathLike, *, figures: str = "omit") -> Path:
    """Write the report as Markdown at ``path`` (atomically).

    Parameters
    ----------
    report : Report
    path : str or os.PathLike
        Usually ending ``.md``.
    figures : {"omit", "files"}, default "omit"
        ``"omit"`` replaces each figure by a note. ``"files"`` writes each figure as
        ``<stem>_figures/figure-<n>.png`` (or ``.svg``) beside the Markdown file and
        links to it; every figure is drawn before any file is written.

    Returns
    -------
    pathlib.Path
        The Markdown file written.

    Raises
    ------
    ExportError
        If ``figures`` is unknown, a figure cannot be drawn, or a file cannot be written.
    """
    if figures not in FIGURE_MODES:
        raise ExportError(
            f"figures={figures!r} is not known; use one of: {', '.join(FIGURE_MODES)}."
        )
    target = check_target(path)
    report.validate()
    links: dict[int, str] = {}
    if figures == "files":
        images = [figure.image() for _, figure in report.figures()]  # draw all first
        folder_name = f"{target.stem}_figures"
        if images:
            (target.parent / folder_name).mkdir(exist_ok=True)
        for number, (data, mime) in enumerate(images, 1):
            name = f"figure-{number}.{'png' if mime == 'image/png' else 'svg'}"
            write_bytes(target.parent / folder_name / name, data)
            links[number] = f"{folder_name}/{name}"
    return write_text(target, render_markdown(report, figure_links=links))

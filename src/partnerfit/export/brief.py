"""Write a one-page :class:`~partnerfit.export.builders.brief.Brief` as HTML, PDF or Word.

>>> sl.to_brief("brief.pdf")          # doctest: +SKIP

The format follows the file's suffix: ``.html`` (self-contained, prints on one A4 page),
``.pdf`` (WeasyPrint or an installed Chrome / Chromium / Edge, see :mod:`.pdf`) or ``.docx``
(python-docx). Files are written whole or not at all, and the same brief gives the same bytes.
"""

from __future__ import annotations

import base64
import functools
import os
from importlib import resources
from pathlib import Path

import jinja2
from markupsafe import Markup

from ..errors import ExportError
from ._atomic import check_target, write_bytes
from .builders.brief import Brief
from .docx import brief_docx
from .pdf import html_to_pdf

__all__ = ["BRIEF_SUFFIXES", "render_brief_html", "write_brief"]

#: Suffixes a brief can be written to.
BRIEF_SUFFIXES = (".html", ".htm", ".pdf", ".docx")


@functools.cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(loader=jinja2.PackageLoader("partnerfit", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    return env.get_template("brief.html.j2")


@functools.cache
def _css() -> str:
    return resources.files("partnerfit").joinpath("templates", "brief.css").read_text("utf-8")


def render_brief_html(brief: Brief) -> str:
    """Return the brief as one self-contained HTML page (one A4 page when printed).

    Parameters
    ----------
    brief : Brief

    Returns
    -------
    str
    """
    figure = None
    if brief.figure is not None:
        data, mime = brief.figure.image()
        src = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
        figure = {"src": src, "alt": brief.figure.alt_text,
                  "caption": brief.figure.caption}
    label = f"{brief.verdict_word} ({brief.verdict_colour})" if brief.verdict_colour != "grey" \
        else brief.verdict_word
    return _template().render(brief=brief, figure=figure, css=Markup(_css()),
                              verdict_label=label.capitalize() + ".")


def write_brief(brief: Brief, path: str | os.PathLike, *, pdf_engine: str | None = None) -> Path:
    """Write the brief to ``path``: ``.html``, ``.pdf`` or ``.docx`` (from the suffix).

    Parameters
    ----------
    brief : Brief
    path : str or os.PathLike
    pdf_engine : {"weasyprint", "browser"}, optional
        For ``.pdf``: default WeasyPrint if installed, else an installed browser.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ExportError
        Unknown suffix, missing folder, or the file cannot be written.
    PDFEngineMissingError
        A PDF was asked for and neither WeasyPrint nor a browser is installed.
    """
    target = check_target(path)
    suffix = target.suffix.lower()
    if suffix not in BRIEF_SUFFIXES:
        raise ExportError(f"Cannot write a brief to {str(target)!r}: end the file name with "
                          ".html, .pdf or .docx.")
    if suffix == ".docx":
        data = brief_docx(brief)
    elif suffix == ".pdf":
        data = html_to_pdf(render_brief_html(brief), engine=pdf_engine)
    else:
        data = render_brief_html(brief).encode("utf-8")
    return write_bytes(target, data)

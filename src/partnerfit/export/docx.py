"""Write a one-page brief as a Word document (python-docx, in the ``brief`` extra).

Officers edit in Word, so the brief is plain Word: headings, paragraphs, a table and the map
(with its alt text). The document's dates and the zip entries' times are fixed, so the same
brief gives the same bytes.
"""

from __future__ import annotations

import datetime as _dt
import io
import struct
import zipfile
from typing import TYPE_CHECKING

from ..errors import ExportError

if TYPE_CHECKING:
    from .builders.brief import Brief

__all__ = ["brief_docx"]

#: The date stored in every document's properties: the same bytes on every run.
FIXED_DATE = _dt.datetime(2000, 1, 1, tzinfo=_dt.UTC)

_VERDICT_RGB = {"green": (0x00, 0x70, 0x3C), "amber": (0x8F, 0x43, 0x00),
                "red": (0xAA, 0x2A, 0x16), "grey": (0x50, 0x5A, 0x5F)}


def _import_docx():
    try:
        import docx
    except ImportError as exc:
        raise ExportError("Writing Word needs python-docx: pip install \"partnerfit[brief]\" "
                          "(or pip install python-docx); or write the brief as .html or "
                          ".pdf.") from exc
    return docx


#: Tallest the map may be on the Word page, in mm (the brief stays on one A4 page).
_MAP_MAX_MM = 80


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height in pixels, from the PNG header."""
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _set_alt(picture_shape, alt: str) -> None:
    """Put the alt text on the picture (Word's "Alt Text": the ``descr`` attribute)."""
    inline = picture_shape._inline
    doc_pr = inline.docPr
    doc_pr.set("descr", alt)
    doc_pr.set("title", alt[:100])


def _repack(data: bytes) -> bytes:
    """The same package with every zip entry dated 1 January 1980 (reproducible bytes)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in sorted(source.infolist(), key=lambda i: i.filename):
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def _top_table(document, brief: Brief) -> None:
    table = document.add_table(rows=1, cols=len(brief.top_columns))
    table.style = "Light List Accent 1"
    for cell, label in zip(table.rows[0].cells, brief.top_columns):
        cell.text = label
    for row in brief.top_rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = text


def brief_docx(brief: Brief) -> bytes:
    """Return the brief as the bytes of a Word (.docx) document.

    Parameters
    ----------
    brief : Brief

    Returns
    -------
    bytes

    Raises
    ------
    ExportError
        When python-docx is not installed, or the map cannot be drawn.
    """
    docx = _import_docx()
    from docx.shared import Mm, Pt, RGBColor

    document = docx.Document()
    section = document.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(14))
    document.styles["Normal"].font.size = Pt(9.5)
    props = document.core_properties
    props.title, props.author, props.last_modified_by = brief.title, "partnerfit", "partnerfit"
    props.created = props.modified = props.last_printed = FIXED_DATE
    props.revision = 1
    document.add_heading(brief.title, level=1)
    document.add_paragraph(brief.subtitle)
    if brief.opening:
        document.add_paragraph(brief.opening)
    document.add_heading("Recommendation", level=2)
    document.add_paragraph().add_run(brief.recommendation).bold = True
    document.add_heading("Existing arrangements", level=2)
    for line in brief.existing:
        document.add_paragraph(line, style="List Bullet")
    document.add_heading("Robustness", level=2)
    verdict = document.add_paragraph()
    badge = verdict.add_run(brief.verdict_word.upper() + ". ")
    badge.bold = True
    badge.font.color.rgb = RGBColor(*_VERDICT_RGB.get(brief.verdict_colour, (0, 0, 0)))
    verdict.add_run(brief.verdict_text)
    document.add_heading(brief.top_heading, level=2)
    _top_table(document, brief)
    if brief.figure is not None:
        data, mime = brief.figure.image()
        if mime != "image/png":
            raise ExportError("The brief's map must be a PNG image for Word.")
        run = document.add_paragraph().add_run()
        width, height = _png_size(data)
        # 95 mm wide, unless that makes a tall map (a county plan) push the page past one
        size = {"width": Mm(95)} if height * 95 <= width * _MAP_MAX_MM else \
            {"height": Mm(_MAP_MAX_MM)}
        _set_alt(run.add_picture(io.BytesIO(data), **size), brief.figure.alt_text)
        document.add_paragraph(brief.figure.caption).runs[0].italic = True
    for note in [*brief.notes, "Sources. " + "; ".join(brief.sources)]:
        document.add_paragraph(note).runs[0].font.size = Pt(7.5)
    buffer = io.BytesIO()
    document.save(buffer)
    return _repack(buffer.getvalue())

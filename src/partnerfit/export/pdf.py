"""Print a self-contained HTML page to an A4 PDF, with or without a browser.

WeasyPrint (``pip install "partnerfit[brief]"``) is used when it is installed; otherwise an
installed Chrome, Chromium or Edge prints the page headless. The PDF's dates are fixed, so the
same page gives the same bytes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import ExportError, PDFEngineMissingError

__all__ = ["ENGINES", "find_browser", "html_to_pdf", "pdf_engine"]

#: Engines tried in this order.
ENGINES = ("weasyprint", "browser")

_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome",
             "msedge", "microsoft-edge", "microsoft-edge-stable")
_WINDOWS_PATHS = (r"Google\Chrome\Application\chrome.exe", r"Microsoft\Edge\Application\msedge.exe")
_MAC_PATHS = ("/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
              "/Applications/Chromium.app/Contents/MacOS/Chromium",
              "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge")
#: The date written into every PDF (PDF date syntax): the same bytes on every run.
FIXED_PDF_DATE = b"D:20000101000000+00'00'"

_MISSING = ("Cannot write a PDF: neither WeasyPrint nor a Chrome, Chromium or Edge browser is "
            "installed. Install one of them: pip install \"partnerfit[brief]\" (WeasyPrint), or "
            "install Google Chrome, Chromium or Microsoft Edge; or write the brief as .html or "
            ".docx instead.")


def find_browser() -> str | None:
    """The path of an installed Chrome, Chromium or Edge, or None.

    Returns
    -------
    str or None
    """
    for name in _BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    roots = [os.environ.get(v, "") for v in ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA")]
    candidates = [os.path.join(r, p) for r in roots if r for p in _WINDOWS_PATHS]
    for path in [*candidates, *_MAC_PATHS]:
        if os.path.isfile(path):
            return path
    return None


def _has_weasyprint() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):  # OSError: WeasyPrint without its Pango libraries
        return False
    return True


def pdf_engine(engine: str | None = None) -> str:
    """The engine that will print PDFs: ``"weasyprint"`` or ``"browser"``.

    Parameters
    ----------
    engine : {"weasyprint", "browser"}, optional
        Ask for one; default the first available.

    Returns
    -------
    str

    Raises
    ------
    PDFEngineMissingError
        When the engine asked for (or any engine) is not installed; the message says what to
        install.
    """
    if engine is not None and engine not in ENGINES:
        raise ExportError(f"Unknown PDF engine {engine!r}; use 'weasyprint' or 'browser'.")
    if engine in (None, "weasyprint") and _has_weasyprint():
        return "weasyprint"
    if engine in (None, "browser") and find_browser():
        return "browser"
    raise PDFEngineMissingError(_MISSING)


def _fix_dates(data: bytes) -> bytes:
    """Replace the creation and modification dates by :data:`FIXED_PDF_DATE`, keeping every
    byte offset (the cross-reference table stays valid)."""
    def fixed(match: re.Match) -> bytes:
        old = match.group(2)
        new = FIXED_PDF_DATE[: len(old)].ljust(len(old), b"0") if len(old) >= 16 else old
        return match.group(1) + new

    data = re.sub(rb"(/(?:CreationDate|ModDate)\s*\()([^)]*)", fixed, data)
    return re.sub(rb"(<xmp:(?:CreateDate|ModifyDate|MetadataDate)>)([^<]*)",
                  lambda m: m.group(1) + b"2000-01-01T00:00:00+00:00"[: len(m.group(2))]
                  .ljust(len(m.group(2)), b" "), data)


def _with_browser(html: str) -> bytes:
    browser = find_browser()
    if browser is None:
        raise PDFEngineMissingError(_MISSING)
    with tempfile.TemporaryDirectory(prefix="partnerfit-pdf-") as folder:
        page = Path(folder) / "page.html"
        page.write_text(html, encoding="utf-8")
        out = Path(folder) / "page.pdf"
        command = [browser, "--headless", "--no-sandbox", "--disable-gpu",
                   f"--user-data-dir={Path(folder) / 'profile'}", "--no-pdf-header-footer",
                   f"--print-to-pdf={out}", page.as_uri()]
        try:
            done = subprocess.run(command, check=False, capture_output=True, text=True,
                                  timeout=180)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ExportError(f"The browser {browser!r} could not print the PDF ({exc}). "
                              "Install WeasyPrint (pip install \"partnerfit[brief]\") or "
                              "write .html and print it from the browser.") from exc
        if not out.is_file():
            raise ExportError(f"The browser {browser!r} did not print the PDF "
                              f"({done.stderr.strip()[-300:] or 'no message'}). Install "
                              "WeasyPrint (pip install \"partnerfit[brief]\") or write .html "
                              "and print it from the browser.")
        return out.read_bytes()


def html_to_pdf(html: str, *, engine: str | None = None) -> bytes:
    """Print an HTML page (self-contained: no external files) to PDF bytes.

    Parameters
    ----------
    html : str
    engine : {"weasyprint", "browser"}, optional
        Default: WeasyPrint if installed, else an installed browser.

    Returns
    -------
    bytes
        The PDF, with fixed creation and modification dates.

    Raises
    ------
    PDFEngineMissingError
        When no engine is installed (the message says what to install).
    ExportError
        When the engine fails.
    """
    chosen = pdf_engine(engine)
    if chosen == "weasyprint":
        import weasyprint

        data = weasyprint.HTML(string=html).write_pdf()
    else:
        data = _with_browser(html)
    return _fix_dates(bytes(data))

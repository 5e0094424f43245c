"""``partnerfit app``: the workbench in the browser, served on this computer by Voila.

Voila runs a notebook that shows :func:`partnerfit.workbench` and serves the page, its
scripts, styles and widget code from localhost only: the page needs no network access. One
command starts it; Ctrl-C stops it (and the notebook's kernel with it).

Voila and ipywidgets come with the ``app`` extra (``pip install 'partnerfit[app]'``); without
them the command says so before doing anything else.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from ..errors import PartnerfitError

__all__ = ["app_command", "app_notebook", "check_app_installed", "serve"]

#: Default port (Voila's own default).
PORT = 8866


def check_app_installed() -> None:
    """Raise a clear error naming the extra when Voila or ipywidgets is missing."""
    missing = [m for m in ("voila", "ipywidgets", "ipykernel") if not _installed(m)]
    if missing:
        raise PartnerfitError(
            f"partnerfit app needs {', '.join(missing)}, which are not installed. Install "
            "the app extra: pip install 'partnerfit[app]'")


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


def app_notebook(council: str | None, service: str | None, as_of: str | None,
                 grouping: list[str] | None = None) -> dict[str, Any]:
    """The notebook Voila runs: the workbench for the council, service and date given.

    Parameters
    ----------
    council, service : str or None
        Where the workbench starts (default Lancaster, revenues & benefits, 1 June 2009);
        the pickers on the page change them.
    as_of : str or None
        The date (default: today when a council is given, else 1 June 2009).
    grouping : list of str, optional
        Councils for the grouping panel (shown below the workbench).

    Returns
    -------
    dict
        The notebook (nbformat 4) as plain data.
    """
    if council is None:
        council, service, as_of = "Lancaster", service or "revenues_benefits", \
            as_of or "2009-06-01"
    lines = ["import partnerfit as pf",
             (f"wb = pf.workbench({council!r}, {service or 'revenues_benefits'!r}, "
              f"as_of={as_of!r})"),
             "wb"]
    cells: list[dict[str, Any]] = [
        {"cell_type": "code", "execution_count": None, "id": "workbench", "metadata": {},
         "outputs": [], "source": "\n".join(lines)}]
    if grouping:
        cells.append({"cell_type": "code", "execution_count": None, "id": "grouping",
                      "metadata": {},
                      "outputs": [], "source": (
                          "from partnerfit.workbench.grouping_panel import grouping_panel\n"
                          f"grouping_panel({grouping!r}, [{service or 'revenues_benefits'!r}],"
                          f" as_of={as_of!r})")})
    return {"nbformat": 4, "nbformat_minor": 5, "cells": cells,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                        "language": "python"},
                         "language_info": {"name": "python"}}}


_REMOTE_TAG = re.compile(r"<(?:link|script)\b[^>]*\b(?:href|src)=[\"']https?://[^>]*>"
                         r"(?:\s*</script>)?", re.IGNORECASE)


def offline_template(folder: Path) -> Path:
    """A copy of Voila's ``lab`` page template under ``folder`` without the tags that load
    files from the internet (the Font Awesome style sheets on a CDN; Voila's own scripts
    already carry those styles and fonts). Returns the Jupyter data folder that holds it, for
    ``JUPYTER_PATH``; the template is called ``partnerfit``."""
    from jupyter_core.paths import jupyter_path

    found = [Path(p) for p in jupyter_path("voila", "templates", "lab") if Path(p).is_dir()]
    if not found:
        raise PartnerfitError("Voila's page template 'lab' was not found; reinstall the app "
                              "extra: pip install --force-reinstall 'partnerfit[app]'")
    data = folder / "jupyter"
    target = data / "voila" / "templates" / "partnerfit"
    shutil.copytree(found[0], target)
    for page in target.rglob("*.j2"):
        text = page.read_text(encoding="utf-8")
        page.write_text(_REMOTE_TAG.sub("", text), encoding="utf-8")
    # the rest of the page (Voila's and nbconvert's own templates) comes from 'lab'
    (target / "conf.json").write_text(json.dumps({"base_template": "lab"}), encoding="utf-8")
    return data


def free_port(port: int) -> bool:
    """True when ``port`` on 127.0.0.1 can be listened on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def app_command(notebook: Path, port: int) -> list[str]:
    """The Voila command line: localhost only, no browser opened, sources hidden."""
    return [sys.executable, "-m", "voila", str(notebook), f"--port={port}", "--no-browser",
            "--Voila.ip=127.0.0.1", "--strip_sources=True", "--theme=light",
            "--template=partnerfit", "--VoilaConfiguration.show_tracebacks=False"]


def serve(council: str | None = None, service: str | None = None, as_of: str | None = None,
          *, port: int = PORT, grouping: list[str] | None = None) -> int:
    """Serve the workbench on http://127.0.0.1:PORT until Ctrl-C; return the exit status."""
    check_app_installed()
    if council is not None:  # a wrong name is said here, not on the page
        from .._dates import to_date, today
        from ..register import find_council
        from ..services import check_delivers, check_service

        date = to_date(as_of) or today()
        code = find_council(council, date)
        check_service(service or "revenues_benefits")
        check_delivers(code, service or "revenues_benefits", date)
    if not free_port(port):
        raise PartnerfitError(f"port {port} is in use on this computer; give another with "
                              "--port, e.g. --port 8877.")
    folder = Path(tempfile.mkdtemp(prefix="partnerfit-app-"))
    notebook = folder / "Partnerfit workbench.ipynb"
    notebook.write_text(json.dumps(app_notebook(council, service, as_of, grouping), indent=1),
                        encoding="utf-8")
    env = dict(os.environ)
    data = offline_template(folder)
    env["JUPYTER_PATH"] = os.pathsep.join([str(data), *filter(None, [env.get("JUPYTER_PATH")])])
    print(f"partnerfit app: the workbench is at http://127.0.0.1:{port}/ "
          "(press Ctrl-C to stop)", flush=True)
    proc = subprocess.Popen(app_command(notebook, port), cwd=folder, env=env)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        print("partnerfit app: stopped.", flush=True)
        return 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)

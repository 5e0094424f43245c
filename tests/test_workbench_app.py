"""Tests for ``partnerfit app`` (partnerfit.workbench.app).

The browser test starts the command as an officer would, opens the page in headless
Chromium (Debian's ``chromium``, driven by Playwright, which downloads no browser here) with
every request to anything but localhost refused and recorded, moves a slider, and checks the
ranked table against an independent ``pf.shortlist(..., weights=...)``; screenshots before and
after are kept in the test's folder. Ctrl-C (SIGINT) must stop the server. It skips when
Chromium, Playwright or Voila is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import partnerfit as pf
from partnerfit.workbench.app import app_notebook, offline_template

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SERVICE, AS_OF = "revenues_benefits", "2009-06-01"
#: The workbench ranks councils (partnership candidates and the two-way view are in the
#: shortlist itself), so its shortlists are made, and compared, with these options.
COUNCILS_ONLY = {"partnerships": False, "two_way": False}

_BLOCK = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('voila', 'ipywidgets', 'ipykernel'):
            raise ModuleNotFoundError(name)
sys.meta_path.insert(0, Block())
from partnerfit.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _cli_without_extras(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _BLOCK, *args], capture_output=True,
                          text=True, timeout=120, check=False)


def test_help_works_without_the_extra():
    r = _cli_without_extras("app", "--help")
    assert r.returncode == 0, r.stderr
    assert "Ctrl-C stops it" in r.stdout and "partnerfit[app]" in r.stdout


def test_running_without_the_extra_names_it():
    r = _cli_without_extras("app")
    assert r.returncode == 2
    assert "pip install 'partnerfit[app]'" in r.stderr
    assert "voila" in r.stderr


def test_bad_council_is_said_before_serving():
    pytest.importorskip("voila")
    r = subprocess.run([sys.executable, "-m", "partnerfit.cli", "app", "Lancastre", "-s",
                        SERVICE, "--as-of", AS_OF], capture_output=True, text=True,
                       timeout=120, check=False)
    assert r.returncode == 2
    assert "Lancaster" in r.stderr  # the close match offered


def test_notebook_and_offline_template(tmp_path):
    nb = app_notebook("Lancaster", SERVICE, AS_OF)
    assert nb["cells"][0]["source"].splitlines()[1] == (
        "wb = pf.workbench('Lancaster', 'revenues_benefits', as_of='2009-06-01')")
    grouped = app_notebook("Lancaster", SERVICE, AS_OF, grouping=["Burnley", "Pendle"])
    assert "grouping_panel(['Burnley', 'Pendle'], ['revenues_benefits']" in \
        grouped["cells"][1]["source"]
    pytest.importorskip("voila")
    data = offline_template(tmp_path)
    pages = list((data / "voila" / "templates" / "partnerfit").rglob("*.j2"))
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "cdn.jsdelivr" not in text and 'href="http' not in text, page
    assert json.loads((pages[0].parent / "conf.json").read_text())["base_template"] == "lab"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f"partnerfit app stopped early: {proc.stdout.read()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise AssertionError(f"partnerfit app did not listen on {port} in {seconds} s")


def _names(page) -> list[str]:
    return page.eval_on_selector_all(
        "tr[data-code]", "rows => rows.map(r => r.querySelectorAll('td')[2].textContent)")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_app_in_headless_chromium_offline(tmp_path):
    pytest.importorskip("voila")
    sync_api = pytest.importorskip("playwright.sync_api")
    port = _free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "partnerfit.cli", "app", "Lancaster", "-s",
                             SERVICE, "--as-of", AS_OF, "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env, cwd=tmp_path)
    outside: list[str] = []
    try:
        _wait_for_port(port, proc, 120)
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox",
                      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"])
            page = browser.new_page(viewport={"width": 1500, "height": 1000})

            def route(r):
                url = r.request.url
                if url.startswith((f"http://127.0.0.1:{port}/", "data:", "blob:")):
                    return r.continue_()
                outside.append(url)
                return r.abort()

            page.route("**/*", route)
            page.goto(f"http://127.0.0.1:{port}/", timeout=180_000)
            page.wait_for_selector("tr[data-code]", timeout=180_000)
            page.screenshot(path=str(tmp_path / "before.png"), full_page=True)
            before = _names(page)
            # move the first slider (Geography: distance) to 0 through its readout
            readout = page.locator(".widget-readout").first
            readout.click()
            page.keyboard.press("Control+A")
            page.keyboard.type("0")
            page.keyboard.press("Enter")
            page.wait_for_function(
                "before => { const r = [...document.querySelectorAll('tr[data-code]')]"
                ".map(r => r.querySelectorAll('td')[2].textContent);"
                " return r.length && r.join('|') !== before.join('|'); }",
                arg=before, timeout=120_000)
            page.wait_for_timeout(500)
            page.screenshot(path=str(tmp_path / "after.png"), full_page=True)
            after = _names(page)
            browser.close()
        assert outside == [], f"the page fetched from outside localhost: {outside}"
        weights = pf.default_weights(SERVICE) * 100
        weights["distance"] = 0.0
        fresh = pf.shortlist("Lancaster", SERVICE, as_of=AS_OF, **COUNCILS_ONLY, weights=weights.to_dict())
        assert before == list(pf.shortlist("Lancaster", SERVICE, as_of=AS_OF, **COUNCILS_ONLY)
                              .table["name"].head(15))
        assert after == list(fresh.table["name"].head(15))
        keep = os.environ.get("PARTNERFIT_SCREENSHOTS")
        if keep:
            for name in ("before.png", "after.png"):
                shutil.copy(tmp_path / name, Path(keep) / name)
        # Ctrl-C stops it
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0
        assert "stopped" in out
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

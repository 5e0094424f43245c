"""The installed package finds its bundled data: build a wheel, install it elsewhere, load."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("hatchling")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps",
                    "--no-build-isolation", "-q", "-w", str(out)], check=True)
    (whl,) = out.glob("partnerfit-*.whl")
    return whl


def test_wheel_contains_the_bundled_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for f in ("partnerfit/data/councils/councils.csv", "partnerfit/data/councils/adjacency.csv",
              "partnerfit/data/criteria/services.yaml"):
        assert f in names


def test_wheel_installed_outside_the_repository_loads_its_data(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(target), str(wheel)], check=True)
    code = ("import partnerfit as pf, pathlib;"
            "assert pathlib.Path(pf.__file__).is_relative_to(pathlib.Path.cwd()), pf.__file__;"
            "print(len(pf.load_councils('2009-04-01')), pf.find_council('Lancaster'))")
    run = subprocess.run([sys.executable, "-c", code], cwd=target, capture_output=True,
                         text=True, env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
                         check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["407", "E07000121"]

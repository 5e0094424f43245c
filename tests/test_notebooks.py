"""The worked-case notebooks: stored without outputs, and each executes cleanly.

Execution uses nbclient (installed with nbmake) on the ``python3`` kernel, on a copy of the
notebook in a fresh folder that is also the working directory, as an officer would open it; a
notebook that exports writes into ``exports/`` beside itself (issue 18), and nothing else.
"""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
EXPECTED = [
    "01_lancaster_2009_revenues_benefits.ipynb",
    "02_carlisle_cumbria_ace.ipynb",
    "03_lgss_2009_cambridgeshire.ipynb",
    "04_north_lincolnshire_2014.ipynb",
    "05_national_network.ipynb",
    "06_backtest_and_calibration.ipynb",
    "07_weighting_workbench.ipynb",
]
KERNEL = "python3"
TIMEOUT = 300


def _read(path: Path):
    nbformat = pytest.importorskip("nbformat")
    return nbformat.read(path, as_version=4)


def test_all_worked_cases_present():
    assert [p.name for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_stored_without_outputs(path: Path):
    nb = _read(path)
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            problems.append(f"cell {i} has {len(cell['outputs'])} output(s)")
        if cell.get("execution_count") is not None:
            problems.append(f"cell {i} has execution_count {cell['execution_count']}")
    assert not problems, (
        f"{path.name} was saved with outputs ({'; '.join(problems)}); clear them with "
        f"`jupyter nbconvert --clear-output --inplace notebooks/{path.name}`")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_format_and_kernel(path: Path):
    nb = _read(path)
    assert nb.nbformat == 4
    assert nb.metadata["kernelspec"]["name"] == KERNEL
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert "Parameters" in first_code.source, "the first code cell must hold the parameters"


def _require_kernel() -> None:
    kernelspec = pytest.importorskip("jupyter_client.kernelspec")
    if KERNEL not in kernelspec.find_kernel_specs():
        pytest.skip(f"no Jupyter kernel named {KERNEL!r} is installed "
                    "(install ipykernel in this environment to run the notebooks)")


#: Notebooks that write exports, into ``exports/`` next to themselves.
EXPORTS = {"01_lancaster_2009_revenues_benefits", "06_backtest_and_calibration",
           "07_weighting_workbench"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(path: Path, tmp_path: Path):
    _require_kernel()
    nbclient = pytest.importorskip("nbclient")
    nb = _read(path)
    (tmp_path / path.name).write_bytes(path.read_bytes())
    client = nbclient.NotebookClient(nb, timeout=TIMEOUT, kernel_name=KERNEL,
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError naming the failing cell
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    stderr = [o.text for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "stream" and o.name == "stderr"]
    assert not any("Warning" in t for t in stderr), "\n".join(stderr)
    images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                 for o in c.outputs)
    assert images >= 1, f"{path.name} shows no figure"
    # exports go to exports/ beside the notebook, and nothing else is left there
    beside = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
    wanted = [path.name, "exports"] if path.stem in EXPORTS else [path.name]
    assert beside == sorted(wanted)
    if path.stem in EXPORTS:
        assert any((tmp_path / "exports").iterdir())
    assert sorted(p.name for p in NOTEBOOKS_DIR.iterdir()
                  if not p.name.startswith(".")) == EXPECTED

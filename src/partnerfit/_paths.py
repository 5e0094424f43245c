"""Locate the bundled data: ``councils/`` and ``criteria/``.

The canonical copies live once, at the repository root. A wheel carries them inside the package
(``partnerfit/data/...``, see ``pyproject.toml``); an editable install reads the repository's.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """Return the directory holding bundled data ``name`` (``"councils"`` or ``"criteria"``).

    Parameters
    ----------
    name : str
        Top-level data directory name.

    Returns
    -------
    pathlib.Path
        The packaged copy if present (installed wheel), otherwise the repository's copy.
    """
    for candidate in (_PACKAGE / "data" / name, _PACKAGE.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"partnerfit's bundled '{name}' directory was not found next to the package "
        f"({_PACKAGE / 'data' / name}) or in the source tree; reinstall partnerfit."
    )


def bundled(name: str, filename: str) -> Path:
    """Path of one bundled file, e.g. ``bundled("councils", "councils.csv")``."""
    return data_dir(name) / filename

"""Why a council is left alone in a plan, in words an officer can check.

With pair scores in the group value, a pair adds ``score - min_pair_score`` to the plan, so a
council whose best pair score among the councils it could join is below ``min_pair_score``
gains nothing from any partner. Otherwise its best partner was worth more elsewhere, or the
constraints (borders, group size, distance, pairs kept apart) rule the pair out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..services import services

__all__ = ["alone_reason"]


def _score_text(score: float, threshold: float) -> str:
    """A score rounded so that it never reads as equal to the threshold it misses or meets."""
    whole = f"{score:.0f}"
    return whole if round(score) != round(threshold) or score == threshold else f"{score:.1f}"


def alone_reason(code: str, service: str, pair: np.ndarray, codes: Sequence[str],
                 eligible: set[str], threshold: float, names: Mapping[str, str]) -> str:
    """The reason ``code`` stays alone for ``service``.

    Parameters
    ----------
    code : str
        The council left alone.
    service : str
        Service id.
    pair : numpy.ndarray
        Pair scores less ``threshold`` (``codes`` order; the diagonal is ignored).
    codes : sequence of str
        The plan's councils, in the order of ``pair``.
    eligible : set of str
        Councils that deliver the service (possible partners).
    threshold : float
        ``min_pair_score``: the pair score a group needs to add value.
    names : mapping of str to str
        Code to council name.

    Returns
    -------
    str
    """
    cat = services()
    svc = str(cat.at[service, "name"]) if service in cat.index else service
    svc = svc if svc.split(" ", 1)[0].isupper() else svc[:1].lower() + svc[1:]
    name = names.get(code, code)
    i = list(codes).index(code)
    others = [j for j, c in enumerate(codes) if c != code and c in eligible]
    if not others:
        return f"{name} keeps delivering {svc} itself: no other council in the plan delivers it"
    raw = pd.Series({codes[j]: float(pair[i, j]) + threshold for j in others})
    raw = raw.sort_index().sort_values(ascending=False, kind="mergesort")
    best, partner = float(raw.iloc[0]), names.get(str(raw.index[0]), str(raw.index[0]))
    shown, need = _score_text(best, threshold), f"{threshold:g}"
    if best < threshold:
        return (f"{name} keeps delivering {svc} itself: its best pair score, {shown} (with "
                f"{partner}), is below the {need} a group needs")
    return (f"{name} keeps delivering {svc} itself: its best pair score, {shown} (with "
            f"{partner}), reaches the {need} a group needs, but {partner} adds more to the plan "
            "elsewhere or the constraints (borders, group size, distance) rule the pair out")

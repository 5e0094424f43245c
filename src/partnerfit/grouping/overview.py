"""A plan in plain English: one row per group, and the lines of its summary.

Shared by :class:`~partnerfit.grouping.plan.Plan` (``summary()``, the notebook view) and the
plan report (:func:`partnerfit.export.builders.plan_report`), so that both say the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..formatting import format_date

if TYPE_CHECKING:
    from .plan import Plan

__all__ = ["group_overview", "summary_lines"]


def _plural(k: int, word: str) -> str:
    return f"{k} {word}{'' if k == 1 else 's'}"


def group_overview(groups: pd.DataFrame) -> pd.DataFrame:
    """One row per (group, service) of a plan's groups table: its model, lead and reason.

    Parameters
    ----------
    groups : pandas.DataFrame
        :attr:`Plan.groups` (one row per group, service and council).

    Returns
    -------
    pandas.DataFrame
        Columns ``group, service, model, lead`` (the lead council's name; empty when there is
        none), ``members`` (names, comma-separated, in the table's order) and ``reason``
        (stated once), in the order the groups first appear.
    """
    rows = []
    for (gid, svc), grp in groups.groupby(["group", "service"], sort=False):
        leads = grp.loc[grp["role"] == "lead", "name"].tolist()
        rows.append({"group": gid, "service": svc, "model": grp["model"].iloc[0],
                     "lead": ", ".join(leads), "members": ", ".join(grp["name"]),
                     "reason": grp["reason"].iloc[0]})
    return pd.DataFrame(rows, columns=["group", "service", "model", "lead", "members",
                                       "reason"])


def summary_lines(plan: Plan, *, why: bool) -> list[str]:
    """The lines of a plan's summary.

    Parameters
    ----------
    plan : Plan
    why : bool
        Follow each group of two or more with its reason (stated once per group).

    Returns
    -------
    list of str
        The headline (groups, services, objective, bound, gap, status, solver; not the solve
        time, which differs between runs and is ``plan.time_s``), one line per
        group, then one line per note.
    """
    g = plan.groups
    day = f" for {format_date(plan.as_of, long=True)}" if plan.as_of is not None else ""
    lines = [(f"Plan{day}: {_plural(g['group'].nunique(), 'group')} over "
              f"{_plural(g['service'].nunique(), 'service')}, objective {plan.objective:.4g}, "
              f"bound {plan.bound:.4g}, gap {plan.gap:.2%} ({plan.status}, {plan.solver}, "
              f"{plan.n_columns:,} candidate groups)")]
    for (svc, gid), rows in g.groupby(["service", "group"], sort=False):
        names = ", ".join(f"{r.name}{' (lead)' if r.role == 'lead' else ''}"
                          for r in rows.itertuples())
        lines.append(f"  {svc} #{gid} [{rows['model'].iloc[0]}]: {names}")
        if why and len(rows) > 1:
            lines.append(f"      why: {rows['reason'].iloc[0]}")
    lines += [f"Note: {n}" for n in plan.notes]
    return lines

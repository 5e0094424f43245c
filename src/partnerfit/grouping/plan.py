"""The ``Plan`` result: proposed groups per service, with roles, models and reasons.

``Plan.groups`` has one row per (group, service, council). ``Plan.verify()`` re-checks the
plan from scratch against the :class:`PlanSpec` it was built for (independently of the
solver): every eligible council exactly once per service, group sizes, contiguity on the
given adjacency, maximum distance, must/must-not pairs, councils that must be grouped, fixed
arrangements kept, roles consistent with the delivery model, and the objective recomputed
from the group values.

Delivery model and lead
-----------------------
Each group's delivery model (alone / sovereign / federal / joint committee / company) and
lead council are chosen by the documented rule of :func:`partnerfit.delivery.
choose_delivery_model` (existing host, scale, record, shared IT system, else federal) *after*
the optimisation, from the facts :func:`build_plan` is given. This is exact, not a shortcut,
because in the current value model the delivery model does not change a group's value: the
pair scores do not depend on it, and the savings model charges the same one-off IT migration
(every member but the one with the largest cost base moves system) whoever leads and
whichever system is adopted. Every row of :attr:`Plan.groups` carries the reason;
:meth:`Plan.summary` and :meth:`Plan.to_report` state each group's reason once.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import DataValidationError, PlanVerificationError
from .appraisal import capacity_problems, cash_flows, council_npv, model_problems
from .overview import group_overview, summary_lines
from .status import HasSolveStatus, SolveStatus, relative_gap

if TYPE_CHECKING:
    from ..report import Report

__all__ = ["Plan", "PlanSpec", "PlanVerificationError", "build_plan"]

COLUMNS = ["group", "service", "council", "name", "role", "model", "reason"]


@dataclass
class PlanSpec:
    """What a plan must satisfy (the constraints it was solved under).

    Attributes
    ----------
    codes : list of str
        Council code of each node index.
    eligible : dict
        Service -> set of codes that take part (each must be in exactly one group).
    value_functions : dict
        Service -> callable(list of node indices) -> float, the value of one group.
    min_size, max_size : int
        Bounds for groups of two or more.
    alone_allowed : set of str or None
        Codes that may stay alone (None: all may).
    edges : numpy.ndarray or None
        Adjacency (node index pairs) for the contiguity check.
    contiguous : bool
    max_distance : float or None
    distance : numpy.ndarray or None
    must_pairs, forbidden_pairs : list of (str, str)
    must_group : set of str
        Codes that may not stay alone (in any service they take part in).
    fixed : dict
        Service -> list of code lists that must appear as groups exactly.
    consistency : float or numpy.ndarray
        Value per pair per shared service beyond the first.
    option_values : dict, optional
        With the optimiser choosing delivery models: service -> callable(node list, model,
        lead code or None, status, arrangement id) -> value of that option, replacing
        ``value_functions``.
    models : tuple of str, optional
        Delivery models offered (checked by :meth:`Plan.verify`).
    lead_capacity : dict, optional
        Code -> most services it may lead.
    min_lead_strength : float, optional
        Smallest strength of a sovereign lead.
    lead_strength : dict, optional
        Service -> callable(lead code, node list) -> its lead strength.
    """

    codes: list
    eligible: dict
    value_functions: dict
    min_size: int = 2
    max_size: int = 4
    alone_allowed: set | None = None
    edges: np.ndarray | None = None
    contiguous: bool = True
    max_distance: float | None = None
    distance: np.ndarray | None = None
    must_pairs: list = field(default_factory=list)
    forbidden_pairs: list = field(default_factory=list)
    must_group: set = field(default_factory=set)
    fixed: dict = field(default_factory=dict)
    consistency: object = 0.0
    option_values: dict | None = None
    models: tuple | None = None
    lead_capacity: dict | None = None
    min_lead_strength: float | None = None
    lead_strength: dict | None = None


@dataclass
class Plan(HasSolveStatus):
    """Proposed partner groupings with delivery models.

    Attributes
    ----------
    groups : pandas.DataFrame
        One row per (group, service, council): ``group`` (int id), ``service``,
        ``council`` (GSS code), ``name``, ``role`` (lead / partner / alone), ``model``
        (alone / sovereign / federal / joint_committee / company), ``reason`` (the group's
        delivery reason and, with cost data, its savings estimate; the same on every row of
        the group). The model and lead follow the documented rule of
        :mod:`partnerfit.delivery`, applied after the optimisation because the model does
        not change a group's value (see the module docstring).
    solve_status : SolveStatus
        The solve's objective, bound, gap, status, solver, time and candidate groups; each
        is also an attribute of the plan (``plan.objective`` ...):
    objective, bound, gap : float
        Objective value, proven upper bound and relative gap.
    status : str
        ``optimal`` or ``time_limit``.
    solver : str
    time_s : float
    n_columns : int
        Candidate groups considered.
    spec : PlanSpec or None
        Constraints, used by :meth:`verify`.
    as_of : datetime.date or None
        Date of the map, arrangements and systems the plan was made for.
    councils : pandas.DataFrame or None
        Register snapshot of the plan's councils (indexed by code; ``name``, ``tier``,
        ``population``, ``easting``, ``northing`` ...), used by :meth:`plot`.
    constraints : dict
        The constraints and options the plan was solved under, as given (for reports).
    notes : list of str
        Plain-English notes, e.g. councils whose cost base is unknown.
    """

    groups: pd.DataFrame
    solve_status: SolveStatus
    spec: PlanSpec | None = None
    as_of: object = None
    councils: pd.DataFrame | None = None
    constraints: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    option_table: pd.DataFrame | None = None
    option_cases: dict = field(default_factory=dict)
    resolver: Any = field(default=None, repr=False, compare=False)

    def robustness(self, n_samples: int = 20, *, sd: float = 5.0, weights: bool = False,
                   seed: int = 0, executor=None) -> pd.DataFrame:
        """How often each chosen group recurs when the plan is re-solved with its pair
        scores perturbed (the value noise of the SMAA analysis) and, with ``weights=True``,
        under criterion weights drawn as SMAA draws them.

        Parameters
        ----------
        n_samples : int, default 20
            Re-solves.
        sd : float, default 5.0
            Noise on each pair score, in points of the 0-100 scale (0: none).
        weights : bool, default False
            Draw each sample's criterion weights uniformly over all weightings (instead of
            the plan's weights) and rebuild the pair scores with them.
        seed : int, default 0
            Seed of the samples (same seed, same result, whatever the executor).
        executor : concurrent.futures.Executor-like, optional
            Runs the re-solves (e.g. ``ProcessPoolExecutor()`` or a dask ``Client``'s
            ``get_executor()``); None runs them here.

        Returns
        -------
        pandas.DataFrame
            One row per chosen group of two or more: ``service``, ``group``, ``councils``,
            ``recurs`` and ``share`` of the samples choosing exactly that group.

        Raises
        ------
        DataValidationError
            If the plan was not made by :func:`propose_groupings` (or cannot be re-solved;
            the reason is given).
        """
        if self.resolver is None or isinstance(self.resolver, str):
            raise DataValidationError("plan.robustness", [
                self.resolver or "this plan has no problem to re-solve; make it with "
                "propose_groupings"])
        rows = self.groups[self.groups["role"] != "alone"]
        chosen: dict[str, list] = {s: [] for s in self.resolver.problems}
        for (s, _), grp in rows.groupby(["service", "group"], sort=True):
            if len(grp) >= 2:
                chosen[s].append(tuple(sorted(grp["council"])))
        names = dict(zip(self.groups["council"], self.groups["name"]))
        return self.resolver.robustness(chosen, names, n_samples=n_samples, sd=sd,
                                        weights=weights, seed=seed, executor=executor)

    @property
    def options(self) -> pd.DataFrame:
        """Every (group, service, model, lead) option considered for the chosen groups of two
        or more: ``value`` (its worth to the objective), ``npv`` (central; ``npv_low``,
        ``npv_high``), ``payback_year``, ``lead_strength``, ``status`` (new / extending /
        keeping) and ``arrangement``, ``allowed`` and ``chosen`` (bool); ``estimate`` is True
        when the cost bases were estimated."""
        from .decide import OPTION_COLUMNS

        if self.option_table is None:
            return pd.DataFrame(columns=OPTION_COLUMNS)
        return self.option_table.copy()

    def business_case(self) -> pd.DataFrame:
        """Yearly cash flows of each chosen group's business case (central case), per partner.

        Returns
        -------
        pandas.DataFrame
            Columns ``group, service, council, year, savings, costs, net, discounted`` (the
            partner's share by the plan's split rule), plus ``model`` and ``estimate``.
        """
        return cash_flows(self)

    def npv_by_council(self) -> pd.DataFrame:
        """Each partner's share of its group's central NPV.

        Returns
        -------
        pandas.DataFrame
            Columns ``group, service, council, name, share, npv``; per group the npv sums to
            the chosen option's NPV in :attr:`options`.
        """
        return council_npv(self)

    def plot(self, service=None, **options):
        """The groupings on the map: one colour per group, leads marked, alone in grey.

        Parameters
        ----------
        service : str or list of str, optional
            Service(s) to draw (one panel each); default all, drawn once when every
            service has the same groups.
        **options
            Passed to :func:`partnerfit.plot.plan.plot_plan` (``ax``, ``title``,
            ``source_note``, ``label``, ``adjacency``).

        Returns
        -------
        matplotlib.figure.Figure
        """
        from ..plot.plan import plot_plan

        return plot_plan(self, service, **options)

    def to_report(self, *, figures: bool = True) -> Report:
        """The plan as an exportable :class:`partnerfit.report.Report`.

        For :func:`partnerfit.export.write` (Excel, HTML, Markdown): the summary, the groups
        table, the solve (objective, bound, gap, status), the constraints used and the map.

        Parameters
        ----------
        figures : bool, default True
            Include the plan map.

        Returns
        -------
        partnerfit.report.Report
        """
        from ..export.builders.plan import plan_report

        return plan_report(self, figures=figures)

    def to_brief(self, path, *, pdf_engine: str | None = None, robustness: int = 20):
        """Write the one-page brief of the plan: ``.html``, ``.pdf`` or ``.docx``.

        Parameters
        ----------
        path : str or os.PathLike
            The suffix chooses the format.
        robustness : int, default 20
            Plans re-made with the pair scores moved at random for the robustness verdict
            (0: not assessed).
        pdf_engine : {"weasyprint", "browser"}, optional
            For ``.pdf``: default WeasyPrint if installed, else Chrome / Chromium / Edge.

        Returns
        -------
        pathlib.Path
            The path written.
        """
        from ..export.brief import write_brief
        from ..export.builders.brief import plan_brief

        return write_brief(plan_brief(self, robustness=robustness), path, pdf_engine=pdf_engine)

    def to_frame(self) -> pd.DataFrame:
        """A copy of :attr:`groups`."""
        return self.groups.copy()

    def summary(self) -> str:
        """Plain-English summary of the plan: one line per group, then its reason once."""
        return "\n".join(summary_lines(self, why=True))

    def __repr__(self) -> str:
        return (f"Plan({self.groups['group'].nunique()} groups, objective={self.objective:.6g}"
                f", gap={self.gap:.3%}, status={self.status!r})")

    def _repr_html_(self) -> str:
        head = (f"<p><b>Plan</b>: objective {html.escape(f'{self.objective:.6g}')}, bound "
                f"{html.escape(f'{self.bound:.6g}')}, gap {self.gap:.2%}, "
                f"status {html.escape(self.status)}, solver {html.escape(self.solver)}, "
                f"{self.time_s:.1f}s</p>")
        members = self.groups.drop(columns=["reason"])
        return (head + "<p>Groups (the reason once per group)</p>"
                + group_overview(self.groups).to_html(index=False, escape=True)
                + "<p>Members</p>" + members.to_html(index=False, escape=True))

    def verify(self) -> bool:
        """Re-check the plan independently; return True or raise with every violation.

        Raises
        ------
        PlanVerificationError
            Listing each violated constraint in plain English.
        ValueError
            If the plan has no spec to check against.
        """
        if self.spec is None:
            raise ValueError("this plan has no PlanSpec to verify against")
        problems = _verify(self, self.spec)
        if problems:
            raise PlanVerificationError(problems)
        return True


def _connected(nodes: list[int], adj: dict[int, set]) -> bool:
    seen, stack = {nodes[0]}, [nodes[0]]
    nodeset = set(nodes)
    while stack:
        v = stack.pop()
        for w in adj.get(v, ()):
            if w in nodeset and w not in seen:
                seen.add(w)
                stack.append(w)
    return len(seen) == len(nodeset)


def _verify(plan: Plan, spec: PlanSpec) -> list[str]:
    """Every constraint the plan breaks, in plain English (empty if none)."""
    g = plan.groups
    missing_cols = [c for c in COLUMNS if c not in g.columns]
    if missing_cols:
        return [f"groups table lacks columns {missing_cols}"]
    p: list[str] = []
    chosen_by_service: dict[str, list[list[int]]] = {}
    total = 0.0
    for svc in spec.eligible:
        rows = g[g["service"] == svc]
        p += _placement_problems(svc, rows, spec)
        groups_svc, values = _check_groups(svc, rows, spec, p)
        for value in values:
            total += value
        present = {frozenset(spec.codes[v] for v in nodes) for nodes in groups_svc}
        for f in _fixed_sets(spec).get(svc, set()):
            if f not in present:
                p.append(f"{svc}: fixed arrangement {sorted(f)} is not kept as it is")
        chosen_by_service[svc] = groups_svc
    total += _consistency_total(chosen_by_service, spec.consistency)
    if spec.lead_capacity is not None:
        p += capacity_problems(g, spec.lead_capacity)
    return p + _solve_problems(plan, total)


def _fixed_sets(spec: PlanSpec) -> dict[str, set[frozenset]]:
    return {s: {frozenset(f) for f in fl} for s, fl in spec.fixed.items()}


def _adjacency_sets(edges) -> dict[int, set]:
    adj: dict[int, set] = {}
    if edges is not None:
        for a, b in np.asarray(edges).reshape(-1, 2):
            adj.setdefault(int(a), set()).add(int(b))
            adj.setdefault(int(b), set()).add(int(a))
    return adj


def _placement_problems(svc: str, rows: pd.DataFrame, spec: PlanSpec) -> list[str]:
    """Every eligible council of the service in exactly one group, and no other council."""
    p = []
    counts = rows["council"].value_counts()
    for c, k in counts.items():
        if k > 1:
            p.append(f"{svc}: council {c} appears in {k} groups (must be exactly one)")
    for c in sorted(spec.eligible[svc] - set(rows["council"])):
        p.append(f"{svc}: council {c} is in no group (every eligible council must be "
                 "placed, alone if need be)")
    for c in sorted(set(rows["council"]) - spec.eligible[svc]):
        p.append(f"{svc}: council {c} is not eligible for this service but is grouped")
    return p


def _check_groups(svc: str, rows: pd.DataFrame, spec: PlanSpec,
                  p: list[str]) -> tuple[list[list[int]], list[float]]:
    """Check each group of one service (problems appended to ``p``); return the groups as
    node lists and their values."""
    index = {c: i for i, c in enumerate(spec.codes)}
    adj = _adjacency_sets(spec.edges)
    fixed = _fixed_sets(spec).get(svc, set())
    groups_svc = []
    values = []
    for gid, grp in rows.groupby("group", sort=True):
        codes = sorted(grp["council"])
        unknown = [c for c in codes if c not in index]
        if unknown:
            p.append(f"{svc} group {gid}: unknown council codes {unknown}")
            continue
        nodes = [index[c] for c in codes]
        groups_svc.append(nodes)
        is_fixed = frozenset(codes) in fixed
        models = set(grp["model"])
        if len(models) != 1:
            p.append(f"{svc} group {gid}: members disagree on the delivery model {models}")
        model = next(iter(models))
        roles = list(grp["role"])
        if spec.option_values is not None:
            p += model_problems(svc, gid, codes, grp, spec)
        if len(codes) == 1:
            p += _alone_problems(svc, gid, codes[0], model, roles, is_fixed, spec)
        else:
            if not is_fixed:
                p += _shape_problems(svc, gid, codes, nodes, spec, adj)
            p += _role_problems(svc, gid, len(codes), model, roles,
                                lead_recorded=_new_or_led(grp))
        p += _pair_problems(svc, gid, set(codes), spec)
        values.append(_group_value(svc, nodes, grp, spec))
    return groups_svc, values


def _group_value(svc: str, nodes: list[int], grp: pd.DataFrame, spec: PlanSpec) -> float:
    """The group's value: of its delivery option when the optimiser chose the model."""
    if spec.option_values is None or len(nodes) < 2:
        return float(spec.value_functions[svc](nodes)) if spec.option_values is None else 0.0
    leads = grp.loc[grp["role"] == "lead", "council"].tolist()
    return float(spec.option_values[svc](nodes, grp["model"].iloc[0],
                                         leads[0] if leads else None,
                                         grp["status"].iloc[0], grp["arrangement"].iloc[0]))


def _alone_problems(svc, gid, c: str, model: str, roles: list, is_fixed: bool,
                    spec: PlanSpec) -> list[str]:
    p = []
    if not is_fixed and spec.alone_allowed is not None and c not in spec.alone_allowed:
        p.append(f"{svc}: council {c} stays alone but may not")
    if c in spec.must_group and not is_fixed:
        p.append(f"{svc}: council {c} must be grouped but stays alone")
    if roles != ["alone"] or model != "alone":
        p.append(f"{svc} group {gid}: a council on its own must have role and model 'alone'")
    return p


def _shape_problems(svc, gid, codes: list[str], nodes: list[int], spec: PlanSpec,
                    adj: dict[int, set]) -> list[str]:
    """Size bounds, contiguity and maximum distance of a group that is not fixed."""
    p = []
    k = len(codes)
    if not (spec.min_size <= k <= spec.max_size):
        p.append(f"{svc} group {gid}: {k} members, outside the bounds "
                 f"{spec.min_size}..{spec.max_size}")
    if spec.contiguous and not _connected(nodes, adj):
        p.append(f"{svc} group {gid}: {codes} is not contiguous on the adjacency")
    if spec.max_distance is not None:
        d = np.asarray(spec.distance)
        far = [(codes[a], codes[b]) for a in range(k) for b in range(a + 1, k)
               if d[nodes[a], nodes[b]] > spec.max_distance]
        if far:
            p.append(f"{svc} group {gid}: pairs farther apart than "
                     f"{spec.max_distance:g}: {far}")
    return p


def _new_or_led(grp: pd.DataFrame) -> bool:
    """Whether a sovereign group must name its lead: always, except when it keeps or extends
    a running arrangement whose lead the table does not record."""
    if "status" not in grp.columns or grp["status"].iloc[0] == "new":
        return True
    return bool((grp["role"] == "lead").any())


def _role_problems(svc, gid, k: int, model: str, roles: list,
                   lead_recorded: bool = True) -> list[str]:
    """Roles that fit the delivery model of a group of ``k >= 2``."""
    p = []
    n_lead = roles.count("lead")
    if model == "sovereign" and n_lead != 1 and (lead_recorded or n_lead > 1):
        p.append(f"{svc} group {gid}: sovereign delivery needs exactly one lead "
                 f"(found {n_lead})")
    if model in ("federal",) and n_lead:
        p.append(f"{svc} group {gid}: federal delivery has no single lead")
    if any(r not in ("lead", "partner") for r in roles):
        p.append(f"{svc} group {gid}: roles must be lead or partner")
    if model == "alone":
        p.append(f"{svc} group {gid}: a group of {k} cannot have model 'alone'")
    return p


def _pair_problems(svc, gid, members: set, spec: PlanSpec) -> list[str]:
    """Pairs kept apart that are together, and pairs to keep together that are split."""
    p = []
    for a, b in spec.forbidden_pairs:
        if a in members and b in members:
            p.append(f"{svc} group {gid}: {a} and {b} must not be together")
    for a, b in spec.must_pairs:
        if (a in members) != (b in members) and a in spec.eligible[svc] and \
                b in spec.eligible[svc]:
            p.append(f"{svc} group {gid}: {a} and {b} must be together")
    return p


def _consistency_total(chosen_by_service: dict[str, list[list[int]]], beta) -> float:
    """Consistency value: a pair shared in ``k`` services earns ``beta * (k - 1)``."""
    counts: dict[tuple[int, int], int] = {}
    for groups_svc in chosen_by_service.values():
        for nodes in groups_svc:
            s = sorted(nodes)
            for a in range(len(s)):
                for b in range(a + 1, len(s)):
                    counts[(s[a], s[b])] = counts.get((s[a], s[b]), 0) + 1
    total = 0.0
    for (a, b), k in counts.items():
        bv = beta if np.ndim(beta) == 0 else np.asarray(beta)[a, b]
        total += float(bv) * max(k - 1, 0)
    return total


def _solve_problems(plan: Plan, total: float) -> list[str]:
    """Objective recomputed from the groups, bound above it, gap consistent with both."""
    p = []
    tol = 1e-6 * max(1.0, abs(total))
    if abs(total - plan.objective) > tol:
        p.append(f"objective {plan.objective:.10g} differs from the value recomputed from the "
                 f"groups ({total:.10g})")
    if plan.bound < plan.objective - tol:
        p.append(f"bound {plan.bound:.10g} is below the objective {plan.objective:.10g}")
    if abs(relative_gap(plan.objective, plan.bound) - plan.gap) > 1e-6:
        p.append("gap does not match the objective and bound")
    return p


def build_plan(
    chosen: Mapping[str, Sequence[Sequence[int]]],
    spec: PlanSpec,
    *,
    objective: float,
    bound: float,
    status: str,
    solver: str,
    time_s: float,
    n_columns: int,
    names: Sequence[str] | None = None,
    attributes: pd.DataFrame | None = None,
    delivery: Callable | None = None,
    delivery_options: Mapping | None = None,
    as_of=None,
    councils: pd.DataFrame | None = None,
    constraints: Mapping | None = None,
    notes: Sequence[str] = (),
    extra_reasons: Mapping | None = None,
    decided: Mapping | None = None,
) -> Plan:
    """Assemble a :class:`Plan` from chosen groups (node indices) per service.

    Parameters
    ----------
    chosen : mapping
        Service -> list of chosen groups (node index lists).
    spec : PlanSpec
        The constraints (kept for :meth:`Plan.verify`).
    objective, bound, status, solver, time_s, n_columns
        Solver outcome.
    names : sequence of str, optional
        Council name of each node (default: the codes).
    attributes : pandas.DataFrame, optional
        Indexed by code; columns used by the delivery rule (population, lead_roles, score,
        system, ...). A ``service`` level may be given as a dict of DataFrames instead.
    delivery : callable, optional
        ``delivery(members_df, service, **delivery_options) -> DeliveryChoice``; default
        :func:`partnerfit.delivery.choose_delivery_model`.
    delivery_options : mapping, optional
        Keyword options for ``delivery`` (thresholds).
    as_of, councils, constraints, notes
        Stored on the :class:`Plan` (date, register snapshot, constraints used, notes).
    extra_reasons : mapping, optional
        ``(service, tuple of sorted codes) -> str`` appended to that group's reason.
    decided : mapping, optional
        ``(service, tuple of sorted codes) -> DeliveryChoice`` chosen by the optimiser; such
        groups skip the ``delivery`` rule.

    Returns
    -------
    Plan
    """
    from ..delivery import choose_delivery_model

    choose = delivery or choose_delivery_model
    opts = dict(delivery_options or {})
    codes = list(spec.codes)
    nm = list(names) if names is not None else codes
    rows = []
    gid = 0
    for svc, groups in chosen.items():
        attr = attributes.get(svc) if isinstance(attributes, Mapping) else attributes
        ordered = sorted((sorted(int(v) for v in grp) for grp in groups),
                         key=lambda grp: min(codes[v] for v in grp))
        for grp in ordered:
            gid += 1
            gcodes = sorted(codes[v] for v in grp)
            df = pd.DataFrame(index=pd.Index(gcodes, name="code"))
            df["name"] = [nm[codes.index(c)] for c in gcodes]
            if attr is not None:
                extra = attr.reindex(gcodes).drop(columns=["name"], errors="ignore")
                df = df.join(extra)
            choice = (decided or {}).get((svc, tuple(gcodes))) or choose(df, svc, **opts)
            reason = "; ".join(choice.reasons)
            more = (extra_reasons or {}).get((svc, tuple(gcodes)))
            if more:
                reason = f"{reason}; {more}" if reason else more
            for c in gcodes:
                rows.append({"group": gid, "service": svc, "council": c,
                             "name": df.at[c, "name"], "role": choice.role(c),
                             "model": choice.model, "reason": reason})
    table = pd.DataFrame(rows, columns=COLUMNS)
    solved = SolveStatus(float(objective), float(bound), relative_gap(objective, bound),
                         status, solver, float(time_s), int(n_columns))
    return Plan(table, solved, spec, as_of=as_of, councils=councils,
                constraints=dict(constraints or {}), notes=list(notes))

"""The workbench's state, in plain Python: weights, criteria switched off, the unknowns policy,
and what they give -- the ranking, the rank changes, the contributions, the robustness verdict.

The widget (:mod:`partnerfit.workbench.widgets`) and the browser app only show this state;
scripts and tests drive it directly. The shortlist's data (councils, measures, 0-100 values)
is computed once, when the model is made; a weight change only re-aggregates the value matrix
(:meth:`partnerfit.matrix.ValueMatrix.with_weights` and
:func:`partnerfit.aggregation.additive`), so it takes milliseconds. Changing the unknowns
policy changes the values themselves, so it re-scores the same candidates (about a second).

Weights follow :func:`partnerfit.shortlist`: a criterion that does not apply to the service
(IT systems for a service without any), or that is unknown for every candidate, gets no
weight, and its share goes to the others in proportion. The ranking is therefore the table
``pf.shortlist(..., weights=model.weights, partnerships=False, two_way=False)`` gives, row
for row.

The workbench ranks councils: it builds its shortlist with ``partnerships=False`` and
``two_way=False``. Existing partnerships as candidates and the two-way view (``their_rank``,
``their_score``, which depend on the weights) are in :func:`partnerfit.shortlist` itself.
Candidates committed to another arrangement keep the shortlist's ``committed`` policy (their
values already halved in the value matrix under "penalise", so re-weighting stays consistent).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from .. import aggregation
from .._yaml import did_you_mean
from ..criteria import MISSING_POLICIES, Criterion
from ..errors import ArgumentError, ArgumentTypeError
from ..formatting import MISSING_WORDS
from ..register import load_councils
from ..results import Shortlist
from ..scoring import score_in_context, shortlist
from ..sensitivity import Verdict, compare_weight_sets, robustness_verdict
from ..services import services
from ..weights import load_weight_profile

__all__ = ["COUNCILS_ONLY", "WorkbenchModel", "build_model"]

#: The shortlist options the workbench scores with: it ranks councils (existing partnerships as
#: candidates and the two-way view are in :func:`partnerfit.shortlist` itself).
COUNCILS_ONLY = {"partnerships": False, "two_way": False}

#: Words for the unknowns policies the workbench offers (None: each criterion's own policy).
POLICY_CHOICES: dict[str | None, str] = {
    None: "as set for each criterion",
    **{p: MISSING_WORDS.get(p, p) for p in MISSING_POLICIES},
}

_SCORERS = {
    "additive": aggregation.additive,
    "topsis": lambda m: aggregation.topsis(m) * 100.0,
    "promethee": lambda m: (aggregation.promethee_ii(m) + 1.0) * 50.0,
}


def build_model(council: str | Shortlist, service: str | None = None, *,
                as_of: Any = None, **options: Any) -> WorkbenchModel:
    """A workbench model for a shortlist, or for a council and service on a date.

    Parameters
    ----------
    council : str or Shortlist
        A :class:`~partnerfit.Shortlist`, or the council (name or GSS code).
    service : str, optional
        The service id (needed with a council, not with a shortlist).
    as_of : date-like, optional
        The date (default today), with a council.
    **options
        Passed to :func:`partnerfit.shortlist` (``weights``, ``links``, ``systems``, ...),
        which is called with ``partnerships=False, two_way=False``: the workbench ranks
        councils (partnership candidates and the two-way view are in the shortlist itself).

    Returns
    -------
    WorkbenchModel
    """
    if isinstance(council, Shortlist):
        if service is not None or as_of is not None or options:
            raise ArgumentError("workbench(shortlist) takes the shortlist alone; to start from "
                                "a council give workbench(council, service, as_of=...).")
        return WorkbenchModel(council)
    if not isinstance(council, str) or not isinstance(service, str):
        raise ArgumentTypeError("workbench needs a shortlist, or a council and a service, e.g. "
                                "workbench('Lancaster', 'revenues_benefits', as_of='2009-06-01').")
    for opt in COUNCILS_ONLY:
        if options.get(opt):
            raise ArgumentError(f"the workbench ranks councils, so it scores with {opt}=False; "
                                f"for partnership candidates and the two-way view use "
                                f"pf.shortlist(...) itself.")
    options.update(COUNCILS_ONLY)
    return WorkbenchModel(shortlist(council, service, as_of=as_of, **options))


class WorkbenchModel:
    """Live weights over one shortlist, and what they give.

    Parameters
    ----------
    base : Shortlist
        The shortlist whose data the workbench re-weights (made with
        :func:`partnerfit.shortlist`, which keeps the context it was scored in, with
        ``partnerships=False, two_way=False``: the workbench ranks councils).

    Attributes
    ----------
    raw_weights : pandas.Series
        The swing weight each slider holds (any non-negative scale), per criterion.
    enabled : pandas.Series
        False for a criterion switched off (its slider keeps its value).
    policy : str or None
        The unknowns policy applied to every criterion, or None for each criterion's own.
    """

    def __init__(self, base: Shortlist):
        if not isinstance(base, Shortlist):
            raise ArgumentTypeError(f"the workbench needs a Shortlist, not "
                                    f"{type(base).__name__}")
        if base.context is None:
            raise ArgumentError("this shortlist has no scoring context; make it with "
                                "pf.shortlist(...) to use it in the workbench.")
        if base.partnerships is not None or base.two_way is not None:
            raise ArgumentError("the workbench ranks councils: make its shortlist with "
                                "pf.shortlist(..., partnerships=False, two_way=False) "
                                "(partnership candidates and the two-way view, which moves "
                                "with the weights, are in the shortlist itself).")
        self._origin = base
        self.criteria: list[str] = list(base.criteria)
        self.labels: dict[str, str] = base.criteria_labels
        given = base.weights_given.reindex(self.criteria).astype(float)
        self.raw_weights = (given / given.sum() * 100.0).rename("raw weight")
        self.enabled = pd.Series(True, index=self.criteria, name="enabled")
        self.policy: str | None = None
        self._weights = _normalised(self.raw_weights, self.enabled)
        self._base = base
        self._forced_zero = self._forced_zero_criteria(base)
        self._cache: dict[tuple, Any] = {}
        self._notes: list[str] | None = None
        self._previous: pd.DataFrame | None = None
        self._ranks_before: pd.Series | None = None
        self._ranks_now = pd.Series(dtype=int)
        self._ranking = self._rank()

    # ------------------------------------------------------------------ inputs
    def set_weights(self, weights: Mapping[str, float] | pd.Series, *,
                    normalised: bool = False) -> None:
        """Move sliders: set the weights of some criteria; the others keep theirs.

        Parameters
        ----------
        weights : mapping or Series
            Criterion id (or exact label) -> weight, non-negative. Raw swing weights by
            default (any scale: the display shows them as percentages summing to 100).
        normalised : bool, default False
            The weights are shares of the whole (0-1, together at most 1): the criteria not
            given share the rest in their current proportions.

        Raises
        ------
        ArgumentError
            An unknown criterion (with the closest names), or a weight that is negative or
            not a number; nothing is changed then.
        """
        given = self._checked(weights)
        raw = self.raw_weights.copy()
        if normalised:
            total = sum(given.values())
            if total > 1 + 1e-9:
                raise ArgumentError(f"normalised weights must together be at most 1 (they sum "
                                    f"to {total:g}); give shares such as 0.4, or raw weights.")
            rest = [c for c in self.criteria if c not in given and self.enabled[c]]
            rest_sum = float(raw[rest].sum())
            scale = 100.0
            if rest_sum > 0 and total < 1 - 1e-12:
                scale = rest_sum / (1.0 - total)  # the others keep their raw values
            elif rest_sum > 0:  # the shares given take the whole
                raw[rest] = 0.0
            for c, w in given.items():
                raw[c] = w * scale
        else:
            for c, w in given.items():
                raw[c] = w
        self._apply(raw, self.enabled)

    def switch(self, criterion: str, on: bool) -> None:
        """Switch a criterion on or off (off: weight 0; its slider keeps its value)."""
        cid = self._criterion(criterion)
        enabled = self.enabled.copy()
        enabled[cid] = bool(on)
        self._apply(self.raw_weights, enabled)

    def set_policy(self, policy: str | None) -> None:
        """Apply one unknowns policy to every criterion (None: each criterion's own).

        Re-scores the same candidates with the new policy (the values change, not only the
        weights). Candidates a policy of ``exclude`` leaves out return when it is lifted.
        """
        if policy is not None and policy not in MISSING_POLICIES:
            raise ArgumentError(f"unknowns policy {policy!r} is not one of "
                                f"{', '.join(MISSING_POLICIES)}"
                                f"{did_you_mean(str(policy), MISSING_POLICIES)}; or None for "
                                "each criterion's own policy.")
        if policy == self.policy:
            return
        self._base = self._origin if policy is None else self._rescore(
            self._policy_criteria(policy), self._origin.weights_given)
        self.policy = policy
        self._forced_zero = self._forced_zero_criteria(self._base)
        self._cache.clear()
        self._previous, self._ranks_before = self._ranking, self._ranks_now
        self._ranking = self._rank()

    # ------------------------------------------------------------------ outputs
    @property
    def weights(self) -> pd.Series:
        """The weights scored with (sum 1): sliders normalised, criteria switched off at 0."""
        return self._weights.copy()

    @property
    def percentages(self) -> pd.Series:
        """The weights scored with, in percent (they sum to 100), as the sliders show them:
        a criterion that does not apply or is unknown for everyone shows 0."""
        return self.weights_used * 100.0

    @property
    def ranking(self) -> pd.DataFrame:
        """The ranked table on screen: the columns of :attr:`partnerfit.Shortlist.table`."""
        return self._ranking.copy()

    @property
    def previous(self) -> pd.DataFrame | None:
        """The ranking before the last change (None at the start)."""
        return None if self._previous is None else self._previous.copy()

    @property
    def changes(self) -> pd.DataFrame:
        """Rank changes against the previous view: ``code, name, rank, previous_rank,
        moved`` (places up, positive; down, negative; 0 unchanged), in ranking order."""
        out = self._ranking[["code", "name", "rank"]].copy()
        before = self._ranks_before if self._ranks_before is not None else self._ranks_now
        out["previous_rank"] = before.reindex(out["code"]).to_numpy()
        out["moved"] = out["previous_rank"] - out["rank"]
        return out.reset_index(drop=True)

    @property
    def view(self) -> Shortlist:
        """The shortlist at the current weights (re-aggregated; notes as made)."""
        return self._view()

    def contributions(self, top: int = 10) -> pd.DataFrame:
        """Points each weighted criterion adds to the best ``top`` candidates' scores.

        Returns
        -------
        pandas.DataFrame
            Index candidate names (best first), one column per weighted criterion (its label);
            each row sums to the candidate's score (additive scoring).
        """
        t = self._ranking.head(top)
        used = self.weights_used
        weighted = [c for c in self.criteria if used[c] > 0]
        out = pd.DataFrame({self.labels[c]: t[f"{c}_contribution"].to_numpy()
                            for c in weighted}, index=pd.Index(t["name"], name="name"))
        return out

    @property
    def weights_used(self) -> pd.Series:
        """The weights in the value matrix: as :attr:`weights`, with a criterion that does
        not apply or is unknown for everyone at 0 and its share given to the others."""
        return self.view.weights

    def verdict(self) -> Verdict | None:
        """The robustness verdict at the current weights (first place, and the top-3 chances);
        None when there is nothing to judge (under two candidates or weighted criteria)."""
        key = ("verdict", self.policy, *self.weights_used.round(12))
        if key not in self._cache:
            v = self.view
            ok = len(v.scores) >= 2 and int((v.weights > 0).sum()) >= 2
            self._cache[key] = robustness_verdict(v) if ok else None
        return self._cache[key]

    def compare(self, weight_sets: Mapping[str, Mapping[str, float] | pd.Series],
                top: int = 10) -> pd.DataFrame:
        """Stakeholder mode: rankings under several named weight sets, side by side, and
        where they agree -- :func:`partnerfit.compare_weight_sets` on this shortlist."""
        return compare_weight_sets(self.view, weight_sets, top=top)

    def shortlist(self) -> Shortlist:
        """The shortlist at the current weights, scored afresh (notes and weights in words
        exactly as :func:`partnerfit.shortlist` would give them) -- for the brief."""
        crit = self._base.criteria
        sl = self._rescore(crit, self.weights)
        sl.weights_source = "weights set in the workbench"
        return sl

    def save_profile(self, path: str | os.PathLike, *, name: str = "workbench",
                     description: str | None = None) -> Path:
        """Save the current weights as a weight profile (YAML) for ``shortlist(weights=...)``.

        The file holds the slider values (criteria switched off at 0), method ``direct``; it
        is read back and checked before this returns. Written whole or not at all.
        """
        from ..export._atomic import atomic_path, check_target

        eff = self.raw_weights.where(self.enabled, 0.0).astype(float)
        spec = {"name": str(name),
                "description": description or (
                    f"Weights set in the workbench for {self._origin.council_name}, "
                    f"{self._origin.service_name}: " + ", ".join(
                        f"{self.labels[c]} {p:.0f}%" for c, p in self.percentages.items()
                        if p > 0 or eff[c] == 0) + self._not_scored_text()),
                "method": "direct",
                "weights": {c: _plain(eff[c]) for c in self.criteria}}
        target = check_target(path)
        with atomic_path(target) as tmp:
            tmp.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True),
                           encoding="utf-8")
        load_weight_profile(target, criteria=self.criteria, services=list(services().index))
        return target

    def _not_scored_text(self) -> str:
        """"; not scored here: Systems compatibility (unknown or not applying)"."""
        eff = self.raw_weights.where(self.enabled, 0.0)
        gone = [self.labels[c] for c in self.criteria if eff[c] > 0 and c in self._forced_zero]
        return (f"; not scored for this shortlist (unknown or not applying): "
                f"{', '.join(gone)}" if gone else "")

    def to_brief(self, path: str | os.PathLike, *, pdf_engine: str | None = None) -> Path:
        """Write the one-page brief of the current view (see
        :meth:`partnerfit.Shortlist.to_brief`)."""
        return Path(self.shortlist().to_brief(path, pdf_engine=pdf_engine))

    # ------------------------------------------------------------------ internals
    def _criterion(self, key: str) -> str:
        if key in self.criteria:
            return key
        by_label = {v: k for k, v in self.labels.items()}
        if key in by_label:
            return by_label[key]
        raise ArgumentError(f"unknown criterion {key!r}{did_you_mean(str(key), self.criteria)};"
                            f" the criteria are {', '.join(self.criteria)}.")

    def _checked(self, weights: Mapping[str, float] | pd.Series) -> dict[str, float]:
        if not isinstance(weights, Mapping | pd.Series):
            raise ArgumentTypeError("set_weights takes a mapping of criterion -> weight, e.g. "
                                    "{'distance': 40}.")
        items = weights.items()
        unknown = [str(k) for k, _ in items if k not in self.criteria
                   and k not in self.labels.values()]
        if unknown:
            raise ArgumentError("; ".join(
                f"unknown criterion {k!r}{did_you_mean(k, self.criteria)}" for k in unknown)
                + f" (the criteria are {', '.join(self.criteria)})")
        out: dict[str, float] = {}
        for k, v in weights.items():
            try:
                w = float(v)
            except (TypeError, ValueError):
                raise ArgumentError(f"weight for {k!r} is not a number ({v!r})") from None
            if not math.isfinite(w) or w < 0:
                raise ArgumentError(f"weight for {k!r} must be 0 or more, not {v!r}")
            out[self._criterion(str(k))] = w
        return out

    def _apply(self, raw: pd.Series, enabled: pd.Series) -> None:
        eff = raw.where(enabled, 0.0)
        live = [c for c in self.criteria if c not in self._forced_zero]
        if float(eff[live].sum()) <= 0:
            raise ArgumentError("every criterion that counts would have weight 0: give at "
                                "least one switched-on criterion a weight above 0.")
        self.raw_weights = raw.astype(float).rename("raw weight")
        self.enabled = enabled.rename("enabled")
        self._weights = _normalised(self.raw_weights, self.enabled)
        self._previous, self._ranks_before = self._ranking, self._ranks_now
        self._ranking = self._rank()

    @staticmethod
    def _forced_zero_criteria(sl: Shortlist) -> set[str]:
        """Criteria the shortlist scores with weight 0 whatever is given: not applying to the
        service, or unknown for every candidate."""
        no_systems = not services().at[sl.service, "systems"]
        missing = sl.missing
        out = set()
        for cid, crit in sl.criteria.items():
            if (crit.measure == "systems" and no_systems) or (
                    len(missing) and bool(missing[cid].all())):
                out.add(cid)
        return out

    def _matrix_weights(self) -> np.ndarray:
        w = self._weights.reindex(list(self._base.matrix.criteria)).to_numpy(dtype=float)
        w[[c in self._forced_zero for c in self._base.matrix.criteria]] = 0.0
        return w / w.sum()

    def _view(self) -> Shortlist:
        w = self._matrix_weights()
        key = ("view", self.policy, *np.round(w, 15))
        if key in self._cache:
            return self._cache[key]
        base = self._base
        matrix = replace(base.matrix, weights=w)
        renorm = self._renorm_cells()
        if renorm.any():
            gaps = replace(matrix, values=np.where(renorm, np.nan, matrix.values),
                           missing=renorm, reasons=matrix.reasons)
            fill = aggregation.additive(gaps, renormalise_missing=True).to_numpy()
            values = np.where(renorm, fill[:, None], matrix.values)
            matrix = replace(matrix, values=values)
        scores = _SCORERS[base.method](matrix)
        scores.index = base.scores.index
        view = replace(base, matrix=matrix, scores=scores.rename(base.scores.name),
                       weights_given=self.weights, weights_source="weights set in the workbench")
        if len(self._cache) > 64:
            self._cache.clear()
        self._cache[key] = view
        return view

    def _renorm_cells(self) -> np.ndarray:
        """Cells whose value is the candidate's own score over its known criteria (policy
        ``renormalise``): they change with the weights."""
        key = ("renorm", self.policy)
        if key not in self._cache:
            base = self._base
            miss = base.missing.to_numpy()
            cols = np.array([base.criteria[c].missing == "renormalise"
                             and c not in self._forced_zero for c in base.matrix.criteria])
            self._cache[key] = miss & cols[None, :]
        return self._cache[key]

    def _rank(self) -> pd.DataFrame:
        view = self._view()
        w = view.weights
        zero = tuple(c for c in self.criteria if w[c] == 0)
        key = ("table", self.policy, zero)
        if key not in self._cache:  # the columns that do not move with the weights
            self._cache[key] = view.full_table().set_index("code", drop=False)
        fixed: pd.DataFrame = self._cache[key]
        ranks = view.ranks()
        self._ranks_now = ranks
        pos = np.argsort(ranks.to_numpy(), kind="stable")
        order = ranks.index[pos]
        t = fixed.loc[order]
        cols = {"rank": ranks.to_numpy()[pos], "score": view.scores.to_numpy()[pos]}
        values = view.matrix.values[pos]
        missing = view.matrix.missing[pos] if view.matrix.missing is not None \
            else np.zeros_like(values, dtype=bool)
        wv = view.matrix.weights
        for j, cid in enumerate(view.matrix.criteria):
            cols[cid] = np.where(missing[:, j] & (wv[j] == 0), np.nan, values[:, j])
            cols[f"{cid}_contribution"] = values[:, j] * wv[j]
        t = t.assign(**cols).reset_index(drop=True)
        return t.head(self._base.top) if self._base.top else t

    def _policy_criteria(self, policy: str) -> dict[str, Criterion]:
        return {cid: replace(c, missing=policy) for cid, c in self._origin.criteria.items()}

    def _rescore(self, criteria: Mapping[str, Criterion], weights: pd.Series) -> Shortlist:
        """The same candidates scored afresh in the shortlist's context."""
        origin = self._origin
        ctx = origin.context
        delivered = set(services().at[origin.service, "delivered_by"])
        screened = origin.screened.set_index("code")["reason"]
        policy_dropped = {c for c, r in screened.items() if "missing-data policy" in str(r)}
        keep_out = [c for c in screened.index if c in ctx.codes and c != origin.council
                    and ctx.councils.at[c, "tier"] in delivered and c not in policy_dropped]
        sl = score_in_context(ctx, origin.council, origin.service,
                              weights.reindex(list(criteria)).fillna(0.0), criteria,
                              origin.method, keep_out, None, load_councils(),
                              committed=origin.committed_policy)
        fixed = sl.screened.set_index("code")
        for c in keep_out:  # said as the original shortlist said it
            fixed.at[c, "reason"] = screened[c]
        sl.screened = fixed.reset_index()[["code", "name", "reason"]]
        # the shortlist's own notes around the scoring's: data layers before, availability
        # (committed, unavailable) and a future date after, as pf.shortlist puts them
        own = self._scoring_notes()
        first = next((i for i, n in enumerate(origin.notes) if n in own), len(origin.notes))
        sl.notes[:0] = [n for n in origin.notes[:first] if n not in own]
        sl.notes += [n for n in origin.notes[first:] if n not in own]
        sl.top = origin.top
        return sl

    def _scoring_notes(self) -> list[str]:
        if self._notes is None:
            origin = self._origin
            sl = score_in_context(origin.context, origin.council, origin.service,
                                  origin.weights_given, origin.criteria, origin.method, (),
                                  None, load_councils(), committed=origin.committed_policy)
            self._notes = list(sl.notes)
        return self._notes


def _normalised(raw: pd.Series, enabled: pd.Series) -> pd.Series:
    eff = raw.where(enabled, 0.0).astype(float)
    return (eff / eff.sum()).rename("weight")


def _plain(x: float) -> float | int:
    """A weight as YAML shows it best: 40 rather than 40.0."""
    return int(x) if float(x).is_integer() else float(x)

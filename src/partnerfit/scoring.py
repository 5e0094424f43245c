"""Screening and scoring: the ranked partner shortlist for one council and one service.

Pipeline: councils in force on the date -> screening (reasons recorded) -> raw measures per
criterion (:mod:`partnerfit.criteria`) -> 0-100 values through each criterion's value function
-> missing-data policy (every affected cell flagged) -> aggregation (linear additive by default;
TOPSIS and PROMETHEE II as alternatives) -> ranks (ties broken by GSS code).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from . import aggregation
from ._checks import check_flag, check_int, check_names, check_number
from ._dates import DateLike, to_date, today
from ._paths import bundled
from ._yaml import did_you_mean
from .availability import (
    DEFAULT_COMMITTED,
    PENALTY_FACTOR,
    Unavailable,
    availability_notes,
    check_committed,
    commitments,
    committed_text,
    read_unavailable,
    running_for_service,
    screen_for_availability,
    unavailable_note,
)
from .candidates import partnership_candidates, partnership_measures
from .criteria import (
    MISSING_FILL,
    Context,
    Criterion,
    build_context,
    compute_measures,
    load_criteria,
    systems_assumed,
    systems_known,
    value_arrays,
)
from .errors import ArgumentError, ArgumentTypeError, PartnerfitError, TableFileNotFoundError
from .jurisdiction import check_regimes
from .layers import prepare_layers
from .matrix import ValueMatrix
from .register import find_council, future_note, load_councils, read_councils
from .results import Programme, Shortlist
from .services import check_delivers, check_service, name_in_sentence, services
from .two_way import TwoWay, all_pairs, check_two_way, mix, mutual_note, two_way_view
from .weights import WeightProfile, load_weight_profile, normalise

__all__ = ["METHODS", "committed_pairs", "default_weights", "pairwise_scores", "programme",
           "resolve_weights", "score_in_context", "shortlist"]

METHODS = ("additive", "topsis", "promethee")
NEUTRAL, PESSIMISTIC = MISSING_FILL["neutral"], MISSING_FILL["pessimistic"]

WeightsLike: TypeAlias = str | Path | Mapping[str, float] | pd.Series | WeightProfile | None


@lru_cache(maxsize=1)
def _default_profile() -> WeightProfile:
    return load_weight_profile(bundled("criteria", "weights/default.yaml"),
                               criteria=list(load_criteria()), services=list(services().index))


def default_weights(service: str | None = None) -> pd.Series:
    """The bundled default weights for ``service`` (sum 1)."""
    return _default_profile().for_service(service)


def resolve_weights(weights: WeightsLike, service: str,
                    criteria: Mapping[str, Criterion]) -> tuple[pd.Series, str]:
    """Turn what the user gave as ``weights=`` into a weight Series (sum 1) and a description.

    Accepts ``None`` (bundled default profile), a profile name in ``criteria/weights``, a YAML
    file path, a :class:`~partnerfit.weights.WeightProfile`, or a mapping/Series of weights for
    every criterion (give 0 to leave a criterion out).
    """
    ids = list(criteria)
    if weights is None:
        if set(ids) == set(load_criteria()):
            return default_weights(service).reindex(ids), "default profile"
        raise PartnerfitError("Custom criteria need explicit weights: pass weights= a mapping "
                              "or a weight profile covering " + ", ".join(ids) + ".")
    if isinstance(weights, WeightProfile):
        return weights.for_service(service).reindex(ids).fillna(0.0), f"profile {weights.name!r}"
    if isinstance(weights, (str, Path)):
        path = Path(weights)
        if not path.suffix and not path.exists():
            path = bundled("criteria", f"weights/{weights}.yaml")
        if not path.exists():
            profiles = sorted(p.stem for p in bundled("criteria", "weights").glob("*.yaml"))
            raise TableFileNotFoundError(
                f"weights={str(weights)!r}: no such weight file or bundled profile; give the "
                f"path of a weight profile YAML file or one of {', '.join(profiles)}.")
        prof = load_weight_profile(path, criteria=ids, services=list(services().index))
        return prof.for_service(service), f"profile {prof.name!r} ({path.name})"
    if not isinstance(weights, Mapping | pd.Series):
        raise ArgumentTypeError(
            f"weights must be a profile name, a weight profile file, or a mapping of criterion "
            f"to weight, not {type(weights).__name__}; e.g. weights={{'distance': 40, ...}} "
            f"covering {', '.join(ids)}.")
    keys = list(weights.keys()) if isinstance(weights, Mapping) else list(weights.index)
    unknown = [k for k in keys if k not in ids]
    missing = [c for c in ids if c not in keys]
    problems = [f"unknown criterion {k!r}{did_you_mean(str(k), ids)}" for k in unknown]
    if missing:
        problems.append(f"no weight for {', '.join(missing)} (give 0 to leave a criterion out)")
    if problems:
        raise ArgumentError("weights: " + "; ".join(problems))
    return normalise(pd.Series(dict(weights), dtype=object).reindex(ids)), "weights given"


# --------------------------------------------------------------------------- screening

def _screen(ctx: Context, focal: str, service: str, exclude: Iterable[str],
            max_distance_km: float | None, all_councils: pd.DataFrame) -> tuple[list[str],
                                                                             pd.DataFrame]:
    """Return (candidates, screened table with reasons)."""
    cat = services()
    delivered = set(cat.at[service, "delivered_by"])
    reasons: dict[str, str] = {}
    gone = ~all_councils.index.isin(ctx.codes)
    for code, vf, vt in zip(all_councils.index[gone], all_councils["valid_from"][gone],
                            all_councils["valid_to"][gone], strict=True):
        if pd.notna(vt) and vt < ctx.as_of:
            reasons[code] = f"not in force on {ctx.as_of:%Y-%m-%d} (ended {vt:%Y-%m-%d})"
        else:
            reasons[code] = f"not in force on {ctx.as_of:%Y-%m-%d} (began {vf:%Y-%m-%d})"
    excluded = {find_council(x, ctx.as_of) for x in exclude}
    reg = ctx.councils
    e, n = reg["easting"].to_numpy(float), reg["northing"].to_numpy(float)
    i = ctx.codes.get_loc(focal)
    dist = np.hypot(e - e[i], n - n[i]) / 1000.0
    service_name = name_in_sentence(cat.at[service, "name"])
    candidates = []
    for k, (code, tier) in enumerate(zip(ctx.codes, reg["tier"].to_numpy(), strict=True)):
        if code == focal:
            reasons[code] = "the council itself"
        elif tier not in delivered:
            reasons[code] = f"a {tier.replace('_', ' ')} does not deliver {service_name}"
        elif code in excluded:
            reasons[code] = "excluded by the user"
        elif max_distance_km is not None and dist[k] > max_distance_km:
            reasons[code] = f"{dist[k]:.0f} km away, beyond the {max_distance_km:g} km limit"
        else:
            candidates.append(code)
    screened = pd.DataFrame({"code": list(reasons), "reason": list(reasons.values())})
    screened["name"] = all_councils.loc[screened["code"], "name"].to_numpy()
    screened = screened[["code", "name", "reason"]].sort_values("code").reset_index(drop=True)
    return candidates, screened


# --------------------------------------------------------------------------- scoring

def _values(raw: dict[str, np.ndarray], criteria: Mapping[str, Criterion]) -> pd.DataFrame:
    return pd.DataFrame({cid: v[0] for cid, v in value_arrays(raw, dict(criteria)).items()})


def score_in_context(ctx: Context, focal: str, service: str, weights: WeightsLike,
                     criteria: Mapping[str, Criterion], method: str = "additive",
                     exclude: Iterable[str] = (), max_distance_km: float | None = None,
                     all_councils: pd.DataFrame | None = None, *,
                     committed: str = DEFAULT_COMMITTED,
                     unavailable: Unavailable | None = None,
                     partnerships: bool = False, cross_regime: bool = False,
                     two_way: bool | float = False) -> Shortlist:
    """The shortlist of one council and service in an already built context.

    :func:`shortlist` resolves its arguments and calls this; :func:`programme` and the
    backtest (:func:`partnerfit.evaluate.backtest`) call it directly, so that many
    shortlists share one :class:`~partnerfit.criteria.Context` (a backtest scores with a
    context whose links have the pair's shared arrangements removed).

    Parameters
    ----------
    ctx : Context
        Councils, borders, links and systems on the date (:func:`~partnerfit.criteria.build_context`).
    focal : str
        GSS code of the focal council (in force on the context's date).
    service : str
        Service id from the catalogue.
    weights : weights-like
        As for :func:`shortlist`.
    criteria : mapping of str to Criterion
        The criteria to score on (:func:`~partnerfit.criteria.load_criteria`).
    method : {"additive", "topsis", "promethee"}
        Aggregation, as for :func:`shortlist`.
    exclude : iterable of str
        Councils to leave out.
    max_distance_km : float, optional
        Screen out candidates farther than this.
    all_councils : DataFrame, optional
        Every council of the register, in force or not (default the bundled register), to
        name the councils screened out.
    committed : {"mark", "penalise", "screen", "offer"}
        What to do with candidates committed to another running arrangement for the
        service (:mod:`partnerfit.availability`).
    unavailable : dict, optional
        GSS code -> reason of councils marked unavailable
        (:func:`~partnerfit.availability.read_unavailable`); screened out.
    partnerships : bool, default False
        Add the running arrangements for the service within reach as candidates
        (:mod:`partnerfit.candidates`). The backtest scores councils only.
    cross_regime : bool
        As for :func:`shortlist`.
    two_way : bool or float, default False
        As for :func:`shortlist` (default here: no two-way columns).

    Returns
    -------
    Shortlist
    """
    if method not in METHODS:
        raise PartnerfitError(f"method {method!r} is not one of {', '.join(METHODS)}"
                              f"{did_you_mean(method, METHODS)}")
    if all_councils is None:
        all_councils = load_councils()
    w, w_desc = resolve_weights(weights, service, criteria)
    check_committed(committed)
    candidates, screened = _screen(ctx, focal, service, exclude, max_distance_km, all_councils)
    regimes = check_regimes(ctx.councils, focal, candidates, service, as_of=ctx.as_of,
                            cross_regime=cross_regime)
    candidates = regimes.kept
    if regimes.screened:
        screened = _add_screened(screened, regimes.screened, all_councils["name"])
    running = running_for_service(ctx.links, service, ctx.as_of)
    held = commitments(ctx.links, focal, service, ctx.as_of, running)
    marked = unavailable or {}
    parts = partnership_candidates(ctx, focal, service,
                                   [c for c in candidates if c not in marked], running
                                   ) if partnerships else None
    candidates, screened = screen_for_availability(
        candidates, screened, marked, held, committed, all_councils["name"],
        () if parts is None else parts.index)
    raw = compute_measures(ctx, [focal], candidates, service, dict(criteria))
    names = ctx.councils["name"]
    if parts is not None and len(parts):
        extra = partnership_measures(ctx, focal, service, criteria, parts, raw, candidates)
        raw = {cid: np.concatenate([raw[cid], extra[cid]], axis=1) for cid in raw}
        candidates = [*candidates, *parts.index]
        names = pd.concat([names, parts["name"]])
    cells = _Cells.measured(raw, criteria, candidates)
    notes = list(ctx.notes) + regimes.notes
    weights_used = _drop_inapplicable(cells, criteria, service, w, notes)
    focal_name = str(ctx.councils.at[focal, "name"])
    whose = (f"for {focal_name}" if not systems_known(ctx, focal, service)
             else "for every candidate")
    weights_used = _drop_unknown(cells, criteria, weights_used, notes, whose)
    drop = cells.apply_missing_policy(criteria)
    _flag_assumed(cells, ctx, focal, service, criteria, weights_used)
    if committed == "penalise":
        _penalise(cells, held)
    if drop:
        screened = _add_screened(screened, drop, pd.concat([all_councils["name"],
                                                            names.drop(all_councils.index,
                                                                       errors="ignore")]))
        keep = ~cells.values.index.isin(list(drop))
        cells = cells.rows(keep)
        raw = {k: v[:, keep] for k, v in raw.items()}
    matrix = cells.matrix(weights_used, criteria, names)
    scores, view = _with_two_way(_aggregate(matrix, method), two_way, ctx, focal, service, w,
                                 criteria, method, max_distance_km, committed, cross_regime,
                                 notes)
    return Shortlist(
        council=focal, council_name=str(ctx.councils.at[focal, "name"]), service=service,
        as_of=ctx.as_of, method=method, criteria=dict(criteria), matrix=matrix,
        weights_given=w, weights_source=w_desc, scores=scores,
        raw=pd.DataFrame({cid: raw[cid][0] for cid in criteria},
                         index=pd.Index(matrix.codes, name="code")),
        screened=screened, councils=ctx.councils, notes=notes, context=ctx,
        committed={c: committed_text(a) for c, a in held.items()
                   if c in set(matrix.codes)},
        committed_policy=committed, unavailable=dict(marked),
        partnerships=parts,
        regimes=regimes.marks, two_way=view)


def _with_two_way(scores: pd.Series, two_way: bool | float, ctx: Context, focal: str,
                  service: str, w: pd.Series, criteria: Mapping[str, Criterion], method: str,
                  max_distance_km: float | None, committed: str, cross_regime: bool,
                  notes: list[str]) -> tuple[pd.Series, TwoWay | None]:
    """The candidates' view of ``focal`` (None when not asked for) and the scores, mixed
    with that view when a mutual score is asked for (said in ``notes``)."""
    mutual = check_two_way(two_way)
    if mutual is None:
        return scores, None
    pairs = all_pairs(ctx, service, w, dict(criteria), method, max_distance_km,
                      committed=committed, cross_regime=cross_regime)
    view = two_way_view(pairs, focal, scores.index, mutual)
    if mutual > 0:
        scores = mix(scores, view)
        notes.append(mutual_note(mutual, str(ctx.councils.at[focal, "name"])))
    return scores, view


def _penalise(cells: _Cells, held: Mapping[str, list[tuple[str, str]]]) -> None:
    """``committed="penalise"``: every value of a committed candidate times
    :data:`~partnerfit.availability.PENALTY_FACTOR` (so its score is too); the table's
    flags say so."""
    rows = cells.values.index.isin(list(held))
    if rows.any():
        cells.values = cells.values.mul(np.where(rows, PENALTY_FACTOR, 1.0), axis=0)


@dataclass
class _Cells:
    """The value cells of a shortlist while the missing-data policy is applied to them."""

    values: pd.DataFrame     # candidates x criteria, NaN where unknown
    missing: pd.DataFrame    # unknown (before any policy)
    flags: pd.DataFrame      # the reason shown for a flagged cell
    renorm: pd.DataFrame     # unknown and left for the weights to be shared out

    @classmethod
    def measured(cls, raw: dict[str, np.ndarray], criteria: Mapping[str, Criterion],
                 candidates: list[str]) -> _Cells:
        values = _values(raw, criteria)
        values.index = pd.Index(candidates, name="code")
        return cls(values, values.isna(),
                   pd.DataFrame("", index=values.index, columns=values.columns),
                   pd.DataFrame(False, index=values.index, columns=values.columns))

    def rows(self, keep: np.ndarray) -> _Cells:
        return _Cells(self.values[keep], self.missing[keep], self.flags[keep],
                      self.renorm[keep])

    def apply_missing_policy(self, criteria: Mapping[str, Criterion]) -> dict[str, str]:
        """Fill or flag every unknown cell by its criterion's policy; the candidates to drop."""
        drop: dict[str, str] = {}
        for cid, crit in criteria.items():
            miss = self.missing[cid] & (self.flags[cid] == "")
            if not miss.any():
                continue
            if crit.missing == "expected" and (~self.missing[cid]).any():
                mean = float(self.values.loc[~self.missing[cid], cid].mean())
                self.values.loc[miss, cid] = mean
                self.flags.loc[miss, cid] = (f"unknown: {mean:.0f}, the average of the "
                                             "candidates where it is known")
            elif crit.missing in ("neutral", "expected"):
                self.values.loc[miss, cid] = NEUTRAL
                self.flags.loc[miss, cid] = "unknown: neutral 50"
            elif crit.missing == "pessimistic":
                self.values.loc[miss, cid] = PESSIMISTIC
                self.flags.loc[miss, cid] = "unknown: pessimistic 0"
            elif crit.missing == "exclude":
                for code in miss[miss].index:
                    drop.setdefault(code, f"{crit.label} unknown (missing-data policy: exclude)")
            else:
                self.renorm.loc[miss, cid] = True
                self.flags.loc[miss, cid] = "unknown: weight shared among the others"
        return drop

    def matrix(self, weights: pd.Series, criteria: Mapping[str, Criterion],
               names: pd.Series) -> ValueMatrix:
        """The complete value matrix: cells left to renormalisation get the candidate's
        renormalised score, so that the matrix reproduces the score."""
        values = self.values
        codes = values.index.to_numpy()
        names = names.reindex(values.index)
        shown = np.where(names.notna(), names.astype(str), codes).astype(object)
        labels = tuple(c.label for c in criteria.values())
        if self.renorm.any().any():
            gaps = ValueMatrix(codes, tuple(values.columns), values.mask(self.renorm).to_numpy(),
                               weights.to_numpy(dtype=float), labels=labels,
                               missing=self.renorm.to_numpy())
            score = aggregation.additive(gaps, renormalise_missing=True)
            score.index = values.index
            for cid in values.columns:
                values.loc[self.renorm[cid], cid] = score[self.renorm[cid]]
        return ValueMatrix(codes, tuple(values.columns), values.to_numpy(dtype=float),
                           weights.to_numpy(dtype=float), names=shown, labels=labels,
                           missing=(self.missing & ~self.renorm | self.renorm).to_numpy(),
                           reasons=self.flags.to_numpy(dtype=object))


def _drop_inapplicable(cells: _Cells, criteria: Mapping[str, Criterion], service: str,
                       w: pd.Series, notes: list[str]) -> pd.Series:
    """The weights to score with: a criterion that does not apply to the service (IT systems
    for a service without any) gets 0 and its cells 0, not flagged; the note says so."""
    weights_used = w.copy()
    for cid, crit in criteria.items():
        if crit.measure == "systems" and not services().at[service, "systems"] and w[cid] > 0:
            notes.append(f"{crit.label}: no IT system is listed for this service, so the "
                         f"criterion does not apply; its weight ({w[cid]:.0%}) is shared among "
                         "the others in proportion.")
            weights_used[cid] = 0.0
            cells.missing[cid] = False
            cells.values[cid] = 0.0
    return weights_used / weights_used.sum()


LEFT_OUT = "unknown: left out of this shortlist"


def _flag_assumed(cells: _Cells, ctx: Context, focal: str, service: str,
                  criteria: Mapping[str, Criterion], w: pd.Series) -> None:
    """Flag known systems values that rest on an observation made in another year."""
    for cid, crit in criteria.items():
        if crit.measure != "systems" or w[cid] <= 0:
            continue
        codes = list(cells.values.index)
        for code, text in zip(codes, systems_assumed(ctx, focal, codes, service), strict=True):
            if text and not cells.missing.at[code, cid]:
                cells.flags.at[code, cid] = text


def _drop_unknown(cells: _Cells, criteria: Mapping[str, Criterion], w: pd.Series,
                  notes: list[str], whose_systems: str) -> pd.Series:
    """A criterion unknown for every candidate (e.g. IT systems when the focal council's are
    unknown) drops out: weight 0, its weight shared among the others in proportion, its cells
    flagged as unknown (value 0, never shown as a finding); the note says so in one sentence."""
    weights_used = w.copy()
    n = len(cells.values)
    for cid, crit in criteria.items():
        if not n or weights_used[cid] <= 0 or not cells.missing[cid].all():
            continue
        whose = whose_systems if crit.measure == "systems" else "for every candidate"
        notes.append(f"{crit.label} is unknown {whose} on this date, so it is left out of "
                     f"this shortlist: its weight ({weights_used[cid]:.0%}) is shared among the "
                     "other criteria in proportion.")
        weights_used[cid] = 0.0
        cells.values[cid] = 0.0
        cells.flags[cid] = LEFT_OUT
    total = weights_used.sum()
    return weights_used / total if total > 0 else weights_used


def _add_screened(screened: pd.DataFrame, drop: dict[str, str],
                  names: pd.Series) -> pd.DataFrame:
    """``screened`` with the candidates a missing-data policy excluded, by code (``names``:
    code -> name of every council and partnership candidate)."""
    extra = pd.DataFrame({"code": list(drop), "reason": list(drop.values())})
    extra["name"] = names.loc[extra["code"]].to_numpy()
    return pd.concat([screened, extra[["code", "name", "reason"]]]).sort_values(
        "code").reset_index(drop=True)


def _aggregate(matrix: ValueMatrix, method: str) -> pd.Series:
    """Scores on the 0-100 scale every table and explanation uses."""
    if method == "additive":
        return aggregation.additive(matrix)
    if method == "topsis":
        return aggregation.topsis(matrix) * 100.0
    # net flow in [-1, 1] onto 0-100
    return (aggregation.promethee_ii(matrix) + 1.0) * 50.0


def _checked_options(top: Any, max_distance_km: Any, exclude: Any
                     ) -> tuple[int | None, float | None, list[str]]:
    """``top``, ``max_distance_km`` and ``exclude`` checked: whole, positive, a list."""
    return (None if top is None else check_int(top, "top", low=1, meaning="rows to keep",
                                               example="10"),
            None if max_distance_km is None else check_number(
                max_distance_km, "max_distance_km", above=0,
                meaning="kilometres between council centres", example="50"),
            check_names(exclude, "exclude"))


def _check_partnership_options(committed: Any, partnerships: Any, two_way: Any = False
                               ) -> None:
    """``committed`` a policy, ``partnerships`` a bool, "offer" only with partnerships, and
    ``two_way`` a bool or a share."""
    check_committed(committed)
    check_two_way(two_way)
    if not isinstance(partnerships, bool):
        raise ArgumentTypeError(f"partnerships={partnerships!r} must be True (offer existing "
                                "partnerships as candidates) or False (councils only).")
    if committed == "offer" and not partnerships:
        raise ArgumentError("committed='offer' offers a committed council's partnership "
                            "instead of the council, so it needs partnerships=True; use "
                            "committed='screen' to leave committed councils out without it.")
def shortlist(council: str, service: str, *, as_of: DateLike = None, weights: WeightsLike = None,
              links: pd.DataFrame | str | Path | None = None,
              systems: pd.DataFrame | str | Path | None = None,
              top: int | None = None, method: str = "additive", exclude: Iterable[str] = (),
              max_distance_km: float | None = None, criteria: str | Path | None = None,
              councils: pd.DataFrame | None = None,
              add_links: pd.DataFrame | str | Path | None = None,
              add_systems: pd.DataFrame | str | Path | None = None,
              drop_links: Iterable[str] = (), unavailable: Any = None,
              committed: str = DEFAULT_COMMITTED, partnerships: bool = True,
              cross_regime: bool = False,
              clusters: pd.DataFrame | str | Path | None = None,
              two_way: bool | float = True) -> Shortlist:
    """Rank every eligible partner for ``council`` and ``service`` on a date.

    Parameters
    ----------
    council : str
        Name, alias, short id or GSS code of the focal council (resolved on ``as_of``).
    service : str
        Service id from the catalogue (``revenues_benefits``, ``hr_payroll``, ...).
    as_of : date-like, optional
        The date of the decision (default today): the councils, borders, arrangements and
        systems of that date are used.
    weights : str, path, mapping, Series or WeightProfile, optional
        Default: the bundled profile (``criteria/weights/default.yaml``), with its per-service
        override. A mapping must give every criterion (0 leaves one out).
    links : DataFrame or path, optional
        The whole arrangements table to use, replacing the bundled register (the summary says
        so), in the long form of :func:`partnerfit.load_links` (e.g. with one arrangement
        removed). An empty DataFrame scores without relationships.
    systems : DataFrame or path, optional
        The whole IT systems table, replacing the bundled register
        (see :func:`partnerfit.load_systems`).
    add_links, add_systems : DataFrame or path (CSV, Excel), optional
        Your own arrangements / IT systems layered on the bundled tables (council names
        accepted; see :mod:`partnerfit.layers`); the summary says what they added, changed
        or removed.
    drop_links : iterable of str
        Arrangement ids to remove.
    top : int, optional
        Keep only the best ``top`` rows in ``.table`` (everything stays in ``.value_matrix``).
    method : {"additive", "topsis", "promethee"}
        Aggregation. The linear additive model (DCLG MCA manual) is the default and the only
        one whose scores decompose into contributions. Every method scores 0-100: TOPSIS
        closeness x 100, PROMETHEE II net flow phi in [-1, 1] as 50 (phi + 1).
    exclude : iterable of str
        Councils to leave out (recorded in ``.screened``).
    max_distance_km : float, optional
        Screen out candidates farther than this.
    criteria : path, optional
        A criteria file replacing ``criteria/criteria.yaml``.
    councils : DataFrame or path, optional
        A user's council register (validated by :func:`partnerfit.read_councils`).
    unavailable : list of str, path or DataFrame, optional
        Councils you know will not partner: names or codes, or a table (CSV, Excel or
        DataFrame) with a ``council`` column and an optional ``reason`` column. Screened out
        as "marked unavailable by you (reason)"; the summary and report list them.
    committed : {"penalise", "mark", "screen", "offer"}, default "penalise"
        A candidate in another running arrangement for the service without the council
        (``committed`` column): score x 0.5 (chosen with the backtest), only marked, screened
        out, or screened with its partnership offered instead (availability).
    partnerships : bool, default True
        Offer running arrangements for the service within reach as candidates ("Join Anglia
        Revenues Partnership (4 councils)"; code = arrangement id, ``kind`` "partnership");
        False: councils only.
    cross_regime : bool
        Keep (marked) the candidates whose law for the service is separate from the
        council's (e.g. Scotland's building standards against English building control);
        False screens them out with the reason. Where only details differ they are marked.
    clusters : DataFrame or path (CSV, Excel), optional
        Your own clusters of councils, added to the bundled ones for the same-area
        criterion (columns as :func:`partnerfit.load_clusters`).
    two_way : bool or float, default True
        True adds ``their_rank`` and ``their_score``: where this council would rank and score
        on each candidate council's own shortlist (:mod:`partnerfit.two_way`); False leaves
        them out; a number ``t`` (0-1) ranks by ``(1 - t) x own + t x their score`` (the
        value matrix and weight analyses stay those of the own score).

    Returns
    -------
    Shortlist
        ``.table`` best first; ``.screened`` with reasons; ``.explain(code)``; ``.compare(a, b)``.

    Examples
    --------
    >>> import partnerfit as pf
    >>> sl = pf.shortlist("Lancaster", "revenues_benefits", as_of="2009-06-01")
    >>> sl.table.columns[:4].tolist()
    ['rank', 'code', 'name', 'score']
    """
    date = to_date(as_of) or today()
    top, max_distance_km, exclude = _checked_options(top, max_distance_km, exclude)
    _check_partnership_options(committed, partnerships, two_way)
    if councils is not None:  # a path or a DataFrame, validated the same way
        councils = read_councils(councils)
    crit = load_criteria(criteria)
    check_service(service)
    focal = find_council(council, date, councils=councils)
    check_delivers(focal, service, date, councils=councils)
    given_empty = isinstance(links, pd.DataFrame) and links.empty
    layers = prepare_layers(links=None if given_empty else links, add_links=add_links,
                            drop_links=drop_links, systems=systems, add_systems=add_systems)
    ctx = build_context(date, links=links if given_empty else layers.links,
                        systems=layers.systems, councils=councils, clusters=clusters)
    marked = read_unavailable(unavailable, date, councils=councils)
    everyone = load_councils(councils=councils)
    sl = score_in_context(ctx, focal, service, weights, crit, method, exclude,
                          max_distance_km, everyone, committed=committed,
                          unavailable=marked, partnerships=partnerships,
                          cross_regime=check_flag(cross_regime, "cross_regime"),
                          two_way=two_way)
    sl.notes[:0] = layers.notes
    sl.notes += availability_notes(sl.committed, sl.screened, committed, marked,
                                   everyone["name"].to_dict())
    sl.top = top
    if future_note(date):
        sl.notes.append(future_note(date))
    return sl


def programme(council: str, *, as_of: DateLike = None, services_: Iterable[str] | None = None,
              top: int = 3, weights: WeightsLike = None,
              links: pd.DataFrame | str | Path | None = None,
              systems: pd.DataFrame | str | Path | None = None,
              add_links: pd.DataFrame | str | Path | None = None,
              add_systems: pd.DataFrame | str | Path | None = None,
              drop_links: Iterable[str] = (), unavailable: Any = None,
              committed: str = DEFAULT_COMMITTED, partnerships: bool = True,
              cross_regime: bool = False,
              clusters: pd.DataFrame | str | Path | None = None,
              two_way: bool | float = False) -> Programme:
    """For one council, the best ``top`` partners for every service it delivers, as one table.

    ``links``, ``systems``, ``add_links``, ``add_systems``, ``drop_links``, ``unavailable``,
    ``committed``, ``partnerships``, ``cross_regime`` and ``clusters`` are as for
    :func:`shortlist`; what the data options did is in the result's ``notes``. ``two_way`` is
    as for :func:`shortlist` but off by default here (each service needs its own all-pairs
    pass): True adds ``their_rank`` and ``their_score``, a number mixes them into the score.

    Returns
    -------
    Programme
        A DataFrame with columns ``service, service_name, rank, code, name, score, kind``
        (``kind`` "council", or "partnership" for an existing partnership, whose code is its
        arrangement id; and ``their_rank, their_score`` with ``two_way``); services in
        catalogue order. ``.to_report()`` gives its report.
    """
    date = to_date(as_of) or today()
    top = check_int(top, "top", low=1, meaning="partners per service", example="3")
    _check_partnership_options(committed, partnerships, two_way)
    cross_regime = check_flag(cross_regime, "cross_regime")
    given = None if services_ is None else check_names(services_, "services_", what="service")
    crit = load_criteria()
    focal = find_council(council, date)
    for s in given or ():
        check_service(s)
        check_delivers(focal, s, date)
    layers = prepare_layers(links=links, add_links=add_links, drop_links=drop_links,
                            systems=systems, add_systems=add_systems)
    ctx = build_context(date, links=layers.links, systems=layers.systems, clusters=clusters)
    marked = read_unavailable(unavailable, date)
    cat = services()
    tier = ctx.councils.at[focal, "tier"]
    chosen = given if given is not None else [
        s for s in cat.index if tier in cat.at[s, "delivered_by"]]
    everyone = load_councils()
    rows = []
    for s in chosen:
        check_service(s)
        sl = score_in_context(ctx, focal, s, weights, crit, "additive", (), None, everyone,
                              committed=committed, unavailable=marked,
                              partnerships=partnerships, cross_regime=cross_regime,
                              two_way=two_way)
        r = sl.ranks()
        for code in r[r <= top].sort_values().index:  # the best `top` without the full table
            rows.append({"service": s, "service_name": cat.at[s, "name"], "rank": int(r[code]),
                         "code": code, "name": sl.name_of(code),
                         "score": float(sl.scores[code]),
                         "kind": "partnership" if sl.is_partnership(code) else "council"})
            if sl.two_way is not None and not sl.is_partnership(code):
                view = sl.two_way.table.loc[code]
                rows[-1].update(their_rank=view["their_rank"],
                                their_score=float(view["their_score"]))
    prog = Programme.from_rows(rows, council=focal, as_of=date, weights=weights)
    if "their_rank" in prog.columns:
        prog["their_rank"] = prog["their_rank"].astype("Int64")
    prog.notes = list(layers.notes)
    if marked:
        prog.notes.append(unavailable_note(marked, everyone["name"].to_dict()))
    return prog


def pairwise_scores(codes: Iterable[str], service: str, *, as_of: DateLike = None,
                    weights: WeightsLike = None, links: pd.DataFrame | str | Path | None = None,
                    systems: pd.DataFrame | None = None,
                    committed: str = DEFAULT_COMMITTED) -> pd.DataFrame:
    """Symmetric matrix of pair scores (0-100) between councils, with the shortlist's criteria,
    value functions and weights: the score of (a, b) is the mean of a's score for b and b's
    for a (only ``sharing_record`` differs by direction). Unknown values are neutral (50).

    Used by the grouping optimiser. The diagonal is 0.

    Parameters
    ----------
    codes : iterable of str
        Names or GSS codes of the councils (resolved on ``as_of``).
    service : str
        Service id.
    as_of : date-like, optional
        The date (default today).
    weights, links, systems
        As for :func:`shortlist`.
    committed : {"penalise", "mark", "screen"}, default "penalise"
        The shortlist's availability policy (:mod:`partnerfit.availability`), applied to the
        pairs where either council is committed to a running arrangement for the service
        that does not include the other (the councils a shortlist of either would mark
        committed), counting only arrangements with a member outside ``codes``
        (:func:`committed_pairs`: the optimiser keeps or extends the others itself):
        "penalise" (the default, as the shortlist's) multiplies the pair's score
        by :data:`~partnerfit.availability.PENALTY_FACTOR`, once however many of the two
        are committed; "mark" leaves it; "screen" scores the pair 0, the lowest score, so
        that the optimiser, which values a pair by its score less ``min_pair_score``, never
        gains by grouping it (to forbid a pair outright, give it to the optimiser as apart).
        "offer" has no meaning here (pair scores have no partnership candidates) and is an
        error.

    Returns
    -------
    pandas.DataFrame
        Index and columns the GSS codes in the order given.
    """
    date = to_date(as_of) or today()
    if check_committed(committed) == "offer":
        raise ArgumentError("committed='offer' offers a committed council's partnership on a "
                            "shortlist; pair scores have no partnership candidates, so give "
                            "committed='screen' (committed pairs score 0), 'penalise' or "
                            "'mark'.")
    crit = load_criteria()
    check_service(service)
    codes = [find_council(c, date) for c in check_names(codes, "codes")]
    ctx = build_context(date, links=links, systems=systems)
    w, _ = resolve_weights(weights, service, crit)
    if not services().at[service, "systems"]:
        w = w.copy()
        w[[c for c, k in crit.items() if k.measure == "systems"]] = 0.0
        w = w / w.sum()
    raw = compute_measures(ctx, codes, codes, service, crit)
    total = np.zeros((len(codes), len(codes)))
    for cid, v in value_arrays(raw, crit).items():
        total += w[cid] * np.where(np.isnan(v), NEUTRAL, v)
    sym = (total + total.T) / 2.0
    if committed != "mark":
        held = committed_pairs(ctx, codes, service)
        sym = np.where(held, 0.0 if committed == "screen" else sym * PENALTY_FACTOR, sym)
    np.fill_diagonal(sym, 0.0)
    return pd.DataFrame(sym, index=codes, columns=codes)


def committed_pairs(ctx: Context, codes: list[str], service: str) -> np.ndarray:
    """(k, k) True where council ``codes[i]`` or ``codes[j]`` is committed to a running
    arrangement for ``service`` that does not include the other and that has a member
    outside ``codes``, as each one's shortlist finds it
    (:func:`partnerfit.availability.commitments` on the context's arrangements).

    An arrangement whose members are all among ``codes`` commits no one here: the
    optimiser scores those councils together and can keep or extend the arrangement itself,
    so a penalty on its members' other pairs would count against exactly the groups that
    extend it. One with a member outside ``codes`` does: grouping its members with the
    others takes them from it.
    """
    running = running_for_service(ctx.links, service, ctx.as_of)
    chosen = set(codes)
    outside = running.loc[~running["code"].isin(chosen), "arrangement"]
    running = running[running["arrangement"].isin(set(outside))]
    at = {c: i for i, c in enumerate(codes)}
    held = np.zeros((len(codes), len(codes)), dtype=bool)
    for i, code in enumerate(codes):
        for other in commitments(ctx.links, code, service, ctx.as_of, running):
            if other in at:
                held[i, at[other]] = True
    return held | held.T

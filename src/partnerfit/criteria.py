"""Criterion definitions (``criteria/criteria.yaml``) and the raw measures behind them.

A criterion turns a (focal council, candidate, service) on a date into a raw measure (km, a
label, a share, a count) and then, through its value function, into a 0-100 value score. Raw
measures are computed for whole blocks of pairs at once (focal councils x candidates) from a
:class:`Context`, so the shortlist (one row) and the grouping optimiser (every pair) share the
same code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from ._dates import DateLike, to_date, today
from ._paths import bundled
from ._yaml import did_you_mean, display_path, line_key, load_yaml, where
from .cluster_table import cluster_members
from .errors import DataValidationError
from .links import KIND_LABELS, KINDS, NOT_STATED, load_links, lost_members
from .register import adjacency, load_councils
from .services import check_service, services
from .systems import systems_in_use, systems_on
from .value_functions import ValueFunction, value_function_from_spec

__all__ = ["MEASURES", "MISSING_FILL", "MISSING_POLICIES", "Context", "Criterion",
           "build_context", "compute_measures", "load_criteria", "load_kind_weights",
           "service_links", "systems_assumed", "systems_known", "value_arrays"]

MEASURES = ("distance", "adjacency", "same_area", "tier_fit", "size_ratio", "systems",
            "direct_links", "same_service", "other_links", "shared_partners", "sharing_record",
            "column")
MISSING_POLICIES = ("neutral", "expected", "pessimistic", "exclude", "renormalise")
#: The value an unknown cell gets under the fixed-value missing-data policies.
MISSING_FILL = {"neutral": 50.0, "pessimistic": 0.0}
GROUPS = ("geography", "fit", "systems", "relationships", "other")
COMPARES = ("same", "candidate", "ratio", "difference")
_FIELDS = ("label", "group", "measure", "unit", "value", "missing", "description", "column",
           "compare")
_UNITARY_LIKE = {"unitary", "metropolitan_borough", "london_borough", "welsh_unitary",
                 "scottish_unitary", "sui_generis"}
# same_area labels by number: 0 different, 1 same region, 2 same county, 3 same cluster
_AREA_LABELS = np.array(["different", "same_region", "same_county", "same_cluster"],
                        dtype=object)
RECENT_YEARS = 5  # ended arrangements within this many years count half in direct_links


@dataclass(frozen=True)
class Criterion:
    """One criterion: how the raw measure is computed and valued.

    Attributes
    ----------
    id : str
        Identifier used in weight files and tables (``distance``).
    label : str
        Plain name (``"Geography: distance"``).
    group : str
        geography, fit, systems, relationships or other.
    measure : str
        One of :data:`MEASURES`.
    value : ValueFunction
        Raw measure -> 0-100 value.
    missing : str
        Missing-data policy, one of :data:`MISSING_POLICIES`.
    unit, description, column, compare : str
        For explanations; ``column``/``compare`` for ``measure: column``.
    """

    id: str
    label: str
    group: str
    measure: str
    value: ValueFunction
    missing: str = "neutral"
    unit: str = ""
    description: str = ""
    column: str = ""
    compare: str = ""

    def to_spec(self) -> dict[str, Any]:
        """The criterion as written in ``criteria.yaml``."""
        spec = {"label": self.label, "group": self.group, "measure": self.measure,
                "value": self.value.to_spec(), "missing": self.missing}
        for k in ("unit", "description", "column", "compare"):
            if getattr(self, k):
                spec[k] = getattr(self, k)
        return spec


def load_criteria(path: str | Path | None = None) -> dict[str, Criterion]:
    """Load and validate criterion definitions (default: the bundled ``criteria/criteria.yaml``).

    Returns
    -------
    dict
        Criterion id -> :class:`Criterion`, in file order.

    Raises
    ------
    DataValidationError
        Every problem at once, each with file and line.
    """
    if path is None:
        return dict(_bundled_criteria())
    return _parse_criteria(Path(path))


@lru_cache(maxsize=1)
def _bundled_criteria() -> tuple[tuple[str, Criterion], ...]:
    return tuple(_parse_criteria(bundled("criteria", "criteria.yaml")).items())


def _parse_criteria(path: Path) -> dict[str, Criterion]:
    source = display_path(path)
    data = load_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("criteria"), dict):
        raise DataValidationError(source, [("the file needs a top-level 'criteria:' mapping of "
                                           "criterion id -> definition")])
    block = data["criteria"]
    problems: list[str] = []
    for key in data:
        if key != "criteria":
            problems.append(f"{where(source, data, key)}: unknown key {key!r} at the top of the "
                            f"file (only 'criteria:' belongs here){did_you_mean(key, ['criteria'])}")
    out: dict[str, Criterion] = {}
    for cid, spec in block.items():
        at = where(source, block, cid)
        if not isinstance(spec, dict):
            problems.append(f"{at}: criterion {cid!r} must be a mapping")
            continue
        for key in spec:
            if key not in _FIELDS:
                problems.append(f"{where(source, spec, key)}: unknown field {key!r} in "
                                f"criterion {cid!r}{did_you_mean(key, _FIELDS)}")
        measure = spec.get("measure")
        if "measure" not in spec:
            problems.append(f"{at}: criterion {cid!r} has no 'measure:' (one of "
                            f"{', '.join(MEASURES)})")
        elif measure not in MEASURES:
            problems.append(f"{where(source, spec, 'measure')}: measure {measure!r} of {cid!r} "
                            f"is not one of {', '.join(MEASURES)}{did_you_mean(measure, MEASURES)}")
        group = spec.get("group", "other")
        if group not in GROUPS:
            problems.append(f"{where(source, spec, 'group')}: group {group!r} of {cid!r} is not "
                            f"one of {', '.join(GROUPS)}{did_you_mean(group, GROUPS)}")
        missing = spec.get("missing", "neutral")
        if missing not in MISSING_POLICIES:
            problems.append(f"{where(source, spec, 'missing')}: missing-data policy {missing!r} "
                            f"of {cid!r} is not one of {', '.join(MISSING_POLICIES)}"
                            f"{did_you_mean(missing, MISSING_POLICIES)}")
        if measure == "column":
            if not spec.get("column"):
                problems.append(f"{at}: criterion {cid!r} has measure 'column' but no 'column:'")
            if "compare" not in spec:
                problems.append(f"{at}: criterion {cid!r} has measure 'column' but no "
                                f"'compare:' (one of {', '.join(COMPARES)})")
            elif spec["compare"] not in COMPARES:
                problems.append(f"{where(source, spec, 'compare')}: compare "
                                f"{spec['compare']!r} of {cid!r} must be one of "
                                f"{', '.join(COMPARES)}{did_you_mean(spec['compare'], COMPARES)}")
        if "value" not in spec:
            problems.append(f"{at}: criterion {cid!r} has no value function ('value:')")
            continue
        vf = value_function_from_spec(spec["value"], where(source, spec, "value"),
                                      problems=problems)
        if vf is None or measure not in MEASURES:
            continue
        out[cid] = Criterion(
            id=cid, label=str(spec.get("label", cid)), group=group, measure=measure, value=vf,
            missing=missing, unit=str(spec.get("unit", "")),
            description=str(spec.get("description", "")), column=str(spec.get("column", "")),
            compare=str(spec.get("compare", "")))
    if problems:
        raise DataValidationError(source, sorted(problems, key=line_key))
    return out


# --------------------------------------------------------------------------- arrangement kinds

def load_kind_weights(path: str | Path | None = None) -> dict[str, float]:
    """How much an existing arrangement of each kind counts in the relationship criteria.

    Read from ``criteria/arrangement_kinds.yaml`` (or ``path``): a ``kinds:`` mapping of every
    kind of :data:`partnerfit.links.KINDS` and ``not_stated`` to a weight from 0 (the
    arrangement is not evidence that the councils chose to work together) to 1 (a full
    arrangement). The bundled weights were chosen with the backtest (see the file).

    Returns
    -------
    dict
        Kind -> weight.

    Raises
    ------
    DataValidationError
        Every problem at once, each with file and line.
    """
    source_path = bundled("criteria", "arrangement_kinds.yaml") if path is None else Path(path)
    source = display_path(source_path)
    data = load_yaml(source_path)
    if not isinstance(data, dict) or not isinstance(data.get("kinds"), dict):
        raise DataValidationError(source, [("the file needs a top-level 'kinds:' mapping of "
                                            "arrangement kind -> weight (0 to 1)")])
    block = data["kinds"]
    allowed = (*KINDS, NOT_STATED)
    problems = [f"{where(source, data, k)}: unknown key {k!r} at the top of the file (only "
                "'kinds:' belongs here)" for k in data if k != "kinds"]
    for k, v in block.items():
        if k not in allowed:
            problems.append(f"{where(source, block, k)}: {k!r} is not an arrangement kind "
                            f"({', '.join(allowed)}){did_you_mean(k, allowed)}")
        elif isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
            problems.append(f"{where(source, block, k)}: the weight of {k!r} must be a number "
                            f"from 0 to 1, not {v!r}")
    missing = [k for k in allowed if k not in block]
    if missing:
        problems.append(f"{source}: no weight for {', '.join(missing)} (give 0 for a kind that "
                        "should not count)")
    if problems:
        raise DataValidationError(source, sorted(problems, key=line_key))
    return {k: float(block[k]) for k in allowed}


@lru_cache(maxsize=1)
def _bundled_kind_weights() -> tuple[tuple[str, float], ...]:
    return tuple(load_kind_weights().items())


def _kind_weight_notes(table: pd.DataFrame, weights: dict[str, float]) -> list[str]:
    """Plain sentences on arrangements that count for less, or whose kind is not stated."""
    if not len(table):
        return []
    kinds = table.drop_duplicates("arrangement")["kind"].value_counts()
    notes = []
    unstated = int(kinds.get(NOT_STATED, 0))
    if unstated:
        notes.append(f"Kind not stated for {unstated} arrangement(s) of the links table: "
                     f"counted at weight {weights[NOT_STATED]:g} in the relationship criteria, "
                     "as a shared service the councils chose.")
    less = [f"{KIND_LABELS[k]} {weights[k]:g}" for k in KINDS if weights[k] < 1 and kinds.get(k)]
    if less:
        notes.append("Existing arrangements count by kind in the relationship criteria: "
                     + ", ".join(less) + " (others 1).")
    return notes


# --------------------------------------------------------------------------- context

@dataclass
class Context:
    """Everything the measures need on one date, precomputed once.

    Built by :func:`build_context`; ``codes`` fixes the order of every matrix.
    """

    as_of: pd.Timestamp
    councils: pd.DataFrame
    codes: pd.Index
    adjacency: dict[tuple[str, str], str | None]
    link_services: np.ndarray          # (n, n) distinct services shared (recent ended = 0.5)
    partners: np.ndarray               # (n, n) bool: share at least one running arrangement
    partnerships: np.ndarray           # (n,) distinct partnerships each council is in
    systems: pd.DataFrame              # council, function, vendor, product (known only)
    links: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    # the systems register in use (rows describing an arrangement absent from the links dropped)
    systems_table: pd.DataFrame | None = None
    kind_weights: dict[str, float] | None = None   # None: every kind counts 1
    # council code -> the clusters it is in on the date; cluster id -> name (cluster_table.py)
    clusters: dict[str, frozenset[str]] = field(default_factory=dict)
    cluster_names: dict[str, str] = field(default_factory=dict)

    def shared_clusters(self, a: str, b: str) -> list[str]:
        """Names of the clusters both ``a`` and ``b`` are in on the date, by name."""
        both = self.clusters.get(a, frozenset()) & self.clusters.get(b, frozenset())
        return sorted(self.cluster_names[c] for c in both)

    def position(self, codes) -> np.ndarray:
        """Row positions of ``codes`` in the context's matrices."""
        return self.codes.get_indexer(list(codes))


def build_context(as_of: DateLike = None, *, links: pd.DataFrame | str | Path | None = None,
                  systems: pd.DataFrame | None = None,
                  councils: pd.DataFrame | None = None,
                  kind_weights: dict[str, float] | None = None,
                  clusters: pd.DataFrame | str | Path | None = None) -> Context:
    """Precompute the register, adjacency, arrangement and systems facts for a date.

    Parameters
    ----------
    as_of : date-like, optional
        The date (default today).
    links : pandas.DataFrame or path, optional
        Arrangements in the long form of :func:`partnerfit.load_links`; default the bundled
        table. Pass an empty DataFrame to score without relationships.
    systems : pandas.DataFrame, optional
        IT systems in the form of :func:`partnerfit.links.load_systems`; default bundled.
    councils : pandas.DataFrame, optional
        A user's register.
    kind_weights : dict, optional
        Weight (0-1) of each arrangement kind in the relationship criteria (default the
        bundled :func:`load_kind_weights`); a kind left out counts 1.
    clusters : pandas.DataFrame or path, optional
        A user's clusters added to the bundled ones (:func:`partnerfit.load_clusters`).
    """
    date = to_date(as_of) or today()
    if links is None and systems is None and councils is None and kind_weights is None \
            and clusters is None:
        return _bundled_context(date)
    ctx = _build_context(date, links, systems, councils, kind_weights)
    if clusters is not None:
        ctx.clusters, ctx.cluster_names = cluster_members(date, clusters=clusters)
    return ctx


@lru_cache(maxsize=16)
def _bundled_context(date: pd.Timestamp) -> Context:
    return _build_context(date, None, None, None, None)


def link_arrays(table: pd.DataFrame, n: int, date: pd.Timestamp,
                kind_weights: dict[str, float] | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Relationship matrices on ``date`` from a links table whose rows carry a ``pos`` column.

    Parameters
    ----------
    table : pandas.DataFrame
        Long-form links (as :func:`partnerfit.links.load_links` returns) with ``pos``, each
        member's position among the ``n`` councils of the context.
    n : int
        Number of councils in the context.
    date : pandas.Timestamp
        The date: arrangements running on it count 1 per service, those ended within the
        previous ``RECENT_YEARS`` years count 0.5.
    kind_weights : dict, optional
        Each arrangement's count is multiplied by the weight of its ``kind`` (a kind left
        out, or a table without kinds, counts 1).

    Returns
    -------
    link_services : numpy.ndarray
        ``(n, n)``: services shared by each pair (running 1, recently ended 0.5 each, times
        the kind's weight; the largest where several arrangements share a service).
    partners : numpy.ndarray
        ``(n, n)``: the largest kind weight of a running partnership the pair is in together
        (0 = none); 0/1 when every kind counts 1.
    partnerships : numpy.ndarray
        ``(n,)``: running partnerships each council is in, each counted at the largest kind
        weight of its arrangements.
    """
    link_services = np.zeros((n, n))
    partners = np.zeros((n, n))
    partnerships = np.zeros(n)
    if not len(table):
        return link_services, partners, partnerships
    begun = table["running_from"] <= date
    running = begun & (table["end"].isna() | (table["end"] >= date))
    recent = begun & table["end"].notna() & (table["end"] < date) & (
        table["end"] >= date - pd.DateOffset(years=RECENT_YEARS))
    kinds = table["kind"] if "kind" in table.columns else pd.Series(NOT_STATED, table.index)
    kw = kinds.map(kind_weights or {}).fillna(1.0).astype(float)
    rows = pd.DataFrame({"arrangement": table["arrangement"].to_numpy(),
                         "service": table["service"].to_numpy(),
                         "partnership": table["partnership"].to_numpy(),
                         "pos": table["pos"].to_numpy(int), "kw": kw.to_numpy(float)})
    for weight, mask in ((1.0, running), (0.5, recent)):
        sub = rows[(mask & (kw > 0)).to_numpy()]
        # each (pair, service): the strongest arrangement sharing it (one count per service)
        one = sub.drop_duplicates(["arrangement", "pos"])
        pairs = one.merge(one[["arrangement", "pos"]], on="arrangement", suffixes=("", "_b"))
        pairs = pairs[pairs["pos"] != pairs["pos_b"]]
        best = pairs.groupby(["pos", "pos_b", "service"], sort=False)["kw"].max() * weight
        i, j = best.index.get_level_values(0), best.index.get_level_values(1)
        np.add.at(link_services, (i.to_numpy(int), j.to_numpy(int)), best.to_numpy(float))
        if weight == 1.0:
            # a partnership counts at the largest kind weight of its arrangements
            w_part = sub.groupby("partnership", sort=False)["kw"].max()
            members = sub.drop_duplicates(["partnership", "pos"])[["partnership", "pos"]]
            members = members.assign(w=w_part.reindex(members["partnership"]).to_numpy(float))
            np.add.at(partnerships, members["pos"].to_numpy(int), members["w"].to_numpy(float))
            both = members.merge(members[["partnership", "pos"]], on="partnership",
                                 suffixes=("", "_b"))
            np.maximum.at(partners, (both["pos"].to_numpy(int), both["pos_b"].to_numpy(int)),
                          both["w"].to_numpy(float))
    np.fill_diagonal(partners, 0.0)
    return link_services, partners, partnerships


def _lost_member_notes(table: pd.DataFrame) -> list[str]:
    """A note when a user's links table silently loses members at a reorganisation."""
    lost = lost_members(table)
    if lost.empty:
        return []
    return [f"{len(lost)} membership(s) of the links table end at a reorganisation while the "
            "arrangement runs on, with no successor council taking the place (e.g. "
            + lost["problem"].iloc[0] + "); partnerfit.links.lost_members lists them all."]


def _build_context(date: pd.Timestamp, links, systems, councils, kind_weights) -> Context:
    reg = load_councils(date, councils=councils)
    codes = reg.index
    adj = adjacency(date)
    # pairs derived for councils abolished in April 2009 are approximate: border unknown; a
    # pair linked several ways counts its closest link (rows come land, bridge, tunnel, water,
    # ferry)
    adj = adj.drop_duplicates(["a", "b"], keep="first")
    adj_map = {(a, b): (None if ap else k)
               for a, b, k, ap in zip(adj["a"], adj["b"], adj["kind"], adj["approximate"])}
    n = len(codes)
    # arrangements: running ones, and those ended in the previous RECENT_YEARS years
    if isinstance(links, pd.DataFrame) and links.empty:
        table = links.iloc[0:0]
    else:
        table = load_links(None, links=links)
    all_links = table
    notes = _lost_member_notes(table) if links is not None and len(table) else []
    if len(table):
        live_ids = pd.Series(codes, index=reg["id"])
        all_reg = load_councils(councils=councils)
        table = table.copy()
        table["now"] = live_ids.reindex(all_reg["id"].reindex(table["council"]).to_numpy()
                                        ).to_numpy()
        table = table[pd.notna(table["now"])]
        table["pos"] = codes.get_indexer(table["now"])
    else:
        notes.append("No arrangements were given: relationship criteria are 0 for everyone.")
    weights = dict(_bundled_kind_weights()) if kind_weights is None else dict(kind_weights)
    notes += _kind_weight_notes(table, {**dict.fromkeys((*KINDS, NOT_STATED), 1.0), **weights})
    link_services, partners, partnerships = link_arrays(table, n, date, weights)
    ids = set(all_links["arrangement"]) if "arrangement" in all_links.columns else set()
    register = systems_in_use(systems, ids)
    sys_table = systems_on(date, systems=register, arrangements=ids)
    members, names = cluster_members(date)
    return Context(as_of=date, councils=reg, codes=codes, adjacency=adj_map,
                   link_services=link_services, partners=partners, partnerships=partnerships,
                   systems=sys_table, links=table, notes=notes, systems_table=register,
                   kind_weights=weights, clusters=members, cluster_names=names)


# --------------------------------------------------------------------------- measures

def compute_measures(ctx: Context, focal: list[str], candidates: list[str], service: str,
                     criteria: dict[str, Criterion]) -> dict[str, np.ndarray]:
    """Raw measures for every (focal, candidate) pair: criterion id -> array (F, C).

    Numeric measures are floats (NaN = unknown); label measures are object arrays of strings
    (None = unknown).
    """
    check_service(service)
    fi, ci = ctx.position(focal), ctx.position(candidates)
    reg = ctx.councils
    out: dict[str, np.ndarray] = {}
    for cid, crit in criteria.items():
        m = crit.measure
        if m == "distance":
            e, nn = reg["easting"].to_numpy(float), reg["northing"].to_numpy(float)
            out[cid] = np.hypot(e[fi][:, None] - e[ci][None, :],
                                nn[fi][:, None] - nn[ci][None, :]) / 1000.0
        elif m == "adjacency":
            out[cid] = _adjacency_measure(ctx.adjacency, focal, candidates)
        elif m == "same_area":
            # a county council is in its own county: the same as the districts within it
            county = np.where(reg["tier"].to_numpy() == "county", reg.index.to_numpy(),
                              reg["county"].to_numpy())
            same_c = _same_label(county, fi, ci)
            same_r = _same_label(reg["region"].to_numpy(), fi, ci)
            kind = np.where(same_c, 2, same_r.astype(int))
            if _knows(crit, "same_cluster"):
                kind[_in_cluster(ctx, focal, candidates) & ~same_c] = 3
            out[cid] = _AREA_LABELS[kind]
        elif m == "tier_fit":
            tier = reg["tier"].to_numpy()
            t = pd.factorize(tier)[0]  # compared as integers: fast for every pair at once
            same = (t[fi][:, None] == t[ci][None, :]) & (t[fi][:, None] >= 0)
            ua = np.isin(tier, list(_UNITARY_LIKE))
            sim = ua[fi][:, None] & ua[ci][None, :]
            out[cid] = np.array(["different", "similar", "same"], dtype=object)[
                np.where(same, 2, sim.astype(int))]
        elif m == "size_ratio":
            pop = reg["population"].to_numpy(float)
            a, b = pop[fi][:, None], pop[ci][None, :]
            with np.errstate(invalid="ignore", divide="ignore"):
                out[cid] = np.minimum(a, b) / np.maximum(a, b)
        elif m == "systems":
            out[cid] = _systems_measure(ctx, focal, candidates, service)
        elif m == "direct_links":
            out[cid] = ctx.link_services[np.ix_(fi, ci)]
        elif m in ("same_service", "other_links"):
            strongest, counted = service_links(ctx, fi, ci, service)
            out[cid] = (strongest if m == "same_service"
                        else ctx.link_services[np.ix_(fi, ci)] - counted)
        elif m == "shared_partners":
            p = ctx.partners.astype(float)
            # a common partner counts the product of the two kind weights (the plain count
            # of common partners when the weights are 0 or 1); few pairs are partners, so a
            # sparse product (one thread, whatever else the machine runs)
            out[cid] = (sparse.csr_array(p[fi]) @ sparse.csc_array(p[:, ci])).toarray()
        elif m == "sharing_record":
            out[cid] = np.broadcast_to(ctx.partnerships[ci][None, :], (len(fi), len(ci))).copy()
        elif m == "column":
            out[cid] = _column_measure(reg, crit, fi, ci)
    return out


def service_links(ctx: Context, fi: np.ndarray, ci: np.ndarray, service: str
                  ) -> tuple[np.ndarray, np.ndarray]:
    """How strongly each (focal, candidate) pair already shares ``service``.

    Parameters
    ----------
    ctx : Context
    fi, ci : numpy.ndarray of int
        Positions of the focal councils and of the candidates in the context.
    service : str
        Service id.

    Returns
    -------
    strongest : numpy.ndarray (F, C)
        The strongest arrangement for ``service`` holding both: running on the date 1, ended
        in the previous ``RECENT_YEARS`` years 0.5, times its kind's weight; 0 if none.
    counted : numpy.ndarray (F, C)
        What ``service`` adds to the pair's ``direct_links`` (the strongest running
        arrangement plus the strongest recently ended one, as :func:`link_arrays` counts), so
        that ``direct_links - counted`` is the pair's links in other services.
    """
    strongest = np.zeros((len(fi), len(ci)))
    counted = np.zeros((len(fi), len(ci)))
    table = ctx.links
    if not len(table) or "pos" not in table.columns or not len(fi) or not len(ci):
        return strongest, counted
    rows = table[table["service"] == service]
    date = ctx.as_of
    begun = rows["running_from"] <= date
    running = (begun & (rows["end"].isna() | (rows["end"] >= date))).to_numpy()
    recent = (begun & rows["end"].notna() & (rows["end"] < date) & (
        rows["end"] >= date - pd.DateOffset(years=RECENT_YEARS))).to_numpy()
    kinds = rows["kind"] if "kind" in rows.columns else pd.Series(NOT_STATED, rows.index)
    kw = kinds.map(ctx.kind_weights or {}).fillna(1.0).to_numpy(float)
    w = np.where(running, 1.0, np.where(recent, 0.5, 0.0)) * kw
    keep = w > 0
    # each arrangement's members, the first row of each (as it stands in the table)
    members: dict[str, dict[int, tuple[float, bool]]] = {}
    for arr, p, wp, rp in zip(rows["arrangement"].to_numpy()[keep],
                              rows["pos"].to_numpy(int)[keep], w[keep], running[keep],
                              strict=True):
        members.setdefault(arr, {}).setdefault(int(p), (float(wp), bool(rp)))
    f_at: dict[int, int] = {}
    c_at: dict[int, int] = {}
    for at, positions in ((f_at, fi), (c_at, ci)):
        for k, p in enumerate(positions):  # a council given twice: its first row
            at.setdefault(int(p), k)
    # per pair, the strongest arrangement holding both, running and recently ended apart
    best: dict[tuple[int, int, bool], float] = {}
    for held in members.values():
        for p, (wp, rp) in held.items():
            if p not in f_at:
                continue
            for q in held:
                if q != p and q in c_at:
                    key = (f_at[p], c_at[q], rp)
                    best[key] = max(best.get(key, 0.0), wp)
    for (r, c, _), value in best.items():
        strongest[r, c] = max(strongest[r, c], value)
        counted[r, c] += value
    return strongest, counted


def _knows(crit: Criterion, label: str) -> bool:
    """Whether a categorical criterion values ``label`` (a criteria file written before the
    label existed keeps its old labels)."""
    mapping = getattr(crit.value, "mapping", None)
    return isinstance(mapping, dict) and label in mapping


def _same_label(labels: np.ndarray, fi: np.ndarray, ci: np.ndarray) -> np.ndarray:
    """(F, C) True where both councils have the same label and it is not empty (compared as
    integers: fast for every pair at once; an unknown label is never the same)."""
    k = np.where(labels != "", pd.factorize(labels)[0], -1)
    a = k[fi][:, None]
    return (a == k[ci][None, :]) & (a >= 0)


def _in_cluster(ctx: Context, focal: list[str], candidates: list[str]) -> np.ndarray:
    """(F, C) True where the two councils are in a common cluster on the date (councils
    grouped by their set of clusters, few distinct, each pair of sets compared once)."""
    sets: dict[frozenset[str], int] = {}

    def which(codes: list[str]) -> np.ndarray:
        return np.array([sets.setdefault(ctx.clusters.get(c, frozenset()), len(sets))
                         for c in codes], dtype=np.intp)

    f, c = which(focal), which(candidates)
    keys = list(sets)
    meet = np.array([[bool(a & b) for b in keys] for a in keys], dtype=bool).reshape(
        len(keys), len(keys))
    return meet[f[:, None], c[None, :]]


def _adjacency_measure(adjacency: dict[tuple[str, str], str | None], focal: list[str],
                       candidates: list[str]) -> np.ndarray:
    """The link of every (focal, candidate) pair ("none" without one), from the pairs of the
    adjacency table (keys in code order) rather than a look-up per pair."""
    fu, cu = pd.Index(focal).unique(), pd.Index(candidates).unique()
    block = np.full((len(fu), len(cu)), "none", dtype=object)
    pairs = [(a, b, kind) for (a, b), kind in adjacency.items() if a <= b]
    if pairs:
        a, b, kinds = (np.array(x, dtype=object) for x in zip(*pairs, strict=True))
        for x, y in ((a, b), (b, a)):
            i, j = fu.get_indexer(x), cu.get_indexer(y)
            ok = (i >= 0) & (j >= 0)
            block[i[ok], j[ok]] = kinds[ok]
    return block[np.ix_(fu.get_indexer(focal), cu.get_indexer(candidates))]


def value_arrays(raw: dict[str, np.ndarray], criteria: dict[str, Criterion]
                 ) -> dict[str, np.ndarray]:
    """The 0-100 values of raw measures of any shape, through each criterion's value function.

    Parameters
    ----------
    raw : dict of str to numpy.ndarray
        Criterion id -> raw measures (:func:`compute_measures`): floats (NaN unknown) or
        labels (None unknown).
    criteria : dict of str to Criterion

    Returns
    -------
    dict of str to numpy.ndarray
        Criterion id -> float values of the same shape, NaN where the measure is unknown.
    """
    out = {}
    for cid, crit in criteria.items():
        x = raw[cid]
        if x.dtype == object:  # each distinct label valued once; None (unknown) is -1
            codes, labels = pd.factorize(x.ravel(), use_na_sentinel=True)
            valued = np.append(np.asarray(crit.value(pd.Series(labels, dtype=object).astype(
                str)), dtype=float) if len(labels) else np.empty(0), np.nan)
            out[cid] = valued[codes].reshape(x.shape)
        else:
            out[cid] = np.asarray(crit.value(x.ravel().astype(float)),
                                  dtype=float).reshape(x.shape)
    return out


def _systems_measure(ctx: Context, focal: list[str], candidates: list[str],
                     service: str) -> np.ndarray:
    functions = list(services().at[service, "systems"])
    result = np.full((len(focal), len(candidates)), np.nan)
    if not functions:
        return result
    s = ctx.systems[ctx.systems["function"].isin(functions)]
    by = {(r.council, r.function): (r.vendor.lower(), r.product.lower())
          for r in s.itertuples()}
    for i, a in enumerate(focal):
        mine = {f: by[(a, f)] for f in functions if (a, f) in by}
        if not mine:
            continue
        for j, b in enumerate(candidates):
            scores = []
            for f, (vendor, product) in mine.items():
                other = by.get((b, f))
                if other is None:
                    continue
                scores.append(1.0 if other == (vendor, product) else
                              0.75 if other[0] == vendor else 0.0)
            if scores:
                result[i, j] = float(np.mean(scores))
    return result


def systems_assumed(ctx: Context, focal: str, candidates: list[str], service: str
                    ) -> list[str]:
    """For each candidate, which systems behind its match with ``focal`` are known only from an
    observation in another year ("" when none): e.g. "assumed from an observation in 2025"."""
    functions = set(services().at[service, "systems"])
    s = ctx.systems[ctx.systems["function"].isin(functions)]
    if "assumed" not in s.columns:
        return [""] * len(candidates)
    by = {(r.council, r.function): r for r in s.itertuples()}
    mine = {f for f in functions if (focal, f) in by}
    out = []
    for b in candidates:
        years = sorted({int(by[(c, f)].year_observed) for f in mine if (b, f) in by
                        for c in (focal, b) if bool(by[(c, f)].assumed)})
        out.append("" if not years else
                   "assumed from an observation in " + " and ".join(map(str, years)))
    return out


def systems_known(ctx: Context, code: str, service: str) -> bool:
    """Whether any IT system of ``code`` for ``service`` is known on the context's date."""
    functions = set(services().at[service, "systems"])
    s = ctx.systems
    return bool(((s["council"] == code) & s["function"].isin(functions)).any())


def _column_measure(reg: pd.DataFrame, crit: Criterion, fi: np.ndarray,
                    ci: np.ndarray) -> np.ndarray:
    if crit.column not in reg.columns:
        raise DataValidationError("criteria", [
            (f"criterion {crit.id!r} reads column {crit.column!r}, which the council table does "
            f"not have; add the column to your council table (columns: "
            f"{', '.join(reg.columns)})")])
    col = reg[crit.column]
    if crit.compare == "same":
        v = col.astype(object).where(col.notna() & (col.astype(str) != ""), None).to_numpy()
        a, b = v[fi][:, None], v[ci][None, :]
        known = (a != None) & (b != None)
        same = np.where(a == b, "same", "different").astype(object)
        return np.where(known, same, np.full(same.shape, None, dtype=object))
    numeric = pd.to_numeric(col, errors="coerce")
    bad = numeric.isna() & col.notna() & (col.astype(str).str.strip() != "")
    if bad.any():  # text where a number belongs: say so rather than treat it as unknown
        shown = [f"{code} ({col[code]!r})" for code in bad[bad].index[:5]]
        more = f" and {int(bad.sum()) - 5} more" if bad.sum() > 5 else ""
        raise DataValidationError("council table", [
            (f"criterion {crit.id!r} compares column {crit.column!r} as numbers "
            f"(compare: {crit.compare}), but it holds text for {', '.join(shown)}{more}; "
            "give numbers there, leave unknown cells empty, or use compare: same")])
    num = numeric.to_numpy(float)
    a, b = num[fi][:, None], num[ci][None, :]
    if crit.compare == "candidate":
        return np.broadcast_to(b, (len(fi), len(ci))).copy()
    if crit.compare == "ratio":
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.minimum(a, b) / np.maximum(a, b)
    return np.abs(a - b)

"""Result objects officers work with: :class:`Shortlist` (the ranked partner list) and
:class:`Programme` (a council's best partners for every service).

Results hold DataFrames and explain themselves in plain English; they render as styled tables in
notebooks (``_repr_html_``) and export through :mod:`partnerfit.export`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

from . import aggregation
from .errors import NotACandidateError
from .formatting import MISSING_WORDS, format_date, name_in_sentence
from .matrix import ValueMatrix

if TYPE_CHECKING:
    from .report import Report

__all__ = ["Programme", "Shortlist", "describe_weights"]

_AREA_TEXT = {"same_county": "same county", "same_cluster": "same sub-regional cluster",
              "same_region": "same region",
              "different": "different county and region"}
_ADJ_TEXT = {"land": "shares a land border", "water": "faces it across water",
             "bridge": "linked by a bridge", "tunnel": "linked by a tunnel",
             "ferry": "linked by a ferry", "none": "no shared border"}
_TIER_TEXT = {"same": "same kind of council", "similar": "both unitary-type councils",
              "different": "different kind of council"}


def _count(x: Any, noun: str) -> str:
    """"no partners", "1 partner", "2.5 partners" (weighted counts to two decimal places:
    "2.81 partners", not "2.8125").

    Examples
    --------
    >>> _count(0, "partner"), _count(1, "partner"), _count(2.8125, "partner")
    ('no partners', '1 partner', '2.81 partners')
    """
    n = round(float(x), 2)
    return f"no {noun}s" if n == 0 else f"{n:g} {noun}" + ("" if n == 1 else "s")


_METHOD_NAMES = {"topsis": "TOPSIS", "promethee": "PROMETHEE II"}

_METHOD_TEXT = {"topsis": "TOPSIS closeness to the ideal, x 100",
                "promethee": "PROMETHEE II net flow, rescaled from -1..1 to 0..100"}


@dataclass
class Shortlist:
    """A ranked partner shortlist for one council, one service, one date.

    Attributes
    ----------
    council, council_name, service : str
        The focal council (GSS code and name) and the service id.
    as_of : pandas.Timestamp
        The date of the analysis.
    method : str
        Aggregation method (``additive``, ``topsis`` or ``promethee``).
    criteria : dict
        Criterion id -> :class:`~partnerfit.criteria.Criterion`.
    matrix : ValueMatrix
        The decision matrix: candidates x criteria, 0-100 values (complete, missing-data
        policy applied), the weights used (sum 1; a criterion that does not apply to the
        service gets 0), and which values were unknown and why. :attr:`weights`,
        :attr:`value_matrix`, :attr:`missing` and :attr:`flags` show it as pandas objects.
    weights_given : pandas.Series
        Weights as given (before dropping inapplicable criteria).
    raw : pandas.DataFrame
        The raw measures (km, labels, counts) behind each value.
    screened : pandas.DataFrame
        Councils not scored, with the reason.
    notes : list of str
        Assumptions and caveats for reports.
    committed : dict
        Candidate code -> the running arrangement(s) for the service it is committed to,
        without the focal council (:mod:`partnerfit.availability`); the table's ``committed``
        column.
    committed_policy : str
        What was done with them: ``mark``, ``penalise``, ``screen`` or ``offer``.
    unavailable : dict
        Councils marked unavailable by the user (code -> reason); screened out.
    partnerships : pandas.DataFrame or None
        The existing partnerships offered as candidates (index: arrangement id; columns of
        :data:`partnerfit.candidates.PARTNERSHIP_COLUMNS`; one a missing-data policy
        excluded is in :attr:`screened`), None when left out.
    regimes : dict
        Candidate code -> sentence, for candidates whose law for the service differs from the
        council's nation (:mod:`partnerfit.jurisdiction`); the ``regime`` column of the table.
    """

    council: str
    council_name: str
    service: str
    as_of: pd.Timestamp
    method: str
    criteria: dict
    matrix: ValueMatrix
    weights_given: pd.Series
    weights_source: str
    scores: pd.Series
    raw: pd.DataFrame
    screened: pd.DataFrame
    councils: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    context: Any = field(default=None, repr=False)
    top: int | None = None
    committed: dict[str, str] = field(default_factory=dict)
    committed_policy: str = "mark"  # what a Shortlist made without the policy did
    unavailable: dict[str, str] = field(default_factory=dict)
    partnerships: pd.DataFrame | None = None
    regimes: dict[str, str] = field(default_factory=dict)
    two_way: Any = field(default=None, repr=False)  # partnerfit.two_way.TwoWay

    # ------------------------------------------------------------------ the matrix, as pandas
    @property
    def weights(self) -> pd.Series:
        """Weights used, ``"weight"`` per criterion (sum 1; 0 for a criterion that does not
        apply to the service)."""
        return self.matrix.weight_series()

    @property
    def value_matrix(self) -> pd.DataFrame:
        """Candidates x criteria, 0-100, complete (missing-data policy applied); a copy."""
        return self.matrix.to_frame()

    @property
    def missing(self) -> pd.DataFrame:
        """True where a value was unknown and the criterion's missing-data policy filled it."""
        frame = self.matrix.missing_frame()
        assert frame is not None  # scoring always records the flags
        return frame

    @property
    def flags(self) -> pd.DataFrame:
        """Text per affected cell, e.g. ``"unknown: neutral 50"`` ("" elsewhere)."""
        return self.matrix.reasons_frame()

    # ------------------------------------------------------------------ existing arrangements
    @property
    def existing(self) -> pd.DataFrame:
        """The council's arrangements for the service running on the date.

        One row per arrangement of the links data in use (see
        :func:`partnerfit.existing.subject_arrangements`): ``arrangement`` (id), ``name``,
        ``members`` (names, the lead first), ``lead`` (name, "" if none is recorded),
        ``start`` (year), ``kind``, ``model``, ``codes``. Empty when the register records
        none -- the register is incomplete, so that is not evidence there is none.
        """
        cached = self.__dict__.get("_existing")
        if cached is None:
            from .existing import subject_arrangements
            from .register import load_councils

            ctx_links = getattr(self.context, "links", None)
            links = ctx_links if isinstance(ctx_links, pd.DataFrame) else None
            names = {**load_councils()["name"].to_dict(), **self.councils["name"].to_dict()}
            cached = subject_arrangements(self.council, self.service, self.as_of, names,
                                          links=links)
            self.__dict__["_existing"] = cached
        return cached.copy()

    def opening(self) -> str:
        """The sentence every summary, explanation, report and brief of the shortlist opens
        with: the council's running arrangements for the service (:attr:`existing`), or that
        the register holds none on the date."""
        from .existing import opening_sentence

        return opening_sentence(self.existing, self.council, self.council_name,
                                self.service_name, self.as_of)

    # ------------------------------------------------------------------ tables
    @property
    def service_name(self) -> str:
        """The service's plain name from the catalogue (e.g. "Revenues & benefits")."""
        from .services import services

        return str(services().at[self.service, "name"])

    @property
    def names(self) -> pd.Series:
        """Candidate code -> name (a council's name; "Join <arrangement> (n councils)" for a
        partnership, whose code is its arrangement id)."""
        codes = self.value_matrix.index
        return pd.Series([self.name_of(c) for c in codes], index=codes, name="name")

    def name_of(self, code: str) -> str:
        """The name of a candidate or council by its code (GSS code or arrangement id)."""
        if self.partnerships is not None and code in self.partnerships.index:
            return str(self.partnerships.at[code, "name"])
        return str(self.councils.at[code, "name"])

    def scored_words(self, table: pd.DataFrame | None = None) -> str:
        """What was scored, in words: "391 councils", or "379 councils and 12 existing
        partnerships" (``table`` default: the full table)."""
        table = self.full_table() if table is None else table
        parts = int(sum(self.is_partnership(c) for c in table["code"]))
        if not parts:
            return f"{len(table)} councils"
        return (f"{len(table) - parts} councils and {parts} existing partnership"
                f"{'' if parts == 1 else 's'}")

    def is_partnership(self, code: str) -> bool:
        """Whether ``code`` is a partnership candidate (its arrangement id)."""
        return self.partnerships is not None and code in self.partnerships.index

    def kinds(self) -> pd.Series:
        """Candidate code -> ``"council"`` or ``"partnership"``."""
        codes = self.value_matrix.index
        return pd.Series(["partnership" if self.is_partnership(c) else "council"
                          for c in codes], index=codes, name="kind")

    @property
    def criteria_labels(self) -> dict[str, str]:
        """Criterion id -> plain label."""
        return {cid: c.label for cid, c in self.criteria.items()}

    @property
    def contributions(self) -> pd.DataFrame:
        """Points each criterion adds to each candidate's score (weight x value; additive)."""
        return self.value_matrix.mul(self.weights, axis=1)

    def ranks(self) -> pd.Series:
        """Rank of every candidate (1 = best; ties broken by GSS code)."""
        return aggregation.rank(self.scores)

    def full_table(self) -> pd.DataFrame:
        """Every scored candidate, best first (``.table`` is this cut to ``top``)."""
        r = self.ranks()
        parts = self.partnerships
        tiers = self.councils["tier"].reindex(r.index).fillna("partnership")
        t = pd.DataFrame({"rank": r, "code": r.index, "name": self.names,
                          "score": self.scores.reindex(r.index), "tier": tiers,
                          "kind": self.kinds(),
                          "members": [parts.at[c, "members"] if parts is not None and
                                      c in parts.index else () for c in r.index]})
        if "distance" in self.raw.columns:
            t["distance_km"] = self.raw["distance"].astype(float)
        contrib = self.contributions
        values = self.value_matrix
        missing = self.missing
        for cid in self.criteria:
            # a criterion left out because it is unknown shows no value, never a 0
            t[cid] = values[cid].mask(missing[cid] & (self.weights[cid] == 0))
            t[f"{cid}_contribution"] = contrib[cid]
        # a criterion left out of the shortlist is said once in the summary, not on every row
        weighted = [c for c in self.criteria if self.weights[c] > 0]
        flags = self.flags[weighted].apply(
            lambda row: "; ".join(f"{self.criteria[c].label} {v}" for c, v in row.items() if v),
            axis=1) if weighted else pd.Series("", index=self.flags.index)
        t["flags"] = flags.reindex(t.index).fillna("")
        t["committed"] = [self.committed.get(c, "") for c in t["code"]]
        if self.committed_policy == "penalise":
            from .availability import PENALTY_FACTOR

            extra = f"committed elsewhere: score x {PENALTY_FACTOR:g}"
            t["flags"] = [("; ".join(x for x in (f, extra) if x) if k else f)
                          for f, k in zip(t["flags"], t["committed"], strict=True)]
        t["regime"] = [self.regimes.get(c, "") for c in t.index]
        if self.two_way is not None:  # the candidate's own view of this council
            t = t.join(self.two_way.table[["their_rank", "their_score"]])
        return t.sort_values(["rank"]).reset_index(drop=True)

    @property
    def table(self) -> pd.DataFrame:
        """Ranked candidates, best first: rank, code (GSS code, or arrangement id for a
        partnership), name, score, tier ("partnership" for a partnership), kind ("council" or
        "partnership"), members (a partnership's member GSS codes, empty for a council),
        distance_km, one value column and one contribution column per criterion, flags,
        committed (the arrangement a council is committed to, "" if none), and regime (where
        the law of the service differs from the council's nation, in words; "" elsewhere)."""
        t = self.full_table()
        return t.head(self.top) if self.top else t

    def to_frame(self) -> pd.DataFrame:
        """Same as :attr:`table`."""
        return self.table

    def _code(self, candidate: str) -> str:
        from .register import find_council

        if candidate in self.value_matrix.index:
            return candidate
        if self.partnerships is not None:
            for arr, name in self.partnerships["arrangement_name"].items():
                if str(candidate).strip().lower() in (name.lower(), str(arr).lower()):
                    return str(arr)
        code = find_council(candidate, self.as_of, councils=self.councils)
        if code not in self.value_matrix.index:
            best = self.scores.index[self.ranks().to_numpy().argmin()] if len(self.scores) \
                else None
            example = (f" Explain a candidate instead, e.g. the first: "
                       f"{self.name_of(best)} ({best}).") if best else ""
            name = self.councils.at[code, "name"]
            if code == self.council:
                raise NotACandidateError(
                    f"{name} ({code}) is the council itself, not a candidate: this shortlist "
                    f"ranks {name}'s possible partners.{example}")
            reason = self.screened.set_index("code")["reason"].get(code, "not scored")
            raise NotACandidateError(f"{name} ({code}) is not on this shortlist: {reason}."
                                     f"{example}")
        return code

    # ------------------------------------------------------------------ explanations
    def _raw_text(self, cid: str, code: str) -> str:
        text = self._measure_text(cid, code)
        if self.is_partnership(code) and text not in ("unknown", "not applicable"):
            from .candidates import measured_on

            assert self.partnerships is not None
            text += measured_on(self.partnerships.loc[code], self.criteria[cid].measure,
                                self.councils["name"])
        return text

    def _measure_text(self, cid: str, code: str) -> str:
        crit = self.criteria[cid]
        x = self.raw.at[code, cid]
        if self.missing.at[code, cid]:
            return "unknown"
        m = crit.measure
        if m == "distance":
            return f"{float(x):.0f} km"
        if m == "adjacency":
            return _ADJ_TEXT.get(x, str(x))
        if m == "same_area":
            shared = self.context.shared_clusters(self.council, code) \
                if x == "same_cluster" and self.context is not None else []
            if shared:
                return "both in the " + " and the ".join(shared)
            return _AREA_TEXT.get(x, str(x))
        if m == "tier_fit":
            return _TIER_TEXT.get(x, str(x))
        if m == "size_ratio":
            a = self.councils.at[self.council, "population"]
            if self.is_partnership(code):
                assert self.partnerships is not None
                b = self.partnerships.at[code, "population"]
                return f"combined population of the members {b:,.0f} vs {a:,.0f}"
            b = self.councils.at[code, "population"]
            return f"population {b:,.0f} vs {a:,.0f}"
        if m == "systems":
            if self.weights[cid] == 0:
                return "not applicable"
            why = self.flags.at[code, cid]
            return f"{float(x):.0%} of systems match" + (f", {why}" if why else "")
        if m == "direct_links":
            return (f"already share {_count(x, 'service')}" if x
                    else "no arrangements together")
        if m == "same_service":
            return (("already share this service" if float(x) >= 1 else
                     "shared this service recently or through a looser arrangement")
                    if x else "do not share this service")
        if m == "other_links":
            return (f"already share {_count(x, 'other service')}" if x
                    else "no arrangements together in other services")
        if m == "shared_partners":
            return f"{_count(x, 'partner')} in common"
        if m == "sharing_record":
            return f"in {_count(x, 'partnership')}"
        return str(x)

    def _unweighted(self, code: str) -> list[str]:
        """The criteria at weight 0 (e.g. the relationship criteria the default profile leaves
        at 0), each with its measure for ``code``; unknown measures and criteria left out of the
        shortlist are not listed."""
        out = []
        for cid in self.weights.index[self.weights.to_numpy() == 0]:
            words = self._raw_text(cid, code)
            if words not in ("not applicable", "unknown"):
                out.append(f"{self.criteria[cid].label} ({words})")
        return out

    def explain(self, candidate: str) -> str:
        """A plain-English breakdown of one candidate's score.

        Examples
        --------
        ``"Preston (E07000123): 48/100, ranked 5 of 379 as Lancaster's partner for revenues &
        benefits on 1 June 2009. Geography: distance 13.1 of 20 (29 km); ..."`` -- each
        criterion's points (weight x value) out of its weight, with the measure behind it. For
        TOPSIS and PROMETHEE II, whose scores do not decompose, each criterion's value and
        weight instead.
        """
        code = self._code(candidate)
        rank = int(self.ranks()[code])
        name = self.name_of(code)
        head = (f"{name} ({code}): {self.scores[code]:.0f}/100, ranked {rank} of "
                f"{len(self.scores)} as {self.council_name}'s partner for "
                f"{name_in_sentence(self.service_name)} on {format_date(self.as_of, long=True)}.")
        parts = []
        order = self.weights.sort_values(ascending=False, kind="stable").index
        additive = self.method == "additive"
        weights, values = self.weights, self.value_matrix
        for cid in order:
            w = weights[cid]
            if w == 0:
                continue
            v = values.at[code, cid]
            if additive:
                parts.append(f"{self.criteria[cid].label} {w * v:.1f} of {round(w * 100, 1):g} "
                             f"({self._raw_text(cid, code)})")
            else:
                parts.append(f"{self.criteria[cid].label} value {v:.0f}/100, weight "
                             f"{w:.0%} ({self._raw_text(cid, code)})")
        if not additive:
            head += (f" Score: {_METHOD_TEXT[self.method]}; it does not split into points per "
                     "criterion. Values and weights:")
        text = self.opening() + " " + head + " " + "; ".join(parts) + "."
        unweighted = self._unweighted(code)
        if unweighted:
            text += " Measured but not weighted in these weights: " + "; ".join(unweighted) + "."
        if code in self.regimes:
            text += f" Law: {self.regimes[code]}."
        if self.committed.get(code):
            done = {"penalise": "so its score is halved", "mark": "marked only"}.get(
                self.committed_policy, "")
            text += (f" {name} is already committed to {self.committed[code]} for this service"
                     + (f" ({done})." if done else "."))
        if self.two_way is not None and not self.is_partnership(code):
            service = name_in_sentence(self.service_name)
            text += " " + self.two_way.sentence(code, self.council_name, name, service)
            if self.two_way.weight > 0:
                text += (f" The score is mutual: {1 - self.two_way.weight:.0%} of "
                         f"{self.council_name}'s own score (the points above) and "
                         f"{self.two_way.weight:.0%} of {name}'s score of {self.council_name}.")
        return text

    def compare(self, a: str, b: str) -> pd.DataFrame:
        """Criterion-by-criterion comparison of two candidates (values, weights, points).

        Returns
        -------
        pandas.DataFrame
            One row per criterion: ``label, weight, <a> value, <b> value, <a> points,
            <b> points, difference`` (points of a minus points of b), plus a total row.
        """
        ca, cb = self._code(a), self._code(b)
        na, nb = self.name_of(ca), self.name_of(cb)
        rows = []
        weights, values = self.weights, self.value_matrix
        for cid in self.criteria:
            w = weights[cid]
            va, vb = values.at[ca, cid], values.at[cb, cid]
            rows.append({"criterion": cid, "label": self.criteria[cid].label, "weight": w,
                         f"{na} value": va, f"{nb} value": vb,
                         f"{na} measure": self._raw_text(cid, ca),
                         f"{nb} measure": self._raw_text(cid, cb),
                         f"{na} points": w * va, f"{nb} points": w * vb,
                         "difference": w * (va - vb)})
        out = pd.DataFrame(rows).set_index("criterion")
        total = {"label": "Total score", "weight": self.weights.sum(),
                 f"{na} points": self.scores[ca], f"{nb} points": self.scores[cb],
                 "difference": self.scores[ca] - self.scores[cb]}
        out.loc["total"] = pd.Series(total)
        return out

    def unknown_counts(self) -> list[tuple[str, int, str]]:
        """Each weighted criterion unknown for some candidates: its label, how many, and what
        was done for them in words (:data:`partnerfit.formatting.MISSING_WORDS`)."""
        out = []
        for cid, n in self.missing.sum().items():
            if n and self.weights[cid] > 0:
                policy = str(self.criteria[cid].missing)
                out.append((self.criteria[cid].label, int(n), MISSING_WORDS.get(policy, policy)))
        return out

    def summary(self) -> str:
        """One paragraph: who leads, by how much, and the caveats."""
        t = self.full_table()
        if t.empty:
            return (f"{self.opening()} No eligible partners for {self.council_name} "
                    f"({name_in_sentence(self.service_name)}).")
        first = t.iloc[0]
        method = "" if self.method == "additive" else f"{_METHOD_NAMES[self.method]}, "
        lines = [self.opening(),
                 (f"{self.scored_words(t)} scored as {name_in_sentence(self.service_name)} "
                  "partners for "
                 f"{self.council_name} on {format_date(self.as_of, long=True)} ({method}"
                 f"{self.weights_source}); {len(self.screened)} screened out.")]
        if len(t) > 1 and round(float(first["score"]), 1) == round(float(t.iloc[1]["score"]), 1):
            lines.append(f"{first['name']} and {t.iloc[1]['name']} tie for first place with "
                         f"{first['score']:.1f} ({first['name']} is listed first only by its "
                         "code).")
        elif len(t) > 1:
            lines.append(f"{first['name']} ranks first with {first['score']:.1f}, "
                         f"{first['score'] - t.iloc[1]['score']:.1f} points ahead of "
                         f"{t.iloc[1]['name']}.")
        for label, n, how in self.unknown_counts():
            lines.append(f"{label}: unknown for {n} of {len(t)} candidates ({how}; hatched in "
                         "the chart, marked in the tables).")
        if self.two_way is not None:
            lines.append(self.two_way_summary(t))
        lines += self.notes
        return " ".join(lines)

    def two_way_summary(self, t: pd.DataFrame | None = None) -> str:
        """How the best five see this council in return (their own shortlists), in words.

        Parameters
        ----------
        t : pandas.DataFrame, optional
            :meth:`full_table` if already made.

        Returns
        -------
        str
            "" when the shortlist was made without the two-way view.
        """
        if self.two_way is None:
            return ""
        t = self.full_table() if t is None else t
        head = t.head(5)
        keen = head[head["their_rank"].notna() & (head["their_rank"] <= 5)]["name"].tolist()
        first = head.iloc[0]
        view = self.two_way.sentence(first["code"], self.council_name, first["name"],
                                     name_in_sentence(self.service_name))
        if not keen:
            return (f"Two-way fit: none of the best {len(head)} would rank "
                    f"{self.council_name} in its own top 5. {view}")
        return (f"Two-way fit: {len(keen)} of the best {len(head)} would rank "
                f"{self.council_name} in their own top 5 ({', '.join(keen)}). {view}")

    def __repr__(self) -> str:
        head = self.table.head(10)[["rank", "code", "name", "score"]]
        return (f"Shortlist({self.council_name} {self.council}, {self.service}, "
                f"{self.as_of:%Y-%m-%d}, {len(self.scores)} candidates)\n"
                + head.to_string(index=False, float_format=lambda v: f"{v:.1f}"))

    def _repr_html_(self) -> str:
        """A styled table for notebooks: the best 30 (or ``top``) candidates, compact rows,
        alternate shading, wrapped headers, score bars and every flag spelled out."""
        t = self.table.head(self.top or 30)
        crit = [c for c in self.criteria if self.weights[c] > 0]
        cols = ["rank", "name", "code", "tier", "score", "distance_km", *crit, "flags"]
        cols = [c for c in cols if c in t.columns]
        shown = t[cols].copy()
        shown["tier"] = shown["tier"].astype(str).str.replace("_", " ")
        labels = {c: f"{self.criteria[c].label} ({self.weights[c]:.0%})" for c in crit}
        shown = shown.rename(columns={**labels, "rank": "Rank", "name": "Council",
                                      "code": "GSS code", "tier": "Tier", "score": "Score",
                                      "distance_km": "Distance (km)", "flags": "Flags"})
        fmt = {c: "{:.0f}" for c in shown.columns if shown[c].dtype.kind == "f"}
        fmt["Score"] = "{:.1f}"
        unknown = self.missing.reindex(t["code"].to_numpy())
        hatch = ("background-image: repeating-linear-gradient(135deg, transparent 0 3px, "
                 "#c8c8c8 3px 4px);")

        def hatched(frame: pd.DataFrame) -> pd.DataFrame:  # unknown cells, filled by policy
            css = pd.DataFrame("", index=frame.index, columns=frame.columns)
            for c in crit:
                css[labels[c]] = [hatch if u else "" for u in unknown[c].to_numpy()]
            return css

        styler = (shown.style.hide(axis="index").format(fmt, na_rep="")
                  .apply(hatched, axis=None)
                  .bar(subset=["Score"], color="#9ecae1", vmin=0, vmax=100)
                  .set_caption(f"{self.service_name} partners for "
                               f"{self.council_name}, {format_date(self.as_of, long=True)} "
                               f"({len(self.scores)} candidates; top {len(t)} shown; "
                               "criterion columns are 0-100 values, weights in brackets)")
                  .set_table_styles([
                      {"selector": "", "props": "border-collapse: collapse; font-size: 0.85em;"},
                      {"selector": "caption",
                       "props": "font-weight: bold; text-align: left; padding-bottom: 4px;"},
                      {"selector": "th", "props": "text-align: left; vertical-align: bottom; "
                                                  "max-width: 7em; white-space: normal; "
                                                  "border-bottom: 1px solid #999; "
                                                  "padding: 2px 6px;"},
                      {"selector": "td", "props": "padding: 2px 6px; white-space: nowrap;"},
                      {"selector": "tbody tr:nth-child(even)",
                       "props": "background-color: #f4f6f8;"}]))
        return styler.to_html()

    def plot(self, top: int = 15, ax=None, *, kind: str = "bars", **options):
        """Stacked horizontal bars of each criterion's contribution, best at the top; or,
        with ``kind="map"``, the candidates on the council boundary map shaded by score
        (options: ``label``, ``councils``, ``title``, ``source_note``; see
        :func:`partnerfit.plot.shortlist_map.plot_shortlist_map`)."""
        if kind == "map":
            from .plot.shortlist_map import plot_shortlist_map

            return plot_shortlist_map(self, top=top, ax=ax, **options)
        if kind != "bars":
            raise ValueError(f"kind={kind!r}: use 'bars' (criterion contributions) or 'map'")
        from .plot.shortlist import plot_shortlist

        return plot_shortlist(self, top=top, ax=ax)

    def to_report(self, *, top: int | None = 30, sensitivity: bool = True,
                  figures: bool = True) -> Report:
        """The shortlist as an exportable :class:`partnerfit.report.Report`.

        For :func:`partnerfit.export.write` (Excel, HTML, Markdown, CSV): the ranked table,
        per-criterion breakdown, weights and value functions, screening reasons, stability
        intervals, and sources and assumptions.

        Parameters
        ----------
        top : int or None, default 30
            Candidates shown (None: all).
        sensitivity : bool, default True
            Add the stability intervals of the weights.
        figures : bool, default True
            Add the contributions chart.

        Returns
        -------
        partnerfit.report.Report
        """
        from ._checks import check_int
        from .export.builders.shortlist import shortlist_report

        if top is not None:
            top = check_int(top, "top", low=1, meaning="candidates shown", example="30")
        return shortlist_report(self, top=top, sensitivity=sensitivity, figures=figures)

    def to_brief(self, path: str | os.PathLike, *, pdf_engine: str | None = None) -> Any:
        """Write the one-page brief for cabinet: ``.html``, ``.pdf`` or ``.docx``.

        The recommendation in one sentence, the existing arrangements for the service, the top
        three and why, a red / amber / green robustness verdict (in words too; thresholds in
        :mod:`partnerfit.sensitivity.verdict`), the map and the sources, on one A4 page.

        Parameters
        ----------
        path : str or os.PathLike
            The suffix chooses the format.
        pdf_engine : {"weasyprint", "browser"}, optional
            For ``.pdf``: default WeasyPrint if installed, else Chrome / Chromium / Edge.

        Returns
        -------
        pathlib.Path
            The path written.
        """
        from .export.brief import write_brief
        from .export.builders.brief import shortlist_brief

        return write_brief(shortlist_brief(self), path, pdf_engine=pdf_engine)

    def stability(self, k: int = 3) -> pd.DataFrame:
        """Stability intervals of the weights (see :func:`partnerfit.stability_intervals`)."""
        from .sensitivity import stability_intervals

        return stability_intervals(self, k=k)

    def value_of(self, candidate: str) -> pd.Series:
        """The 0-100 values of one candidate per criterion."""
        return self.value_matrix.loc[self._code(candidate)]


def describe_weights(weights: object) -> str:
    """Where weights came from, in words, for a report's assumptions.

    Parameters
    ----------
    weights : object
        What was passed as ``weights=``: None, a profile name or file, or weights themselves.

    Returns
    -------
    str
        ``"the default weight profile"``, ``"weights from <name or file>"`` or
        ``"the weights given"``.
    """
    if weights is None:
        return "the default weight profile"
    if isinstance(weights, (str, os.PathLike)):
        return f"weights from {weights}"
    return "the weights given"


class Programme(pd.DataFrame):
    """A council's programme: its best partners for every service it delivers.

    The table :func:`partnerfit.programme` returns: a :class:`pandas.DataFrame` with columns
    ``service, service_name, rank, code, name, score`` (services in catalogue order) that also
    knows what it was made for, so that it can report itself. Frames derived from it (a
    selection, a pivot ...) are plain DataFrames.

    Attributes
    ----------
    council, council_name : str
        The focal council (GSS code and name).
    as_of : pandas.Timestamp
        The date of the analysis.
    weights_source : str
        Where the weights came from, in words.
    notes : list of str
        What the user's own data did (added, changed, replaced the bundled registers).
    """

    _metadata: ClassVar[list[str]] = ["council", "council_name", "as_of", "weights_source",
                                      "notes"]

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame

    @classmethod
    def from_rows(cls, rows: list[dict[str, Any]], *, council: str, as_of: pd.Timestamp,
                  weights: object = None) -> Programme:
        """Make a programme from its rows (one per service and partner, best first).

        Parameters
        ----------
        rows : list of dict
            Keys ``service, service_name, rank, code, name, score`` and optionally ``kind``.
        council : str
            GSS code of the focal council.
        as_of : pandas.Timestamp
            The date of the analysis.
        weights : object, optional
            What was passed as ``weights=`` (described with :func:`describe_weights`).

        Returns
        -------
        Programme
        """
        from .register import council_name

        programme = cls(rows)
        programme.council = council
        programme.council_name = council_name(council)
        programme.as_of = as_of
        programme.weights_source = describe_weights(weights)
        programme.notes = []
        return programme

    def to_report(self) -> Report:
        """The programme as an exportable :class:`partnerfit.report.Report`.

        For :func:`partnerfit.export.write`: the best partners per service, the partner
        councils that recur across services, and the table one partner per row.

        Returns
        -------
        partnerfit.report.Report
        """
        from .export.builders.programme import programme_report

        return programme_report(self, self.council_name, as_of=self.as_of,
                                weights_source=self.weights_source,
                                notes=list(getattr(self, "notes", [])))

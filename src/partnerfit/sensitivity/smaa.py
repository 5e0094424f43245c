"""SMAA: rank acceptability of candidates over the whole space of plausible weights.

Stochastic Multicriteria Acceptability Analysis (Lahdelma & Salminen, SMAA-2) asks,
instead of "what is the ranking under these weights?", "how often does each
candidate take each rank when the weights are anywhere they could plausibly be?".

Weights
-------
By default weight vectors are drawn uniformly from the simplex (all non-negative
weights summing to 1), i.e. Dirichlet(1, ..., 1), sampled as normalised
exponentials. ``ranges={criterion: (lo, hi)}`` and ordinal ``constraints`` such as
``"distance >= systems"`` restrict this to a polytope, sampled uniformly by
*rejection*: weights are drawn uniformly from the simplex shifted to respect the
lower bounds, and vectors breaking an upper bound or a constraint are discarded.
This is exact (the accepted vectors are uniform on the restricted region), but it
wastes draws when the region is a small part of the simplex; a pilot of 100,000
draws estimates the acceptance rate first and :class:`SensitivityError` is raised
if fewer than 1 in 10,000 draws would be accepted (the message says how to fix
the ranges or constraints).

Values
------
``value_uncertainty`` perturbs the value scores per sample: ``{criterion: sd}``
adds Gaussian noise with that standard deviation (value points, clipped to
0–100) to every candidate's value on that criterion, and the key ``"missing"``
with value ``"uniform"`` re-draws every imputed cell (``shortlist.missing``)
uniformly from 0–100.

Reproducibility and parallel runs
---------------------------------
Samples are processed in chunks of ``chunk_size``; chunk ``i`` draws from its own
generator ``default_rng(SeedSequence(seed).spawn(...)[i])``. The chunks are
independent jobs, so they can be sent to any ``concurrent.futures``-style
executor (a process pool, ``dask.distributed.Client.get_executor()``...) and the
result is identical to the serial run. It depends on ``seed``, ``samples`` and
``chunk_size`` only.
"""

from __future__ import annotations

import html
import math
import re
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._checks import check_int
from ..errors import DataValidationError, SensitivityError
from ..matrix import ValueMatrix
from ._common import SCORE_DECIMALS, analysis_matrix, rank_order, whole_number

#: Draws in the pilot run that estimates the rejection-sampling acceptance rate.
PILOT_DRAWS = 100_000
#: Lowest acceptance rate tolerated before :class:`SensitivityError` is raised.
MIN_ACCEPTANCE = 1e-4
#: At most this many chunks are waiting on an executor at any time.
_MAX_PENDING = 64

_OPS = {">=": ">=", "=>": ">=", "≥": ">=", ">": ">=", "<=": "<=", "=<": "<=", "≤": "<=", "<": "<="}
_OP_RE = re.compile(r"(>=|=>|<=|=<|≥|≤|>|<)")


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class WeightSpace:
    """The region weights are drawn from: box bounds and ordinal pairs ``w[i] >= w[j]``."""

    lo: np.ndarray
    hi: np.ndarray
    pairs: np.ndarray  # (p, 2) ints: w[pairs[k, 0]] >= w[pairs[k, 1]]

    @property
    def restricted(self) -> bool:
        """True unless this is the whole simplex."""
        return bool((self.lo > 0).any() or (self.hi < 1).any() or len(self.pairs))


def parse_weight_space(
    p: ValueMatrix,
    ranges: Mapping[str, tuple[float, float]] | None,
    constraints: str | Iterable[str] | None,
) -> WeightSpace:
    """Validate ``ranges`` and ``constraints`` against the criteria; report all problems."""
    problems: list[str] = []
    lo = np.zeros(p.m)
    hi = np.ones(p.m)

    def lookup(name: str, where: str) -> int | None:
        name = name.strip()
        if name in p.criteria:
            return p.criteria.index(name)
        if name in p.labels:
            return p.labels.index(name)
        problems.append(
            f"{where}: unknown criterion {name!r}; the criteria are {', '.join(p.criteria)}."
        )
        return None

    for key, bounds in (ranges or {}).items():
        j = lookup(str(key), f"ranges[{key!r}]")
        try:
            a, b = (float(x) for x in bounds)
        except (TypeError, ValueError):
            problems.append(
                f"ranges[{key!r}] must be a pair (low, high) of fractions, e.g. (0.1, 0.4)."
            )
            continue
        if not (0 <= a <= b <= 1):
            problems.append(
                f"ranges[{key!r}] = ({a:g}, {b:g}) must satisfy 0 <= low <= high <= 1 "
                "(weights are fractions: 30% is 0.3)."
            )
            continue
        if j is not None:
            lo[j], hi[j] = a, b
    if not problems:
        if lo.sum() > 1 + 1e-12:
            problems.append(
                f"The lower bounds in ranges add up to {lo.sum():.3g}, more than 1; "
                "no weights can satisfy them. Lower some of them."
            )
        if hi.sum() < 1 - 1e-12:
            problems.append(
                f"The upper bounds in ranges add up to {hi.sum():.3g}, less than 1; "
                "no weights can satisfy them. Raise some of them."
            )

    pairs: list[tuple[int, int]] = []
    if isinstance(constraints, str):
        constraints = [constraints]
    for text in constraints or []:
        where = f"constraint {text!r}"
        parts = _OP_RE.split(str(text))
        if len(parts) < 3 or len(parts) % 2 == 0:
            problems.append(
                f"{where}: write it as 'criterion >= criterion' (also <=, >, <; chains such "
                "as 'a >= b >= c' are allowed)."
            )
            continue
        idx = [lookup(t, where) for t in parts[0::2]]
        for left, op, right in zip(idx, parts[1::2], idx[1:], strict=False):
            if left is None or right is None:
                continue
            if left == right:
                problems.append(f"{where}: compares {p.criteria[left]!r} with itself.")
                continue
            pairs.append((left, right) if _OPS[op] == ">=" else (right, left))
    if problems:
        raise DataValidationError("SMAA weight ranges and constraints", problems)
    return WeightSpace(lo=lo, hi=hi, pairs=np.array(pairs, dtype=np.int64).reshape(-1, 2))


@dataclass(frozen=True)
class ValueNoise:
    """Per-criterion Gaussian noise (value points) and cells to redraw uniformly."""

    sd: np.ndarray | None  # (m,) or None
    redraw: np.ndarray | None  # (n, m) bools or None

    @property
    def active(self) -> bool:
        """True if any value will be perturbed."""
        return self.sd is not None or self.redraw is not None


def parse_value_uncertainty(p: ValueMatrix, spec: Mapping | str | None) -> ValueNoise:
    """Validate ``value_uncertainty``; see :func:`smaa`."""
    if spec is None:
        return ValueNoise(None, None)
    if isinstance(spec, str):
        spec = {spec: "uniform"}
    if not isinstance(spec, Mapping):
        raise DataValidationError(
            "value_uncertainty",
            ["value_uncertainty must be a dict such as {'distance': 10, 'missing': 'uniform'}."],
        )
    problems: list[str] = []
    sd = np.zeros(p.m)
    redraw = None
    for key, val in spec.items():
        if key == "missing":
            if val != "uniform":
                problems.append(
                    f"value_uncertainty['missing'] = {val!r}: the only option is 'uniform' "
                    "(re-draw imputed values uniformly from 0-100)."
                )
            elif p.missing is None:
                problems.append(
                    "value_uncertainty['missing'] needs shortlist.missing (which values were "
                    "imputed), but this shortlist has none."
                )
            else:
                redraw = p.missing.copy() if p.missing.any() else None
            continue
        if key in p.criteria:
            j = p.criteria.index(key)
        elif key in p.labels:
            j = p.labels.index(key)
        else:
            problems.append(
                f"value_uncertainty: unknown criterion {key!r}; the criteria are "
                f"{', '.join(p.criteria)} (or 'missing')."
            )
            continue
        try:
            s = float(val)
        except (TypeError, ValueError):
            s = float("nan")
        if not (math.isfinite(s) and s >= 0):
            problems.append(
                f"value_uncertainty[{key!r}] = {val!r} must be a standard deviation in value "
                "points (a number >= 0, e.g. 10)."
            )
            continue
        sd[j] = s
    if problems:
        raise DataValidationError("value_uncertainty", problems)
    return ValueNoise(sd if (sd > 0).any() else None, redraw)


# --------------------------------------------------------------------------- sampling


def _propose(rng: np.random.Generator, size: int, space: WeightSpace) -> np.ndarray:
    """Uniform draws from the simplex shifted to respect the lower bounds."""
    d = rng.standard_exponential((size, len(space.lo)))
    d /= d.sum(axis=1, keepdims=True)
    if not space.restricted:
        return d
    return space.lo + (1.0 - space.lo.sum()) * d


def _accept(w: np.ndarray, space: WeightSpace) -> np.ndarray:
    ok = np.all(w <= space.hi + 1e-12, axis=1)
    if len(space.pairs):
        ok &= np.all(w[:, space.pairs[:, 0]] >= w[:, space.pairs[:, 1]], axis=1)
    return ok


def draw_weights(
    rng: np.random.Generator, size: int, space: WeightSpace, rate: float = 1.0
) -> np.ndarray:
    """``size`` weight vectors uniform on the weight space (rejection sampling if restricted)."""
    if not space.restricted:
        return _propose(rng, size, space)
    got: list[np.ndarray] = []
    have = 0
    while have < size:
        need = size - have
        batch = int(min(max(need / max(rate, MIN_ACCEPTANCE) * 1.2 + 64, 256), 1_000_000))
        w = _propose(rng, batch, space)
        w = w[_accept(w, space)][:need]
        got.append(w)
        have += len(w)
    return np.concatenate(got)


def draw_values(
    rng: np.random.Generator, size: int, values: np.ndarray, noise: ValueNoise
) -> np.ndarray:
    """``(size, n, m)`` perturbed value matrices."""
    v = np.repeat(values[None, :, :], size, axis=0)
    if noise.sd is not None:
        cols = np.flatnonzero(noise.sd > 0)
        eps = rng.standard_normal((size, values.shape[0], len(cols))) * noise.sd[cols]
        v[:, :, cols] = np.clip(v[:, :, cols] + eps, 0.0, 100.0)
    if noise.redraw is not None:
        r, c = np.nonzero(noise.redraw)
        v[:, r, c] = rng.uniform(0.0, 100.0, (size, len(r)))
    return v


@dataclass(frozen=True)
class _Chunk:
    """One independent job: everything a worker needs, picklable."""

    values: np.ndarray
    space: WeightSpace
    noise: ValueNoise
    size: int
    seed: np.random.SeedSequence
    rate: float
    central: np.ndarray | None = None  # (q, m) for the confidence pass
    central_idx: np.ndarray | None = None  # (q,)


def _acceptability_chunk(job: _Chunk) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rank counts ``(n, n)``, winners' weight sums ``(n, m)`` and win counts ``(n,)``."""
    rng = np.random.default_rng(job.seed)
    n, m = job.values.shape
    w = draw_weights(rng, job.size, job.space, job.rate)
    if job.noise.active:
        v = draw_values(rng, job.size, job.values, job.noise)
        scores = np.matmul(v, w[:, :, None])[:, :, 0]
    else:
        scores = w @ job.values.T
    order = rank_order(scores)
    counts = np.bincount((order * n + np.arange(n)).ravel(), minlength=n * n).reshape(n, n)
    winners = order[:, 0]
    wins = np.bincount(winners, minlength=n)
    wsum = np.stack([np.bincount(winners, weights=w[:, j], minlength=n) for j in range(m)], 1)
    return counts, wsum, wins


def _confidence_chunk(job: _Chunk) -> np.ndarray:
    """How often each candidate wins at its own central weights, under value noise."""
    assert job.central is not None and job.central_idx is not None  # set for this pass
    rng = np.random.default_rng(job.seed)
    v = draw_values(rng, job.size, job.values, job.noise)
    scores = np.round(np.matmul(v, job.central.T), SCORE_DECIMALS)  # (s, n, q)
    winner = scores.argmax(axis=1)  # first maximum = smallest GSS code
    return (winner == job.central_idx[None, :]).sum(axis=0)


def _run_chunks(func, jobs: list[_Chunk], executor, bar) -> list:
    """Run jobs in order (serially or on an executor), keeping results in input order."""
    results = []
    if executor is None:
        for job in jobs:
            results.append(func(job))
            bar.update(job.size)
        return results
    pending: deque = deque()
    it = iter(jobs)
    for job in it:
        pending.append((executor.submit(func, job), job.size))
        if len(pending) >= _MAX_PENDING:
            break
    while pending:
        fut, size = pending.popleft()
        results.append(fut.result())
        bar.update(size)
        nxt = next(it, None)
        if nxt is not None:
            pending.append((executor.submit(func, nxt), nxt.size))
    return results


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


# --------------------------------------------------------------------------- result


@dataclass(frozen=True, repr=False)
class SMAAResult:
    """Result of :func:`smaa`.

    Attributes
    ----------
    acceptability : pandas.DataFrame
        Index: candidate GSS codes (best first under the current weights); columns:
        ranks 1..n; cell = share of samples in which the candidate took that rank.
        Each row (and each column) sums to 1.
    central_weights : pandas.DataFrame
        Candidate x criterion: the mean weight vector over the samples in which the
        candidate ranked first (NaN where it never did) — the "typical" weights of
        someone who would pick it.
    confidence : pandas.Series
        SMAA confidence factor: share of value draws in which the candidate ranks
        first *at its own central weights* (NaN if never first). Without
        ``value_uncertainty`` this is 1.0 or 0.0.
    samples : int
        Number of weight samples.
    seed : int
        Seed that reproduces the run (the generated entropy if ``seed=None`` was given).
    names : pandas.Series
        Code -> council name.
    criteria_labels : dict
        Criterion id -> plain label.
    settings : dict
        How the samples were drawn (ranges, constraints, value uncertainty, chunk size).
    council, service : object
        Copied from the shortlist.
    about : str, optional
        The phrase naming service and council in :meth:`summary`.
    """

    acceptability: pd.DataFrame
    central_weights: pd.DataFrame
    confidence: pd.Series
    samples: int
    seed: int
    names: pd.Series
    criteria_labels: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    council: object = None
    service: object = None
    about: str | None = None

    def top_k(self, k: int) -> pd.Series:
        """Probability of ranking in the top ``k`` (capped at the number of candidates).

        Parameters
        ----------
        k : int
            Number of top places, at least 1.

        Returns
        -------
        pandas.Series
            Index: candidate codes (as in ``acceptability``); name ``"top_<k>"``.
        """
        k = whole_number(k, "k")
        n = self.acceptability.shape[1]
        kk = int(min(k, n))
        return self.acceptability.loc[:, 1:kk].sum(axis=1).rename(f"top_{int(k)}")

    @property
    def expected_rank(self) -> pd.Series:
        """Mean rank over the samples (1 = best)."""
        ranks = np.asarray(self.acceptability.columns, dtype=float)
        return (self.acceptability * ranks).sum(axis=1).rename("expected_rank")

    def to_frame(self) -> pd.DataFrame:
        """One row per candidate, most often first at the top.

        Returns
        -------
        pandas.DataFrame
            Index ``code``; columns ``name``, ``first`` (probability of rank 1),
            ``top_3`` (of the top 3, or top n if fewer), ``expected_rank`` and
            ``confidence``. Sorted by ``first``, then ``top_3`` (both descending),
            then expected rank and code.
        """
        k = min(3, self.acceptability.shape[1])
        df = pd.DataFrame(
            {
                "name": self.names.reindex(self.acceptability.index),
                "first": self.acceptability[1],
                f"top_{k}": self.top_k(k),
                "expected_rank": self.expected_rank,
                "confidence": self.confidence.reindex(self.acceptability.index),
            }
        )
        df.index.name = "code"
        key = pd.DataFrame(
            {
                "a": -df["first"].round(12),
                "b": -df[f"top_{k}"].round(12),
                "c": df["expected_rank"].round(9),
                "d": df.index.astype(str),
            },
            index=df.index,
        )
        return df.loc[key.sort_values(["a", "b", "c", "d"]).index]

    def _sampling_text(self) -> str:
        s = self.settings
        how = "drawn uniformly from all weights summing to 1"
        if s.get("ranges") or s.get("constraints"):
            extra = []
            if s.get("ranges"):
                extra.append(
                    "ranges "
                    + ", ".join(
                        f"{self.criteria_labels.get(c, c)} {lo:.0%}–{hi:.0%}"
                        for c, (lo, hi) in s["ranges"].items()
                    )
                )
            if s.get("constraints"):
                extra.append("constraints " + "; ".join(s["constraints"]))
            how += " within " + " and ".join(extra)
        vu = s.get("value_uncertainty")
        if vu:
            bits = [
                f"±{sd:g} points on {self.criteria_labels.get(c, c)}"
                for c, sd in vu.items()
                if c != "missing"
            ]
            if "missing" in vu:
                bits.append("imputed values re-drawn from 0–100")
            how += ", with value uncertainty (" + "; ".join(bits) + ")"
        return f"{self.samples:,} weight samples {how} (seed {self.seed})"

    def summary(self, top: int = 5) -> str:
        """Plain-English summary: who ranks first how often, and the sampling error.

        Parameters
        ----------
        top : int, default 5
            Most candidates named.
        """
        df = self.to_frame()
        k = min(3, self.acceptability.shape[1])
        about = self.about
        if about is None:  # a result built by hand
            about = _about(self)
        lines = [f"SMAA rank acceptability{about}: {self._sampling_text()}."]
        winners = df[df["first"] > 0]
        parts = []
        for code, row in winners.head(top).iterrows():
            parts.append(
                f"{row['name']} ({code}) ranks first in {row['first']:.0%} of samples "
                f"and in the top {k} in {row[f'top_{k}']:.0%}"
            )
        if parts:
            lines.append("; ".join(parts) + ".")
        rest = len(winners) - min(len(winners), top)
        never = len(df) - len(winners)
        tail = []
        if rest:
            tail.append(f"{rest} other candidate{'s' if rest != 1 else ''} rank first less often")
        if never:
            tail.append(f"{never} candidate{'s' if never != 1 else ''} never rank first")
        if tail:
            lines.append("; ".join(tail).capitalize() + ".")
        moe = 1.96 * math.sqrt(0.25 / self.samples)
        lines.append(
            f"Sampling error: each share is within about ±{100 * moe:.1f} percentage points (95%)."
        )
        return "\n".join(lines)

    def __repr__(self) -> str:
        n = self.acceptability.shape[0]
        return f"<SMAAResult: {n} candidates, {self.samples:,} samples, seed {self.seed}>"

    def _repr_html_(self, max_rows: int = 20) -> str:
        df = self.to_frame().head(max_rows).copy()
        for col in df.columns:
            if col == "first" or col.startswith("top_") or col == "confidence":
                df[col] = df[col].map(lambda x: "" if pd.isna(x) else f"{x:.1%}")
        df["expected_rank"] = df["expected_rank"].map(lambda x: f"{x:.2f}")
        more = self.acceptability.shape[0] - len(df)
        note = (
            f"<p>… and {more} more candidates (see <code>.to_frame()</code>).</p>" if more else ""
        )
        return (
            f"<p><b>SMAA rank acceptability</b>: {html.escape(self._sampling_text())}.</p>"
            + df.to_html(escape=True)
            + note
        )


# --------------------------------------------------------------------------- smaa()


def smaa(
    shortlist: object,
    samples: int = 10_000,
    seed: int | None = 0,
    *,
    constraints: str | Iterable[str] | None = None,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    value_uncertainty: Mapping | str | None = None,
    progress: bool = False,
    executor=None,
    chunk_size: int = 2_000,
) -> SMAAResult:
    """SMAA-2 rank acceptability of every candidate under uncertain weights (and values).

    Parameters
    ----------
    shortlist : Shortlist-like
        Needs ``value_matrix`` and ``weights``; ``names``, ``criteria_labels`` and
        ``missing`` are used if present. The shortlist's own weights are not used for
        sampling (only to order the output).
    samples : int, default 10_000
        Number of weight vectors drawn.
    seed : int or None, default 0
        Seed for :class:`numpy.random.SeedSequence`. None draws fresh entropy (recorded
        in the result's ``seed`` so the run can be repeated).
    constraints : str or iterable of str, optional
        Ordinal constraints on the weights, e.g. ``["distance >= systems"]``;
        operators ``>=``, ``<=``, ``>``, ``<`` (strict and non-strict are the same for
        continuous sampling); chains ``"a >= b >= c"`` allowed. Criterion ids or exact labels.
    ranges : dict, optional
        ``{criterion: (low, high)}`` bounds on weights as fractions (0.3 = 30%).
    value_uncertainty : dict or "missing", optional
        ``{criterion: sd}`` Gaussian noise in value points (clipped to 0–100); the key
        ``"missing": "uniform"`` re-draws imputed cells uniformly from 0–100 (needs
        ``shortlist.missing``). The string ``"missing"`` is short for ``{"missing": "uniform"}``.
    progress : bool, default False
        Show a tqdm progress bar.
    executor : concurrent.futures.Executor-like, optional
        Anything with ``submit(fn, *args)`` returning a future with ``result()``: a
        ``ProcessPoolExecutor``, ``ThreadPoolExecutor``, or
        ``dask.distributed.Client(...).get_executor()``. The result is identical to
        the serial run (``executor=None``).
    chunk_size : int, default 2_000
        Samples per job. The result depends on it (each chunk has its own random
        stream), not on the executor.

    Returns
    -------
    SMAAResult

    Raises
    ------
    DataValidationError
        Bad shortlist, ranges, constraints or value uncertainty (all problems listed).
    SensitivityError
        The ranges and constraints leave almost no weights to sample from (acceptance
        below 1 in 10,000), or bad ``samples``/``chunk_size``.
    """
    p = analysis_matrix(shortlist)
    samples, chunk_size = _whole(samples, "samples"), _whole(chunk_size, "chunk_size")
    if seed is not None:
        seed = check_int(seed, "seed", low=0, meaning="the same seed gives the same draws",
                         example="0")
    constraints = _as_list(constraints)  # may be a one-shot iterator
    space = parse_weight_space(p, ranges, constraints)
    noise = parse_value_uncertainty(p, value_uncertainty)
    plan = _SeedPlan.make(seed, samples, chunk_size)
    rate = _acceptance_rate(space, plan.pilot, ranges, constraints)
    bar = _progress_bar(progress, samples * (2 if noise.active else 1), "SMAA")
    try:
        jobs = [_Chunk(p.values, space, noise, size, s, rate)
                for size, s in zip(plan.sizes, plan.main, strict=True)]
        counts, central, wins = _acceptability(_run_chunks(_acceptability_chunk, jobs, executor,
                                                           bar), p.n, p.m)
        conf = _confidence(p, space, noise, plan, rate, central, wins, executor, bar)
    finally:
        bar.close()
    settings = {
        "ranges": {
            p.criteria[j]: (float(space.lo[j]), float(space.hi[j]))
            for j in range(p.m)
            if space.lo[j] > 0 or space.hi[j] < 1
        },
        "constraints": constraints,
        "value_uncertainty": _describe_noise(p, noise),
        "chunk_size": chunk_size,
        "acceptance_rate": rate,
    }
    return _result(shortlist, p, counts / samples, central, conf, samples=samples,
                   seed=_entropy(plan.root) if seed is None else seed, settings=settings)


def _entropy(root: np.random.SeedSequence) -> int:
    """The fresh entropy a ``SeedSequence(None)`` drew (an int), to record as the seed."""
    entropy = root.entropy
    assert isinstance(entropy, int)
    return entropy


def _whole(x: object, label: str) -> int:
    """``x`` as an int of at least 1, or :class:`SensitivityError`."""
    return whole_number(x, label)


@dataclass(frozen=True)
class _SeedPlan:
    """Chunk sizes and the independent random streams of one run, spawned in a fixed order."""

    sizes: list[int]
    main: list[np.random.SeedSequence]
    pilot: np.random.SeedSequence
    confidence: list[np.random.SeedSequence]
    root: np.random.SeedSequence

    @classmethod
    def make(cls, seed: int | None, samples: int, chunk_size: int) -> _SeedPlan:
        root = np.random.SeedSequence(seed)
        sizes = [chunk_size] * (samples // chunk_size)
        if samples % chunk_size:
            sizes.append(samples % chunk_size)
        main = root.spawn(len(sizes))
        (pilot,) = root.spawn(1)
        confidence = root.spawn(len(sizes))
        return cls(sizes, main, pilot, confidence, root)


def _acceptance_rate(space: WeightSpace, pilot_seed: np.random.SeedSequence,
                     ranges: Mapping[str, tuple[float, float]] | None,
                     constraints: list[str]) -> float:
    """Share of simplex draws the ranges and constraints accept (1 when unrestricted)."""
    if not space.restricted:
        return 1.0
    pilot = _propose(np.random.default_rng(pilot_seed), PILOT_DRAWS, space)
    accepted = int(_accept(pilot, space).sum())
    rate = accepted / PILOT_DRAWS
    if rate < MIN_ACCEPTANCE:
        raise SensitivityError(
            f"Only {accepted:,} of {PILOT_DRAWS:,} random weight vectors met the ranges "
            f"{dict(ranges or {})} and constraints {constraints}: they leave "
            "(almost) no room for the weights, so rejection sampling cannot work. Check "
            "that they do not contradict each other (e.g. 'a >= b' with a's upper bound "
            "below b's lower bound) and widen the narrowest ranges."
        )
    return rate


def _acceptability(parts: list, n: int, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Summed rank counts, central weights (NaN where never first) and win counts."""
    counts = np.zeros((n, n), dtype=np.int64)
    wsum = np.zeros((n, m))
    wins = np.zeros(n, dtype=np.int64)
    for c, ws, wn in parts:
        counts += c
        wsum += ws
        wins += wn
    with np.errstate(invalid="ignore", divide="ignore"):
        central = wsum / wins[:, None]
    central[wins == 0] = np.nan
    return counts, central, wins


def _confidence(p: ValueMatrix, space: WeightSpace, noise: ValueNoise, plan: _SeedPlan,
                rate: float, central: np.ndarray, wins: np.ndarray, executor: Any,
                bar: Any) -> np.ndarray:
    """Confidence factor of every candidate that ever ranked first (NaN for the others)."""
    won = np.flatnonzero(wins > 0)
    conf = np.full(p.n, np.nan)
    if noise.active and len(won):
        jobs = [
            _Chunk(p.values, space, noise, size, s, rate, central[won], won)
            for size, s in zip(plan.sizes, plan.confidence, strict=True)
        ]
        hits = sum(_run_chunks(_confidence_chunk, jobs, executor, bar))
        conf[won] = hits / sum(plan.sizes)
    elif len(won):
        at_central = np.round(p.values @ central[won].T, SCORE_DECIMALS)
        conf[won] = (at_central.argmax(axis=0) == won).astype(float)
    return conf


def _result(shortlist: object, p: ValueMatrix, shares: np.ndarray, central: np.ndarray,
            conf: np.ndarray, *, samples: int, seed: int, settings: dict) -> SMAAResult:
    """The result tables, candidates in the order of the current ranking."""
    now = rank_order(p.values @ p.weights)
    codes = pd.Index(p.codes[now], name="code")
    return SMAAResult(
        acceptability=pd.DataFrame(shares[now], index=codes,
                                   columns=pd.RangeIndex(1, p.n + 1, name="rank")),
        central_weights=pd.DataFrame(central[now], index=codes,
                                     columns=pd.Index(p.criteria, name="criterion")),
        confidence=pd.Series(conf[now], index=codes, name="confidence"),
        samples=samples,
        seed=seed,
        names=pd.Series(p.names, index=pd.Index(p.codes, name="code"), name="name"),
        criteria_labels=dict(zip(p.criteria, p.labels, strict=True)),
        settings=settings,
        council=getattr(shortlist, "council", None),
        service=getattr(shortlist, "service", None),
        about=_about(shortlist),
    )


def _about(shortlist: object) -> str:
    """" for revenues & benefits partners of Lancaster" from a shortlist (codes if that is all
    it has)."""
    service = getattr(shortlist, "service_name", None) or getattr(shortlist, "service", None)
    council = getattr(shortlist, "council_name", None) or getattr(shortlist, "council", None)
    if service is None and council is None:
        return ""
    from ..formatting import name_in_sentence

    service = name_in_sentence(str(service or "the service"))
    return f" for {service} partners of {council or 'the council'}"


def _as_list(constraints) -> list[str]:
    if constraints is None:
        return []
    if isinstance(constraints, str):
        return [constraints]
    return [str(c) for c in constraints]


def _describe_noise(p: ValueMatrix, noise: ValueNoise) -> dict:
    out: dict = {}
    if noise.sd is not None:
        out.update({p.criteria[j]: float(s) for j, s in enumerate(noise.sd) if s > 0})
    if noise.redraw is not None:
        out["missing"] = "uniform"
    return out


def _progress_bar(progress: bool, total: int, desc: str):
    if not progress:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="sample")

"""How robust a plan is: re-solve under other weights and perturbed pair scores and count
the groups that recur.

With ``weights=True`` each sample first draws criterion weights uniformly over all weightings
(the SMAA weight sampling, :func:`partnerfit.sensitivity.smaa.draw_weights`) and rebuilds
every service's pair scores with them (a criterion a service does not score, e.g. systems
where systems do not matter, carries no weight there: the others are scaled to sum 1).
Then each sample perturbs every service's pair scores (0-100 scale) with the value noise of the
SMAA analysis (:func:`partnerfit.sensitivity.smaa.draw_values`: Gaussian noise of ``sd``
points, clipped to 0-100), made symmetric by averaging with its transpose, then solves the
same problem again (same candidate groups, constraints and consistency value) and records
the groups of two or more it chooses. Sample ``k`` draws from
``numpy.random.default_rng(numpy.random.SeedSequence(seed).spawn(n_samples)[k])``, one
``draw_values(rng, 1, scores, noise)`` per service in the plan's service order (after the
one ``draw_weights(rng, 1, space)`` when weights are sampled), so results do not depend on
the executor that runs them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..errors import DataValidationError
from ..sensitivity.smaa import ValueNoise, WeightSpace, draw_values, draw_weights
from .model import ServiceProblem
from .multi import solve_joint
from .options import SolverOptions
from .values import pairwise_values

__all__ = ["CriterionScores", "Resolver", "criterion_scores", "perturbed_scores",
           "plan_robustness", "weighted_scores"]


@dataclass(frozen=True)
class CriterionScores:
    """Each service's pair scores with all the weight on one criterion (0-100 scale).

    Attributes
    ----------
    names : list of str
        Criterion ids.
    scores : mapping of str to numpy.ndarray
        Service -> ``(criteria, n, n)`` scores (diagonal 0).
    usable : mapping of str to numpy.ndarray
        Service -> ``(criteria,)`` bool: the criterion can carry weight in that service.
    """

    names: list
    scores: Mapping[str, np.ndarray]
    usable: Mapping[str, np.ndarray]


def criterion_scores(codes: list, services: list, *, as_of, links=None,
                     systems=None) -> CriterionScores:
    """:class:`CriterionScores` from :func:`partnerfit.scoring.pairwise_scores`, one
    criterion weighted at a time (the pair score is linear in the weights)."""
    from ..criteria import load_criteria
    from ..scoring import pairwise_scores

    names = list(load_criteria())
    scores, usable = {}, {}
    for s in services:
        mats, ok = [], []
        for c in names:
            one = {k: (1.0 if k == c else 0.0) for k in names}
            with np.errstate(invalid="ignore", divide="ignore"):
                m = pairwise_scores(codes, s, as_of=as_of, weights=one, links=links,
                                    systems=systems).loc[codes, codes].to_numpy(float)
            ok.append(bool(np.all(np.isfinite(m))))
            mats.append(m if ok[-1] else np.zeros_like(m))
        scores[s], usable[s] = np.stack(mats), np.array(ok)
    return CriterionScores(names, scores, usable)


def weighted_scores(criteria: CriterionScores, w: np.ndarray) -> dict[str, np.ndarray]:
    """Every service's pair scores under criterion weights ``w`` (those a service cannot
    use dropped, the rest scaled to sum 1)."""
    out = {}
    for s, mats in criteria.scores.items():
        ws = np.where(criteria.usable[s], np.asarray(w, float), 0.0)
        total = ws.sum()
        ws = ws / total if total > 0 else ws
        out[s] = np.tensordot(ws, mats, axes=1)
    return out


@dataclass(frozen=True)
class Resolver:
    """What re-solving a plan needs (picklable, so a process or dask executor can run it).

    Attributes
    ----------
    codes : list of str
        Council codes in node order.
    problems : mapping of str to ServiceProblem
        Each service's candidate groups, values and own constraints, as solved.
    scores : mapping of str to numpy.ndarray
        Each service's pair scores on the 0-100 scale (node order).
    shift : float
        Subtracted from a pair score to give its value (``min_pair_score``).
    extra : mapping of str to numpy.ndarray
        Each group's value beyond its pair values (e.g. savings), kept as solved.
    consistency, max_new, options
        The joint solve's consistency value, new-partnership cap and solver options.
    score_inputs : dict, optional
        ``as_of``, ``links`` and ``systems`` the pair scores were made with (to rebuild them
        under other weights, :func:`criterion_scores`).
    criteria : CriterionScores, optional
        The per-criterion scores, once built (:meth:`with_criteria`).
    """

    codes: list
    problems: Mapping[str, ServiceProblem]
    scores: Mapping[str, np.ndarray]
    shift: float
    extra: Mapping[str, np.ndarray]
    consistency: object
    max_new: object
    options: SolverOptions
    score_inputs: dict | None = None
    criteria: CriterionScores | None = None

    def with_criteria(self) -> Resolver:
        """This resolver with its per-criterion scores built (for weight samples)."""
        if self.criteria is not None:
            return self
        if self.score_inputs is None:
            raise DataValidationError("plan.robustness", [(
                "weights=True needs the inputs the pair scores were made with; make the plan "
                "with propose_groupings")])
        return replace(self, criteria=criterion_scores(list(self.codes), list(self.problems),
                                                       **self.score_inputs))

    def solve(self, scores: Mapping[str, np.ndarray]) -> dict[str, list[tuple[str, ...]]]:
        """The groups of two or more (codes, sorted) chosen with these pair scores."""
        probs = {}
        for s, prob in self.problems.items():
            sc = np.asarray(scores[s], float) - self.shift
            np.fill_diagonal(sc, 0.0)
            vals = pairwise_values(prob.groups, sc) + self.extra[s]
            probs[s] = ServiceProblem(prob.groups, vals, prob.fixed_groups,
                                      prob.must_group_nodes, prob.existing_groups)
        res = solve_joint(probs, self.options, consistency=self.consistency,
                          max_new_partnerships=self.max_new)
        out = {}
        for s, chosen in res.chosen.items():
            members = self.problems[s].groups.members[chosen]
            out[s] = sorted(tuple(sorted(self.codes[v] for v in row if v >= 0))
                            for row in members if (row >= 0).sum() >= 2)
        return out

    def robustness(self, chosen, names, **kwargs) -> pd.DataFrame:
        """:func:`plan_robustness` of this problem."""
        return plan_robustness(self, chosen, names, **kwargs)


def perturbed_scores(resolver: Resolver, rng: np.random.Generator, sd: float,
                     weights: bool = False) -> dict[str, np.ndarray]:
    """One sample of every service's pair scores (see the module docstring)."""
    out = {}
    scores = resolver.scores
    if weights:
        crit = resolver.criteria
        assert crit is not None
        m = len(crit.names)
        space = WeightSpace(np.zeros(m), np.ones(m), np.zeros((0, 2), np.int64))
        scores = weighted_scores(crit, draw_weights(rng, 1, space)[0])
    for s in resolver.scores:
        base = scores[s]
        n = base.shape[0]
        v = draw_values(rng, 1, base, ValueNoise(np.full(n, float(sd)), None))[0]
        out[s] = (v + v.T) / 2.0
    return out


def _sample(job: tuple[Resolver, np.random.SeedSequence, float, bool]):
    resolver, seed, sd, weights = job
    return resolver.solve(perturbed_scores(resolver, np.random.default_rng(seed), sd,
                                           weights))


def plan_robustness(resolver: Resolver, chosen: Mapping[str, list[tuple[str, ...]]],
                    names: Mapping[str, str], *, n_samples: int = 20, sd: float = 5.0,
                    weights: bool = False, seed: int = 0, executor=None) -> pd.DataFrame:
    """How often each chosen group recurs when the plan is re-solved under noise.

    Parameters
    ----------
    resolver : Resolver
        The plan's problem (see :meth:`partnerfit.grouping.Plan.robustness`).
    chosen : mapping of str to list of tuple of str
        The plan's groups of two or more per service (codes, sorted).
    names : mapping of str to str
        Council names by code.
    n_samples : int, default 20
        Re-solves.
    sd : float, default 5.0
        Standard deviation of the noise on each pair score, in points (0-100 scale).
    weights : bool, default False
        Also draw the criterion weights of each sample uniformly over all weightings.
    seed : int, default 0
        Seed of the samples.
    executor : concurrent.futures.Executor-like, optional
        Anything with ``submit(fn, arg)`` returning a future with ``result()`` (a
        ``ProcessPoolExecutor`` or a dask ``Client``'s ``get_executor()``); None runs the
        samples here, one after another.

    Returns
    -------
    pandas.DataFrame
        One row per (service, chosen group): ``service``, ``group`` (names), ``councils``
        (codes), ``recurs`` (samples in which exactly this group was chosen) and
        ``share`` (``recurs / n_samples``).
    """
    problems = []
    if not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
        problems.append(f"n_samples must be a whole number of at least 1 (got {n_samples!r})")
    if not np.isfinite(sd) or sd < 0:
        problems.append(f"sd must be a number of points, 0 or more (got {sd!r})")
    if problems:
        raise DataValidationError("robustness arguments", problems)
    if weights:
        resolver = resolver.with_criteria()
    seeds = np.random.SeedSequence(int(seed)).spawn(int(n_samples))
    jobs = [(resolver, sq, float(sd), bool(weights)) for sq in seeds]
    if executor is None:
        results = [_sample(j) for j in jobs]
    else:
        futures = [executor.submit(_sample, j) for j in jobs]
        results = [f.result() for f in futures]
    rows = []
    for s, groups in chosen.items():
        for g in sorted(groups):
            count = sum(g in r.get(s, []) for r in results)
            rows.append({"service": s, "group": ", ".join(names.get(c, c) for c in g),
                         "councils": ", ".join(g), "recurs": count,
                         "share": count / n_samples})
    return pd.DataFrame(rows, columns=["service", "group", "councils", "recurs", "share"])

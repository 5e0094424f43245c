"""How robust a plan is: re-solve under perturbed pair scores and count the groups that recur.

Each sample perturbs every service's pair scores (0-100 scale) with the value noise of the
SMAA analysis (:func:`partnerfit.sensitivity.smaa.draw_values`: Gaussian noise of ``sd``
points, clipped to 0-100), made symmetric by averaging with its transpose, then solves the
same problem again (same candidate groups, constraints and consistency value) and records
the groups of two or more it chooses. Sample ``k`` draws from
``numpy.random.default_rng(numpy.random.SeedSequence(seed).spawn(n_samples)[k])``, one
``draw_values(rng, 1, scores, noise)`` per service in the plan's service order, so results
do not depend on the executor that runs them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataValidationError
from ..sensitivity.smaa import ValueNoise, draw_values
from .model import ServiceProblem
from .multi import solve_joint
from .options import SolverOptions
from .values import pairwise_values

__all__ = ["Resolver", "perturbed_scores", "plan_robustness"]


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
    """

    codes: list
    problems: Mapping[str, ServiceProblem]
    scores: Mapping[str, np.ndarray]
    shift: float
    extra: Mapping[str, np.ndarray]
    consistency: object
    max_new: object
    options: SolverOptions

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


def perturbed_scores(resolver: Resolver, rng: np.random.Generator,
                     sd: float) -> dict[str, np.ndarray]:
    """One sample of every service's pair scores (see the module docstring)."""
    out = {}
    for s, base in resolver.scores.items():
        n = base.shape[0]
        v = draw_values(rng, 1, base, ValueNoise(np.full(n, float(sd)), None))[0]
        out[s] = (v + v.T) / 2.0
    return out


def _sample(job: tuple[Resolver, np.random.SeedSequence, float]):
    resolver, seed, sd = job
    return resolver.solve(perturbed_scores(resolver, np.random.default_rng(seed), sd))


def plan_robustness(resolver: Resolver, chosen: Mapping[str, list[tuple[str, ...]]],
                    names: Mapping[str, str], *, n_samples: int = 20, sd: float = 5.0,
                    seed: int = 0, executor=None) -> pd.DataFrame:
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
    seeds = np.random.SeedSequence(int(seed)).spawn(int(n_samples))
    jobs = [(resolver, sq, float(sd)) for sq in seeds]
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

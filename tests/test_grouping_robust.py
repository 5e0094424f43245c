"""plan.robustness: recurrence of the chosen groups under perturbed pair scores, checked
against a direct count (brute-force optimum of every sample, drawn independently)."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import networkx as nx
import numpy as np
import pytest
from test_grouping import set_partitions

import partnerfit as pf
from partnerfit.errors import DataValidationError
from partnerfit.grouping import propose_groupings

NAMES = ["Lancaster", "Preston", "South Ribble", "Chorley", "West Lancashire"]
DATE = "2009-06-01"



def _feasible(codes, graph):
    """Every partition into connected groups of at most 4 (singletons allowed)."""
    return [p for p in set_partitions(list(range(len(codes))))
            if all(len(b) == 1 or (len(b) <= 4 and nx.is_connected(graph.subgraph(b)))
                   for b in p)]


def _count_best(feasible, values, codes, counts):
    """Add one to ``counts`` for every group of two or more in the best partition under
    ``values`` (a group is worth the sum of its pair values)."""
    best = max(feasible, key=lambda p: sum(values[a, c] for b in p
                                            for a, c in itertools.combinations(b, 2)))
    for b in best:
        if len(b) >= 2:
            key = tuple(sorted(codes[v] for v in b))
            counts[key] = counts.get(key, 0) + 1


def _direct_counts(codes, graph, base, n_samples, sd, seed, shift=50.0):
    """Draw each sample as documented (Gaussian noise, clipped to 0-100, symmetrised) and
    find its best partition by brute force; count every group of two or more."""
    feasible = _feasible(codes, graph)
    counts: dict = {}
    for sq in np.random.SeedSequence(seed).spawn(n_samples):
        rng = np.random.default_rng(sq)
        n = len(codes)
        noisy = np.clip(base + rng.standard_normal((n, n)) * sd, 0.0, 100.0)
        _count_best(feasible, (noisy + noisy.T) / 2 - shift, codes, counts)
    return counts


@pytest.fixture(scope="module")
def lancs():
    codes = sorted(pf.find_council(c, DATE) for c in NAMES)
    adj = pf.adjacency(DATE, water=False)
    graph = nx.Graph()
    graph.add_nodes_from(range(5))
    graph.add_edges_from((codes.index(a), codes.index(b)) for a, b in zip(adj["a"], adj["b"])
                         if a in codes and b in codes)
    # pinned to the earlier default profile, under which these five form groups to re-make
    w = "north_lincolnshire_2014"
    base = pf.pairwise_scores(codes, "finance", as_of=DATE, weights=w).loc[codes, codes]
    base = base.to_numpy(float)
    np.fill_diagonal(base, 0.0)
    return codes, graph, base, propose_groupings(NAMES, "finance", as_of=DATE, weights=w)


def test_frequencies_equal_a_direct_count(lancs):
    codes, graph, base, plan = lancs
    # noise large enough to change some answers (the pair scores of these five are far apart)
    rob = plan.robustness(12, sd=40.0, seed=3)
    counts = _direct_counts(codes, graph, base, 12, 40.0, 3)
    assert len(rob) >= 1
    assert 0 < rob["recurs"].sum() < 12 * len(rob)  # the noise changes some answers
    for _, row in rob.iterrows():
        key = tuple(row["councils"].split(", "))
        assert row["recurs"] == counts.get(key, 0), key
        assert row["share"] == pytest.approx(row["recurs"] / 12)


def test_same_seed_same_result_on_an_executor(lancs):
    plan = lancs[3]
    here = plan.robustness(5, sd=8.0, seed=1)
    with ThreadPoolExecutor(2) as ex:
        there = plan.robustness(5, sd=8.0, seed=1, executor=ex)
    assert here.equals(there)


def test_bad_arguments_and_plans_without_a_problem_are_refused(lancs):
    plan = lancs[3]
    with pytest.raises(DataValidationError, match="n_samples"):
        plan.robustness(0)
    with pytest.raises(DataValidationError, match="models"):
        propose_groupings(NAMES, "finance", as_of=DATE, models=True).robustness(2)


def _direct_weight_counts(codes, graph, n_samples, sd, seed, shift=50.0):
    """Weight samples drawn as documented (uniform over all weightings: exponential draws
    scaled to sum 1, in criterion order), pair scores made by ``pf.pairwise_scores`` with
    those weights, then the Gaussian noise (clipped to 0-100, symmetrised); best partition
    by brute force; count every group of two or more."""
    from partnerfit.criteria import load_criteria

    names = list(load_criteria())
    feasible = _feasible(codes, graph)
    counts: dict = {}
    for sq in np.random.SeedSequence(seed).spawn(n_samples):
        rng = np.random.default_rng(sq)
        d = rng.standard_exponential((1, len(names)))[0]
        w = dict(zip(names, d / d.sum()))
        sc = pf.pairwise_scores(codes, "finance", as_of=DATE, weights=w).loc[codes, codes]
        n = len(codes)
        sc = np.clip(sc.to_numpy(float) + rng.standard_normal((n, n)) * sd, 0.0, 100.0)
        _count_best(feasible, (sc + sc.T) / 2 - shift, codes, counts)
    return counts


def test_weight_sample_frequencies_equal_a_direct_count(lancs):
    codes, graph, _, plan = lancs
    rob = plan.robustness(10, sd=20.0, weights=True, seed=4)
    counts = _direct_weight_counts(codes, graph, 10, 20.0, 4)
    assert len(rob) >= 1
    assert 0 < rob["recurs"].sum() < 10 * len(rob)  # other weights change some answers
    for _, row in rob.iterrows():
        key = tuple(row["councils"].split(", "))
        assert row["recurs"] == counts.get(key, 0), key
    with ThreadPoolExecutor(2) as ex:
        assert plan.robustness(10, sd=20.0, weights=True, seed=4, executor=ex).equals(rob)


def test_scores_rebuilt_per_criterion_equal_the_scores_of_the_plan_weights(lancs):
    """The pair score is linear in the weights: the per-criterion scores, weighted with the
    fixture's profile, give the scores ``pairwise_scores`` makes with that profile."""
    from partnerfit.criteria import load_criteria
    from partnerfit.grouping.robust import criterion_scores, weighted_scores
    from partnerfit.scoring import resolve_weights

    codes, _, base, _ = lancs
    crit = criterion_scores(codes, ["finance"], as_of=DATE)
    order = load_criteria()
    w, _ = resolve_weights("north_lincolnshire_2014", "finance", order)
    w = w.reindex(list(order)).to_numpy(float)
    assert np.allclose(weighted_scores(crit, w)["finance"], base, atol=1e-9)

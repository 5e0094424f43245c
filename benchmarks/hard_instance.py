"""The hard synthetic instance of issue 17 (fixed seed), shared by ``bench_hard.py``.

300 points in a 500 x 600 km box: 60% drawn around 12 urban centres (normal, sd 25 km,
centres uniform in the box, points clipped to the box) and 40% uniform; 4 council types
and 5 IT vendors drawn at random (uniformly); contiguity from the Delaunay triangulation
without its longest 10% of edges, plus the minimum-spanning-tree edges (Euclidean MST,
a subgraph of the triangulation) so the map stays connected; 10% of the edges carry an
existing link; every pair's compatibility

    0.5 * exp(-d / L) + 0.2 * [same type] + 0.2 * [same vendor] + 0.1 * [link]

with ``L`` twice the median nearest-neighbour distance, rounded to 3 decimals (all
positive, so bigger groups always help and the LP bound is weak). A group's value is the
sum of its members' pair values; a council may stay alone at value 0.

For several services each service draws its own IT vendors (same points, types, edges
and links); service 0 is the single-service instance.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
from scipy.spatial import Delaunay, cKDTree

BOX = (500.0, 600.0)


@dataclass
class HardInstance:
    points: np.ndarray  # (n, 2) km
    edges: np.ndarray  # (E, 2) contiguity
    links: np.ndarray  # (K, 2) edges with an existing link
    types: np.ndarray
    vendors: list  # one vendor array per service
    length_scale: float  # L
    scores: list  # one (n, n) compatibility matrix per service


def _points(rng, n):
    n_urban = round(0.6 * n)
    centres = rng.random((12, 2)) * BOX
    pick = rng.integers(12, size=n_urban)
    urban = centres[pick] + rng.normal(0.0, 25.0, (n_urban, 2))
    urban = np.clip(urban, 0.0, BOX)
    rural = rng.random((n - n_urban, 2)) * BOX
    return np.concatenate([urban, rural])


def _edges(pts):
    tri = Delaunay(pts)
    es = set()
    for simplex in tri.simplices:
        for a, b in itertools.combinations(sorted(int(v) for v in simplex), 2):
            es.add((a, b))
    e = np.array(sorted(es), dtype=np.int64)
    length = np.linalg.norm(pts[e[:, 0]] - pts[e[:, 1]], axis=1)
    n_drop = round(0.1 * len(e))
    order = np.lexsort((np.arange(len(e)), -length))  # longest first, ties by index
    keep = np.ones(len(e), bool)
    keep[order[:n_drop]] = False
    n = len(pts)
    mst = minimum_spanning_tree(coo_matrix((length, (e[:, 0], e[:, 1])), shape=(n, n))).tocoo()
    mst_e = np.sort(np.stack([mst.row, mst.col], axis=1), axis=1)
    out = np.unique(np.concatenate([e[keep], mst_e]), axis=0)
    graph = coo_matrix((np.ones(len(out)), (out[:, 0], out[:, 1])), shape=(n, n))
    assert connected_components(graph, directed=False)[0] == 1
    return out


def hard_instance(n: int = 300, n_services: int = 1, seed: int = 17) -> HardInstance:
    """The instance (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    pts = _points(rng, n)
    types = rng.integers(4, size=n)
    vendors = [rng.integers(5, size=n)]
    edges = _edges(pts)
    n_link = round(0.1 * len(edges))
    links = edges[np.sort(rng.choice(len(edges), size=n_link, replace=False))]
    vendors += [rng.integers(5, size=n) for _ in range(n_services - 1)]
    d = np.linalg.norm(pts[:, None] - pts[None], axis=2)
    nn, _ = cKDTree(pts).query(pts, k=2)
    L = 2.0 * float(np.median(nn[:, 1]))
    link = np.zeros((n, n))
    link[links[:, 0], links[:, 1]] = link[links[:, 1], links[:, 0]] = 1.0
    base = 0.5 * np.exp(-d / L) + 0.2 * (types[:, None] == types[None]) + 0.1 * link
    scores = []
    for v in vendors:
        s = np.round(base + 0.2 * (v[:, None] == v[None]), 3)
        np.fill_diagonal(s, 0.0)
        scores.append(s)
    return HardInstance(pts, edges, links, types, vendors, L, scores)


def model_choice_columns(inst: HardInstance, groups, service: int = 0, weight: float = 0.1,
                         seed: int = 18):
    """The delivery-model option columns of ``groups`` for one service of the instance.

    Every council gets a cost base (GBP m a year, lognormal around 3, seeded) and a
    population in proportion (100,000 per GBP 1m); its IT system is the service's vendor;
    no council hosts a running arrangement. An option is worth the group's pair values plus
    ``weight`` points per GBP 1m of its central NPV (the business case of
    :mod:`partnerfit.business_case` with its default assumptions), the four models of
    ``models=True`` (sovereign, federal, joint committee, company), no lead capacity.
    Returns :class:`partnerfit.grouping.choice.OptionColumns`.
    """
    import pandas as pd

    from partnerfit.business_case import CaseAssumptions
    from partnerfit.grouping.choice import LeadFacts, ModelChoice, check_models, option_columns

    n = len(inst.points)
    rng = np.random.default_rng(seed)
    cost = np.round(np.exp(rng.normal(np.log(3.0), 0.4, n)), 3)
    facts = LeadFacts(codes=[f"H{i:03d}" for i in range(n)], cost=cost,
                      population=cost * 100_000.0, hosting=np.zeros(n, np.int64),
                      system=[f"vendor {v}" for v in inst.vendors[service]],
                      pair=inst.scores[service], weight=weight,
                      arrangements=pd.DataFrame(columns=["members", "model", "lead"]))
    choice = ModelChoice(models=check_models(True, False), lead_capacity=None,
                         performance={}, min_lead_strength=None, case=CaseAssumptions())
    return option_columns(groups, facts, choice)

"""The sharing network: which councils already share services with which, as a networkx graph.

:func:`sharing_graph` builds the network of councils in force on a date, with an edge between
every pair of members of each running arrangement (optionally only some services or service
families). The metrics are plain functions of a graph that return DataFrames keyed by GSS code:
:func:`partners`, :func:`partners_of_partners`, :func:`shared_partner_counts`,
:func:`shortest_path`, :func:`degree_table`, :func:`degree_by_kind`, :func:`components`,
:func:`clusters` and :func:`summary`. They accept any graph built by :func:`sharing_graph`, including a subgraph
(``G.subgraph(codes)``), and ties are always broken by GSS code.

Examples
--------
>>> from partnerfit.network import sharing_graph, partners, degree_table
>>> G = sharing_graph("2014-04-01", family="back_office")          # doctest: +SKIP
>>> partners(G, "Chorley")                                          # doctest: +SKIP
>>> degree_table(G).head(10)                                        # doctest: +SKIP
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse

from ._checks import check_int, check_number
from ._dates import DateLike, to_date, today
from ._yaml import did_you_mean
from .errors import NoPathError, UnknownCouncilError, UnknownKindError
from .links import KINDS, NOT_STATED, load_links
from .register import find_council, load_councils
from .services import FAMILIES, check_families, check_service, services

__all__ = [
    "NODE_ATTRIBUTES",
    "NoPathError",
    "clusters",
    "components",
    "council_node",
    "degree_by_kind",
    "degree_table",
    "partners",
    "partners_of_partners",
    "shared_partner_counts",
    "sharing_graph",
    "shortest_path",
    "simple_graph",
    "summary",
]

NODE_ATTRIBUTES = ("name", "tier", "nation", "region", "county", "easting", "northing",
                   "population")


# --------------------------------------------------------------------------- building

def _as_list(value: str | Iterable[str] | None) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return list(value)


def sharing_graph(as_of: DateLike = None, *, service: str | Iterable[str] | None = None,
                  family: str | Iterable[str] | None = None,
                  kinds: str | Iterable[str] | None = None, links=None,
                  multigraph: bool = False) -> nx.Graph | nx.MultiGraph:
    """The network of councils sharing services on a date.

    Parameters
    ----------
    as_of : date-like, optional
        Date of the network (default today). Nodes are the councils in force on it; edges come
        from the arrangements running on it, with members under their codes of that date.
    service : str or list of str, optional
        Keep only arrangements for these service ids (from the catalogue).
    family : str or list of str, optional
        Keep only arrangements whose service is in these families (``back_office``,
        ``customer``, ``regulatory``, ``place``, ``people``). With ``service`` too, both apply.
    kinds : str or list of str, optional
        Keep only arrangements of these kinds (:data:`partnerfit.links.KINDS`, plus
        ``not_stated`` for a user's rows without a kind), e.g. ``kinds=["lead_authority",
        "joint_committee", "company"]`` for the partnerships councils chose, leaving out
        joint boards and statutory authorities (``joint_board``) and pension pools and growth
        deals (``strategic``). Default every kind.
    links : path or pandas.DataFrame, optional
        A user's arrangements table (the columns of ``councils/arrangements*.csv``) instead of
        the bundled one; validated by :func:`partnerfit.links.load_links`.
    multigraph : bool, default False
        Return a :class:`networkx.MultiGraph` with one edge per (arrangement, service) instead
        of one edge per pair of councils.

    Returns
    -------
    networkx.Graph or networkx.MultiGraph
        Nodes are GSS codes with attributes ``name, tier, nation, region, county, easting,
        northing, population``. Graph edges carry ``arrangements`` (sorted list of ids),
        ``services`` (sorted list), ``families`` (sorted list), ``models`` (sorted list),
        ``kinds`` (sorted list), ``partnerships`` (sorted list) and ``weight`` (number of
        distinct services the pair shares). MultiGraph edges are keyed by arrangement id and
        carry ``service, family, model, kind, partnership, name, source``. ``G.graph`` holds
        ``as_of``, the ``service``, ``family`` and ``kinds`` filters, ``arrangements``: a
        DataFrame of the arrangements used, indexed by id, with their ``kind`` and ``members``
        in force (an arrangement with fewer than two members in force on the date makes no
        edge), and ``notes`` (e.g. how many arrangements do not state their kind).

    Raises
    ------
    UnknownServiceError
        A service id or family is not in the catalogue (the message suggests close matches).
    UnknownKindError
        A kind is not one of the kinds (the message suggests close matches).
    DataValidationError
        The arrangements table has problems (all listed, with their lines).
    """
    date = to_date(as_of) or today()
    wanted_kinds = _check_kinds(_as_list(kinds))
    cat = services()
    wanted_services = _as_list(service)
    wanted_families = _as_list(family)
    if wanted_services is not None:
        wanted_services = [check_service(s, cat) for s in wanted_services]
    if wanted_families is not None:
        wanted_families = check_families(wanted_families)
    table = load_links(date, links=links)
    keep = np.ones(len(table), dtype=bool)
    if wanted_services is not None:
        keep &= table["service"].isin(wanted_services).to_numpy()
    if wanted_families is not None:
        keep &= cat["family"].reindex(table["service"]).isin(wanted_families).to_numpy()
    if wanted_kinds is not None:
        keep &= table["kind"].isin(wanted_kinds).to_numpy()
    table = table[keep]
    councils = load_councils(date)
    G = _build(table, councils, cat, multigraph=multigraph)
    notes = []
    unstated = table.loc[table["kind"] == NOT_STATED, "arrangement"].nunique()
    if unstated:
        notes.append(f"{unstated} of {table['arrangement'].nunique()} arrangements do not state "
                     "their kind (no kind column in the table): shown as 'kind not stated'.")
    G.graph.update(as_of=date, service=wanted_services, family=wanted_families,
                   kinds=wanted_kinds, notes=notes)
    return G


def _check_kinds(kinds: list[str] | None) -> list[str] | None:
    if kinds is None:
        return None
    allowed = (*KINDS, NOT_STATED)
    bad = [k for k in kinds if k not in allowed]
    if bad:
        raise UnknownKindError("; ".join(f"kinds: {k!r} is not an arrangement kind "
                                   f"({', '.join(allowed)}){did_you_mean(k, allowed)}"
                                   for k in bad))
    return list(dict.fromkeys(kinds))


def _build(table: pd.DataFrame, councils: pd.DataFrame, cat: pd.DataFrame, *,
           multigraph: bool) -> nx.Graph | nx.MultiGraph:
    """Graph from a long arrangements table whose members are codes in ``councils``."""
    t = table.drop_duplicates(["arrangement", "council"]).sort_values(["arrangement", "council"])
    unknown = sorted(set(t["council"]) - set(councils.index))
    if unknown:
        raise UnknownCouncilError(
            f"Arrangement members {', '.join(unknown)} are not councils in force on the "
            "network's date; check the arrangements table's codes and dates.")
    family_of = cat["family"].to_dict()
    G: nx.Graph | nx.MultiGraph = nx.MultiGraph() if multigraph else nx.Graph()
    attrs = councils[list(NODE_ATTRIBUTES)].sort_index()
    G.add_nodes_from((code, row) for code, row in attrs.to_dict("index").items())

    # one record per arrangement (rows sorted by arrangement, council)
    arr_rows: dict[str, dict] = {}
    if "kind" not in t.columns:  # a table built by hand, not by the loader
        t = t.assign(kind=NOT_STATED)
    cols = ["arrangement", "partnership", "name", "service", "model", "kind", "council", "role",
            "source"]
    for arr, part, name, serv, model, kind, council, role, source in zip(
            *(t[c].to_numpy() for c in cols), strict=True):
        rec = arr_rows.get(arr)
        if rec is None:
            rec = arr_rows[arr] = {"partnership": part, "name": name, "service": serv,
                                   "family": family_of[serv], "model": model, "kind": kind,
                                   "lead": "", "members": [], "source": set()}
        rec["members"].append(council)
        rec["source"].add(source)
        if role == "lead":
            rec["lead"] = council
    for rec in arr_rows.values():
        rec["members"] = tuple(rec["members"])
        rec["source"] = "; ".join(sorted(rec["source"]))
    arrangements = pd.DataFrame.from_dict(
        arr_rows, orient="index",
        columns=["partnership", "name", "service", "family", "model", "kind", "lead", "members",
                 "source"]).rename_axis("arrangement")
    arrangements["n_members"] = arrangements["members"].map(len).astype(int)
    G.graph["arrangements"] = arrangements

    if multigraph:
        for arr, r in arr_rows.items():
            m = r["members"]
            G.add_edges_from(
                (m[i], m[j], arr, {"service": r["service"], "family": r["family"],
                                   "model": r["model"], "kind": r["kind"],
                                   "partnership": r["partnership"],
                                   "name": r["name"], "source": r["source"]})
                for i in range(len(m)) for j in range(i + 1, len(m)))
        return G

    pair: dict[tuple[str, str], tuple[set, set, set, set, set, set]] = {}
    for arr, r in arr_rows.items():
        m = r["members"]  # sorted, so m[i] < m[j]
        for i in range(len(m)):
            for j in range(i + 1, len(m)):
                sets = pair.get((m[i], m[j]))
                if sets is None:
                    sets = pair[(m[i], m[j])] = (set(), set(), set(), set(), set(), set())
                sets[0].add(arr)
                sets[1].add(r["service"])
                sets[2].add(r["family"])
                sets[3].add(r["model"])
                sets[4].add(r["partnership"])
                sets[5].add(r["kind"])
    G.add_edges_from(
        (a, b, {"arrangements": sorted(sets[0]), "services": sorted(sets[1]),
                "families": sorted(sets[2]), "models": sorted(sets[3]),
                "kinds": sorted(sets[5]), "partnerships": sorted(sets[4]),
                "weight": len(sets[1])})
        for (a, b), sets in sorted(pair.items()))
    return G


# --------------------------------------------------------------------------- helpers

def council_node(G: nx.Graph, council: str) -> str:
    """Resolve a council's code or name to a node of ``G``.

    Parameters
    ----------
    G : networkx.Graph or MultiGraph
        From :func:`sharing_graph` (names are resolved on its ``as_of`` date).
    council : str
        GSS code or name.

    Returns
    -------
    str
        The GSS code, a node of ``G``.

    Raises
    ------
    UnknownCouncilError
        If the council is unknown, or not in ``G`` (e.g. a subgraph).
    """
    if isinstance(council, str) and council in G:
        return council
    code = find_council(council, G.graph.get("as_of"))
    if code not in G:
        raise UnknownCouncilError(
            f"{council!r} ({code}) is not in this network; it holds {G.number_of_nodes()} "
            "councils (a subgraph, or a network of another date?).")
    return code


def _edge_records(G: nx.Graph, u: str, v: str) -> tuple[list[str], list[str]]:
    """(arrangements, services) shared by u and v, for a Graph or a MultiGraph."""
    data = G.get_edge_data(u, v)
    if G.is_multigraph():
        return sorted(data), sorted({d["service"] for d in data.values()})
    return list(data["arrangements"]), list(data["services"])


def simple_graph(G: nx.Graph) -> nx.Graph:
    """One edge per pair of councils, weighted by the distinct services they share.

    Parameters
    ----------
    G : networkx.Graph or MultiGraph
        From :func:`sharing_graph`.

    Returns
    -------
    networkx.Graph
        ``G`` itself if it is not a MultiGraph; otherwise a Graph with the same nodes and
        graph attributes whose edges carry ``weight`` (the number of distinct services).
    """
    if not G.is_multigraph():
        return G
    H = nx.Graph()
    H.add_nodes_from(sorted(G.nodes(data=True)))
    for u, v in G.edges():
        if not H.has_edge(u, v):
            _, servs = _edge_records(G, u, v)
            H.add_edge(u, v, weight=len(servs))
    H.graph.update(G.graph)
    return H


def _names(G: nx.Graph, codes) -> list[str]:
    return [G.nodes[c].get("name", "") for c in codes]


def _bfs_parents(G: nx.Graph, source: str) -> dict[str, str | None]:
    """BFS from ``source`` visiting neighbours in code order (deterministic parents)."""
    parent: dict[str, str | None] = {source: None}
    queue = deque([source])
    while queue:
        u = queue.popleft()
        for w in sorted(G.adj[u]):
            if w not in parent:
                parent[w] = u
                queue.append(w)
    return parent


# --------------------------------------------------------------------------- metrics

def partners(G: nx.Graph, council: str) -> pd.DataFrame:
    """A council's direct sharing partners.

    Parameters
    ----------
    G : networkx.Graph or MultiGraph
        From :func:`sharing_graph`.
    council : str
        GSS code or name.

    Returns
    -------
    pandas.DataFrame
        Indexed by partner ``code``: ``name``, ``n_services``, ``services`` and
        ``arrangements`` (comma-separated ids), ``n_arrangements``; most services first, then
        by code.
    """
    code = council_node(G, council)
    rows = []
    for p in sorted(set(G.adj[code])):
        arrs, servs = _edge_records(G, code, p)
        rows.append({"code": p, "name": G.nodes[p].get("name", ""), "n_services": len(servs),
                     "services": ", ".join(servs), "n_arrangements": len(arrs),
                     "arrangements": ", ".join(arrs)})
    out = pd.DataFrame(rows, columns=["code", "name", "n_services", "services",
                                      "n_arrangements", "arrangements"])
    out = out.sort_values(["n_services", "code"], ascending=[False, True], kind="stable")
    out = out.astype({"n_services": int, "n_arrangements": int})
    return out.set_index("code")


def partners_of_partners(G: nx.Graph, council: str) -> pd.DataFrame:
    """Councils two steps away: partners of a council's partners that are not its partners.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``code``: ``name``, ``n_via`` (how many of the council's partners share
        with it) and ``via`` (those partners' codes); most links first, then by code.
    """
    code = council_node(G, council)
    direct = set(G.adj[code])
    via: dict[str, list[str]] = {}
    for p in sorted(direct):
        for q in G.adj[p]:
            if q != code and q not in direct:
                via.setdefault(q, []).append(p)
    rows = [{"code": q, "name": G.nodes[q].get("name", ""), "n_via": len(v),
             "via": ", ".join(sorted(v))} for q, v in via.items()]
    out = pd.DataFrame(rows, columns=["code", "name", "n_via", "via"])
    out = out.sort_values(["n_via", "code"], ascending=[False, True], kind="stable")
    return out.astype({"n_via": int}).set_index("code")


def shared_partner_counts(G: nx.Graph, codes: Iterable[str] | None = None, *,
                          min_shared: int = 1) -> pd.DataFrame:
    """How many partners each pair of councils has in common.

    Parameters
    ----------
    G : networkx.Graph or MultiGraph
    codes : iterable of str, optional
        Councils (codes or names) to pair up; default every council in ``G``.
    min_shared : int, default 1
        Keep pairs with at least this many shared partners (0 keeps every pair).

    Returns
    -------
    pandas.DataFrame
        Columns ``a, b`` (codes, ``a < b``), ``shared`` (number of common partners) and
        ``linked`` (whether a and b share a service themselves); most shared first, then by
        ``a, b``.
    """
    nodes = sorted(G.nodes) if codes is None else sorted({council_node(G, c) for c in codes})
    order = sorted(G.nodes)
    pos = {c: i for i, c in enumerate(order)}
    n = len(order)
    rows, cols = [], []
    for u, v in G.edges():
        if u != v:
            rows += [pos[u], pos[v]]
            cols += [pos[v], pos[u]]
    A = sparse.csr_matrix((np.ones(len(rows), dtype=np.int64), (rows, cols)), shape=(n, n))
    A.data[:] = 1  # a MultiGraph's parallel edges count once
    idx = np.array([pos[c] for c in nodes], dtype=np.int64)
    sub = A[idx]
    common = (sub @ sub.T).toarray()
    linked = sub[:, idx].toarray() > 0
    iu, ju = np.triu_indices(len(nodes), k=1)
    shared = common[iu, ju]
    keep = shared >= min_shared
    names = np.array(nodes, dtype=object)
    out = pd.DataFrame({"a": names[iu[keep]], "b": names[ju[keep]],
                        "shared": shared[keep].astype(int), "linked": linked[iu, ju][keep]})
    out = out.sort_values(["shared", "a", "b"], ascending=[False, True, True], kind="stable")
    return out.reset_index(drop=True)


def shortest_path(G: nx.Graph, a: str, b: str) -> list[str]:
    """The shortest chain of sharing links from council ``a`` to council ``b``.

    Among equally short chains, the one found by visiting partners in code order is returned.

    Returns
    -------
    list of str
        GSS codes from ``a`` to ``b`` inclusive.

    Raises
    ------
    NoPathError
        The two councils are not connected by any chain of sharing links.
    """
    ca, cb = council_node(G, a), council_node(G, b)
    parent = _bfs_parents(G, ca)
    if cb not in parent:
        name_a, name_b = G.nodes[ca].get("name", ca), G.nodes[cb].get("name", cb)
        raise NoPathError(
            f"{name_a} ({ca}) and {name_b} ({cb}) are not connected in this sharing network: "
            f"{name_a}'s group has {len(parent)} council{'s' if len(parent) != 1 else ''}. "
            "Try a wider network (no service or family filter, or another date).")
    path = [cb]
    while path[-1] != ca:
        step = parent[path[-1]]
        assert step is not None  # only the source, ca, has no parent
        path.append(step)
    return path[::-1]


def degree_table(G: nx.Graph) -> pd.DataFrame:
    """Degree and centrality of every council.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``code``: ``name, tier, degree`` (number of partners),
        ``weighted_degree`` (sum over partners of the distinct services shared),
        ``n_arrangements``, ``n_services`` (distinct services shared with anyone),
        ``betweenness`` (normalised, unweighted) and ``closeness`` (Wasserman–Faust, so
        comparable across components); sorted by degree (descending) then code.
    """
    H = simple_graph(G)
    order = sorted(H.nodes)
    arrs: dict[str, set] = {c: set() for c in order}
    servs: dict[str, set] = {c: set() for c in order}
    for u, v in G.edges():
        a, s = _edge_records(G, u, v)
        for c in (u, v):
            arrs[c].update(a)
            servs[c].update(s)
    n = H.number_of_nodes()
    core = H.subgraph([c for c in order if H.degree(c) > 0])
    # isolated councils lie on no path: compute on the sharing councils, normalise by all of G
    raw = nx.betweenness_centrality(core, normalized=False)
    scale = 2.0 / ((n - 1) * (n - 2)) if n > 2 else 1.0
    close = nx.closeness_centrality(core) if core.number_of_nodes() else {}
    m = core.number_of_nodes()
    out = pd.DataFrame({
        "code": order,
        "name": _names(H, order),
        "tier": [H.nodes[c].get("tier", "") for c in order],
        "degree": [H.degree(c) for c in order],
        "weighted_degree": [H.degree(c, weight="weight") for c in order],
        "n_arrangements": [len(arrs[c]) for c in order],
        "n_services": [len(servs[c]) for c in order],
        "betweenness": [raw.get(c, 0.0) * scale for c in order],
        # nx's wf-improved closeness on the core scales by (reached-1)/(m-1); rescale to G's n
        "closeness": [close.get(c, 0.0) * ((m - 1) / (n - 1) if n > 1 else 0.0)
                      for c in order],
    })
    out = out.astype({"degree": int, "weighted_degree": int, "n_arrangements": int,
                      "n_services": int})
    out = out.sort_values(["degree", "code"], ascending=[False, True], kind="stable")
    return out.set_index("code")


def degree_by_kind(G: nx.Graph) -> pd.DataFrame:
    """How many partners each council has through arrangements of each kind.

    A pair sharing arrangements of two kinds counts once under each kind, so the kind columns
    can sum to more than ``degree``.

    Parameters
    ----------
    G : networkx.Graph or MultiGraph
        From :func:`sharing_graph` (its ``G.graph["arrangements"]`` gives each arrangement's
        kind).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``code``: ``name``, ``degree`` (partners of any kind), then one column per
        kind of :data:`partnerfit.links.KINDS` (and ``not_stated`` when the table has rows
        without a kind) with the number of partners through arrangements of that kind; sorted
        by degree (descending) then code.
    """
    table = G.graph.get("arrangements")
    kind_of = {} if table is None else table["kind"].to_dict()
    order = sorted(G.nodes)
    by: dict[str, dict[str, set]] = {}
    for u, v in G.edges():
        arrs, _ = _edge_records(G, u, v)
        for k in {kind_of.get(a, NOT_STATED) for a in arrs}:
            per = by.setdefault(k, {})
            per.setdefault(u, set()).add(v)
            per.setdefault(v, set()).add(u)
    kinds = [*KINDS, *([NOT_STATED] if NOT_STATED in by else [])]
    H = simple_graph(G)
    out = pd.DataFrame({"code": order, "name": _names(H, order),
                        "degree": [H.degree(c) for c in order]})
    for k in kinds:
        out[k] = [len(by.get(k, {}).get(c, ())) for c in order]
    out = out.sort_values(["degree", "code"], ascending=[False, True], kind="stable")
    return out.set_index("code")


def _numbered(groups: list[set[str]], G: nx.Graph, column: str) -> pd.DataFrame:
    """Number groups 1.. by size (largest first), then smallest code; one row per council."""
    ordered = sorted((sorted(g) for g in groups), key=lambda g: (-len(g), g[0]))
    rows = [(c, G.nodes[c].get("name", ""), k, len(g))
            for k, g in enumerate(ordered, start=1) for c in g]
    out = pd.DataFrame(rows, columns=["code", "name", column, "size"])
    return out.sort_values([column, "code"]).set_index("code")


def components(G: nx.Graph, *, min_size: int = 1) -> pd.DataFrame:
    """Connected components: groups of councils linked by chains of sharing.

    Parameters
    ----------
    min_size : int, default 1
        Leave out components smaller than this (2 leaves out councils that share nothing).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``code``: ``name``, ``component`` (1 = largest; equal sizes ordered by their
        smallest code) and ``size``; ordered by component then code.
    """
    comps = [set(c) for c in nx.connected_components(G) if len(c) >= min_size]
    return _numbered(comps, G, "component")


def clusters(G: nx.Graph, seed: int = 0, *, method: str = "louvain",
             resolution: float = 1.0, min_size: int = 1) -> pd.DataFrame:
    """Communities of councils that share more with each other than with the rest.

    Parameters
    ----------
    seed : int, default 0
        Seed of the Louvain method (same seed, same graph -> same clusters).
    method : {"louvain", "greedy"}
        Louvain (:func:`networkx.community.louvain_communities`) or greedy modularity
        (:func:`networkx.community.greedy_modularity_communities`, which ignores ``seed``).
        Edges are weighted by the number of distinct services a pair shares.
    resolution : float, default 1.0
        Above 1 favours smaller clusters, below 1 larger ones.
    min_size : int, default 1
        Leave out clusters smaller than this (2 leaves out councils that share nothing).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``code``: ``name``, ``cluster`` (1 = largest; ties by smallest code),
        ``size``.
    """
    check_int(seed, "seed", low=0, example="0")
    check_number(resolution, "resolution", above=0, meaning="above 1 finds smaller clusters",
                 example="1.0")
    check_int(min_size, "min_size", low=1, example="2")
    H = simple_graph(G)
    if method == "louvain":
        groups = nx.community.louvain_communities(H, weight="weight", resolution=resolution,
                                                  seed=seed)
    elif method == "greedy":
        groups = nx.community.greedy_modularity_communities(H, weight="weight",
                                                            resolution=resolution)
    else:
        raise ValueError(f"method={method!r} must be 'louvain' or 'greedy'.")
    return _numbered([set(g) for g in groups if len(g) >= min_size], H, "cluster")


def summary(G: nx.Graph) -> pd.Series:
    """Headline numbers of a sharing network.

    Returns
    -------
    pandas.Series
        ``as_of`` (a date), ``councils`` (nodes), ``sharing_councils`` (with at least one partner),
        ``links`` (pairs of councils sharing), ``arrangements`` (distinct arrangements on the
        links), ``services`` (distinct services), ``largest_group`` (councils in the largest
        connected component), then ``arrangements_<family>`` for each service family.
    """
    arrs: set[str] = set()
    servs: set[str] = set()
    for u, v in G.edges():
        a, s = _edge_records(G, u, v)
        arrs.update(a)
        servs.update(s)
    table = G.graph.get("arrangements")
    if table is not None and arrs <= set(table.index):
        fam = table.loc[sorted(arrs), "family"]
    else:  # a graph built elsewhere: families of the arrangements' services are unknown
        fam = pd.Series(dtype=str)
    by_family = fam.value_counts()
    largest = max((len(c) for c in nx.connected_components(G)), default=0)
    as_of = G.graph.get("as_of")
    data = {
        "as_of": as_of.date() if isinstance(as_of, pd.Timestamp) else as_of,
        "councils": G.number_of_nodes(),
        "sharing_councils": sum(1 for c in G if G.degree(c) > 0),
        "links": simple_graph(G).number_of_edges(),
        "arrangements": len(arrs),
        "services": len(servs),
        "largest_group": largest,
    }
    for f in FAMILIES:
        data[f"arrangements_{f}"] = int(by_family.get(f, 0))
    return pd.Series(data, name="summary", dtype=object)

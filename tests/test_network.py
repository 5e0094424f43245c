"""Tests for partnerfit.network, each checked against an independent computation.

The sharing graph is built from small explicit arrangement tables; the expected structure is
recomputed here with plain pandas / Python sets (co-members per council, pairs per arrangement,
arrangements per service family) or with networkx's own algorithms on the finished graph.
One test uses the bundled arrangements and skips while that data does not validate.
"""

from __future__ import annotations

import itertools

import networkx as nx
import pandas as pd
import pytest

from partnerfit import network as N
from partnerfit.errors import DataValidationError, UnknownCouncilError, UnknownServiceError
from partnerfit.links import ARRANGEMENT_COLUMNS, load_links
from partnerfit.register import load_councils
from partnerfit.services import services

DATE = "2014-04-01"

CHORLEY, SOUTH_RIBBLE, LANCASTER, PRESTON = "E07000118", "E07000126", "E07000121", "E07000123"
WYRE, FYLDE, LANCASHIRE, BLACKPOOL = "E07000128", "E07000119", "E10000017", "E06000009"
BABERGH, MID_SUFFOLK, IPSWICH, SUFFOLK = "E07000200", "E07000203", "E07000202", "E10000029"
SUFFOLK_COASTAL, WAVENEY, EAST_SUFFOLK = "E07000205", "E07000206", "E07000244"
ST_ALBANS_OLD, ST_ALBANS, DACORUM, WATFORD = "E07000100", "E07000240", "E07000096", "E07000103"


def _rows(arr: str, service: str, model: str, members: list[str], start: str,
          end: str = "", lead: str | None = None) -> list[dict]:
    partnership = arr.rsplit("-", 1)[0]
    return [{"arrangement": arr, "partnership": partnership, "name": partnership.title(),
             "service": service, "model": model, "council": c, "council_name": "",
             "role": "lead" if c == lead else "partner", "start": start, "end": end,
             "notes": "", "source_title": "Test source", "source_publisher": "Test",
             "source_date": "", "source_url": "https://example.org"} for c in members]


def _table() -> pd.DataFrame:
    rows = []
    rows += _rows("csr-finance", "finance", "federal", [CHORLEY, SOUTH_RIBBLE], "2009")
    rows += _rows("csr-audit", "audit", "federal", [CHORLEY, SOUTH_RIBBLE], "2009")
    rows += _rows("lp-revenues_benefits", "revenues_benefits", "sovereign",
                  [LANCASTER, PRESTON], "2011-07-01", lead=PRESTON)
    rows += _rows("fylde-coast-licensing", "licensing", "joint_committee",
                  [WYRE, FYLDE, BLACKPOOL], "2010")
    rows += _rows("lancs-procurement", "procurement", "company",
                  [LANCASHIRE, PRESTON, WYRE, CHORLEY, BLACKPOOL], "2012-01")
    rows += _rows("lancs-ended-ict", "ict", "sovereign", [LANCASHIRE, LANCASTER], "2009",
                  end="2013-03-31", lead=LANCASHIRE)
    rows += _rows("lancs-future-highways", "highways", "federal", [LANCASHIRE, BLACKPOOL],
                  "2016")
    rows += _rows("bms-management", "management", "federal", [BABERGH, MID_SUFFOLK], "2011")
    rows += _rows("bms-planning", "planning", "federal", [BABERGH, MID_SUFFOLK], "2011")
    rows += _rows("scw-management", "management", "federal", [SUFFOLK_COASTAL, WAVENEY],
                  "2009")
    rows += _rows("suffolk-children", "childrens_services", "sovereign",
                  [SUFFOLK, SUFFOLK_COASTAL, IPSWICH], "2012", lead=SUFFOLK)
    rows += _rows("herts-building_control", "building_control", "company",
                  [ST_ALBANS_OLD, DACORUM, WATFORD], "2010")
    rows += _rows("dw-building_control", "building_control", "federal", [DACORUM, WATFORD],
                  "2013")
    return pd.DataFrame(rows, columns=list(ARRANGEMENT_COLUMNS))


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return _table()


@pytest.fixture(scope="module")
def G(table):
    return N.sharing_graph(DATE, links=table)


# --------------------------------------------------------------------------- independent model

def _running(table: pd.DataFrame, date: str) -> pd.DataFrame:
    """Members running on ``date`` in force, with codes of that date -- plain pandas and strings.

    Start ``YYYY``/``YYYY-MM`` means the first day of that period, end the last; the register
    is used only to map a code to the code of the same council in force on the date.
    """
    t = table.copy()
    start = t["start"].map(lambda s: s + "-01-01" if len(s) == 4 else
                           s + "-01" if len(s) == 7 else s)
    end = t["end"].map(lambda s: "9999-12-31" if not s else s + "-12-31" if len(s) == 4
                       else s + "-31" if len(s) == 7 else s)
    t = t[(start <= date) & (end >= date)]
    reg = load_councils()
    live = reg[(reg["valid_from"].isna() | (reg["valid_from"] <= date)) &
               (reg["valid_to"].isna() | (reg["valid_to"] >= date))]
    code_of_id = dict(zip(live["id"], live.index, strict=True))
    t = t.assign(council=[code_of_id.get(reg.at[c, "id"]) for c in t["council"]])
    t = t[t["council"].notna()]
    n = t.groupby("arrangement")["council"].transform("nunique")
    return t[n >= 2]


def _co_members(run: pd.DataFrame) -> dict[str, set[str]]:
    pairs = run[["arrangement", "council"]].merge(run[["arrangement", "council"]],
                                                  on="arrangement")
    pairs = pairs[pairs["council_x"] != pairs["council_y"]]
    return pairs.groupby("council_x")["council_y"].agg(set).to_dict()


# --------------------------------------------------------------------------- structure

def test_nodes_are_councils_in_force_with_register_attributes(G):
    live = load_councils(DATE)
    assert sorted(G.nodes) == sorted(live.index)
    for code in (CHORLEY, SUFFOLK, ST_ALBANS):
        d = G.nodes[code]
        for col in ("name", "tier", "region", "county", "easting", "northing", "population"):
            assert d[col] == live.at[code, col] or (pd.isna(d[col]) and pd.isna(live.at[code, col]))
    assert G.graph["as_of"] == pd.Timestamp(DATE)


def test_arrangements_per_family_match_pandas_count(G, table):
    run = _running(table, DATE)
    fam = services()["family"]
    expected = run.drop_duplicates("arrangement")["service"].map(fam).value_counts()
    s = N.summary(G)
    for f in ("back_office", "customer", "regulatory", "place", "people"):
        assert s[f"arrangements_{f}"] == expected.get(f, 0), f
    assert s["arrangements"] == run["arrangement"].nunique()
    assert s["councils"] == len(load_councils(DATE))
    assert s["sharing_councils"] == run["council"].nunique()
    assert str(s["as_of"]) == DATE  # a date, printed as officers write it (no 00:00:00)


def test_degree_equals_distinct_co_members(G, table):
    co = _co_members(_running(table, DATE))
    for code in G.nodes:
        assert G.degree(code) == len(co.get(code, set())), code
    dt = N.degree_table(G)
    for code, row in dt.iterrows():
        assert row["degree"] == len(co.get(code, set()))
    # sorted by degree descending, then code
    keys = list(zip(-dt["degree"], dt.index, strict=True))
    assert keys == sorted(keys)


def test_edge_attributes_match_pair_tables(G, table):
    run = _running(table, DATE)
    pairs = run[["arrangement", "council", "service", "model"]].merge(
        run[["arrangement", "council"]], on="arrangement")
    pairs = pairs[pairs["council_x"] < pairs["council_y"]]
    grouped = pairs.groupby(["council_x", "council_y"])
    assert G.number_of_edges() == grouped.ngroups
    for (a, b), g in grouped:
        d = G.edges[a, b]
        assert d["arrangements"] == sorted(g["arrangement"].unique())
        assert d["services"] == sorted(g["service"].unique())
        assert d["models"] == sorted(g["model"].unique())
        assert d["weight"] == g["service"].nunique()
    assert G.edges[CHORLEY, SOUTH_RIBBLE]["weight"] == 2  # finance + audit, by hand


def test_multigraph_has_one_edge_per_arrangement_pair(table):
    M = N.sharing_graph(DATE, links=table, multigraph=True)
    run = _running(table, DATE)
    sizes = run.groupby("arrangement")["council"].nunique()
    assert M.number_of_edges() == sum(k * (k - 1) // 2 for k in sizes)
    assert set(M[DACORUM][WATFORD]) == {"herts-building_control", "dw-building_control"}
    e = M.edges[LANCASTER, PRESTON, "lp-revenues_benefits"]
    assert (e["service"], e["model"], e["partnership"]) == ("revenues_benefits", "sovereign",
                                                            "lp")
    assert "Test source" in e["source"]
    # the metrics read a MultiGraph like the Graph
    G = N.sharing_graph(DATE, links=table)
    pd.testing.assert_frame_equal(N.degree_table(M), N.degree_table(G))
    assert N.summary(M).equals(N.summary(G))


def test_as_of_filters_arrangements_and_councils(table):
    G14 = N.sharing_graph(DATE, links=table)
    # ended in 2013: absent in 2014, present in 2012
    assert not G14.has_edge(LANCASHIRE, LANCASTER)
    assert N.sharing_graph("2012-06-01", links=table).has_edge(LANCASHIRE, LANCASTER)
    # starts in 2016: absent in 2014
    assert not G14.has_edge(LANCASHIRE, BLACKPOOL) or \
        "lancs-future-highways" not in G14.edges[LANCASHIRE, BLACKPOOL]["arrangements"]
    G20 = N.sharing_graph("2020-06-01", links=table)
    assert "lancs-future-highways" in G20.edges[LANCASHIRE, BLACKPOOL]["arrangements"]
    # Suffolk Coastal and Waveney were abolished in 2019: not nodes, no edges, and East
    # Suffolk (a new council) does not inherit their arrangements
    assert SUFFOLK_COASTAL in G14 and G14.has_edge(SUFFOLK_COASTAL, WAVENEY)
    assert SUFFOLK_COASTAL not in G20 and WAVENEY not in G20
    assert G20.degree(EAST_SUFFOLK) == 0
    assert G20.has_edge(SUFFOLK, IPSWICH)
    # St Albans changed code in 2012: the 2010 arrangement follows it to the new code
    assert ST_ALBANS_OLD not in G14
    assert G14.has_edge(ST_ALBANS, DACORUM)
    assert N.sharing_graph("2011-01-01", links=table).has_edge(ST_ALBANS_OLD, DACORUM)


def test_service_and_family_filters(table):
    run = _running(table, DATE)
    fam = services()["family"]
    Gb = N.sharing_graph(DATE, links=table, family="back_office")
    back = run[run["service"].map(fam) == "back_office"]
    assert N.summary(Gb)["arrangements"] == back["arrangement"].nunique()
    assert all(fam[s] == "back_office" for _, _, d in Gb.edges(data=True)
               for s in d["services"])
    Gs = N.sharing_graph(DATE, links=table, service=["building_control", "licensing"])
    co = _co_members(run[run["service"].isin(["building_control", "licensing"])])
    assert {c: Gs.degree(c) for c in co} == {c: len(v) for c, v in co.items()}
    assert Gs.number_of_edges() == sum(len(v) for v in co.values()) // 2
    both = N.sharing_graph(DATE, links=table, service="management", family="place")
    assert both.number_of_edges() == 0


def test_input_table_not_modified(table):
    before = table.copy()
    N.sharing_graph(DATE, links=table)
    pd.testing.assert_frame_equal(table, before)


def test_deterministic(table):
    a = N.sharing_graph(DATE, links=table)
    b = N.sharing_graph(DATE, links=table.sample(frac=1, random_state=3))
    assert list(a.edges(data=True)) == list(b.edges(data=True))
    assert list(a.nodes) == list(b.nodes)


# --------------------------------------------------------------------------- metrics

def test_partners_and_partners_of_partners(G, table):
    run = _running(table, DATE)
    co = _co_members(run)
    p = N.partners(G, "Chorley")
    assert set(p.index) == co[CHORLEY]
    assert p.at[SOUTH_RIBBLE, "services"] == "audit, finance"
    assert p.at[SOUTH_RIBBLE, "n_arrangements"] == 2
    assert p.index[0] == SOUTH_RIBBLE  # most services first
    pd.testing.assert_frame_equal(p, N.partners(G, CHORLEY))
    pop = N.partners_of_partners(G, CHORLEY)
    expected = set().union(*(co[q] for q in co[CHORLEY])) - co[CHORLEY] - {CHORLEY}
    assert set(pop.index) == expected
    for code, row in pop.iterrows():
        assert row["n_via"] == len(co[CHORLEY] & co[code])
    assert N.partners(G, BABERGH).index.tolist() == [MID_SUFFOLK]
    assert N.partners(G, "Ipswich").index.tolist() == sorted(co[IPSWICH])


def test_shared_partner_counts_brute_force(G):
    nbrs = {c: set(G.adj[c]) for c in G}
    out = N.shared_partner_counts(G)
    brute = {(a, b): len(nbrs[a] & nbrs[b]) for a, b in itertools.combinations(sorted(G), 2)}
    got = {(a, b): s for a, b, s in zip(out["a"], out["b"], out["shared"], strict=True)}
    assert got == {k: v for k, v in brute.items() if v >= 1}
    assert all(r.linked == G.has_edge(r.a, r.b) for r in out.itertuples())
    codes = [CHORLEY, PRESTON, WYRE, BLACKPOOL, LANCASTER]
    sub = N.shared_partner_counts(G, codes, min_shared=0)
    assert len(sub) == 10
    for r in sub.itertuples():
        assert r.shared == brute[(r.a, r.b)]
    keys = list(zip(-out["shared"], out["a"], out["b"], strict=True))
    assert keys == sorted(keys)


def test_shortest_path(G):
    path = N.shortest_path(G, "Lancaster", "Chorley")
    assert path[0] == LANCASTER and path[-1] == CHORLEY
    assert len(path) - 1 == nx.shortest_path_length(G, LANCASTER, CHORLEY)
    assert all(G.has_edge(u, v) for u, v in itertools.pairwise(path))
    with pytest.raises(N.NoPathError, match="not connected"):
        N.shortest_path(G, CHORLEY, BABERGH)
    assert N.shortest_path(G, CHORLEY, CHORLEY) == [CHORLEY]


def test_degree_table_centralities_match_networkx(G):
    dt = N.degree_table(G)
    bc = nx.betweenness_centrality(G)
    cc = nx.closeness_centrality(G)
    for code in G:
        assert dt.at[code, "betweenness"] == pytest.approx(bc[code], abs=1e-12)
        assert dt.at[code, "closeness"] == pytest.approx(cc[code], abs=1e-12)
    assert dt.at[PRESTON, "weighted_degree"] == G.degree(PRESTON, weight="weight")
    # Chorley: csr-finance, csr-audit, lancs-procurement -> 3 arrangements, 3 services
    assert dt.at[CHORLEY, "n_arrangements"] == 3
    assert dt.at[CHORLEY, "n_services"] == 3


def test_components_match_networkx_and_are_ordered(G):
    comp = N.components(G)
    assert sorted(comp.index) == sorted(G.nodes)
    expected = {frozenset(c) for c in nx.connected_components(G)}
    got = {frozenset(g.index) for _, g in comp.groupby("component")}
    assert got == expected
    first = comp.groupby("component").agg(size=("size", "first"),
                                          low=("size", lambda s: min(s.index)))
    keys = list(zip(-first["size"], first["low"], strict=True))
    assert keys == sorted(keys) and list(first.index) == list(range(1, len(first) + 1))
    # the Lancashire group: Chorley, South Ribble, Preston, Lancaster, Lancashire, Wyre,
    # Fylde, Blackpool (8 councils, by hand) is the largest
    assert set(comp.index[comp["component"] == 1]) == {
        CHORLEY, SOUTH_RIBBLE, PRESTON, LANCASTER, LANCASHIRE, WYRE, FYLDE, BLACKPOOL}
    assert len(N.components(G, min_size=2)) == sum(len(c) for c in expected if len(c) > 1)


def test_clusters_two_cliques_and_determinism(G):
    H = nx.Graph()
    a = [f"E0700{i:04d}" for i in range(6)]
    b = [f"E0700{i:04d}" for i in range(6, 12)]
    H.add_edges_from(itertools.combinations(a, 2), weight=1)
    H.add_edges_from(itertools.combinations(b, 2), weight=1)
    H.add_edge(a[0], b[0], weight=1)
    for method in ("louvain", "greedy"):
        cl = N.clusters(H, method=method)
        assert {frozenset(g.index) for _, g in cl.groupby("cluster")} == {frozenset(a),
                                                                         frozenset(b)}
        assert set(cl.index[cl["cluster"] == 1]) == set(a)  # equal size: smallest code first
    c1, c2 = N.clusters(G, seed=0), N.clusters(G, seed=0)
    pd.testing.assert_frame_equal(c1, c2)
    comp = N.components(G)["component"]
    for _, g in c1.groupby("cluster"):  # a cluster never spans two components
        assert comp[g.index].nunique() == 1
    with pytest.raises(ValueError, match="louvain"):
        N.clusters(G, method="magic")


def test_metrics_on_a_subgraph(G):
    codes = [CHORLEY, SOUTH_RIBBLE, PRESTON, LANCASTER]
    S = G.subgraph(codes)
    assert set(N.partners(S, PRESTON).index) == {LANCASTER, CHORLEY}  # r&b; procurement
    with pytest.raises(UnknownCouncilError, match="not in this network"):
        N.partners(S, "Wyre")
    # csr-finance, csr-audit, lp-revenues_benefits, lancs-procurement (Chorley-Preston)
    assert N.summary(S)["arrangements"] == 4


# --------------------------------------------------------------------------- errors

def test_unknown_service_family_and_council(table):
    with pytest.raises(UnknownServiceError, match="revenues_benefits"):
        N.sharing_graph(DATE, links=table, service="revenue_benefits")
    with pytest.raises(UnknownServiceError, match="back_office"):
        N.sharing_graph(DATE, links=table, family="back_offce")
    G = N.sharing_graph(DATE, links=table)
    with pytest.raises(UnknownCouncilError) as exc:
        N.partners(G, "Chorly")
    assert any("Chorley" in s for s in exc.value.suggestions)
    with pytest.raises(UnknownCouncilError):
        N.shortest_path(G, "Chorley", "Nowhere-upon-Sea")


def test_bad_table_lists_every_problem(table):
    bad = table.copy()
    bad.loc[0, "service"] = "finances"
    bad.loc[3, "council"] = "E07999999"
    with pytest.raises(DataValidationError) as exc:
        N.sharing_graph(DATE, links=bad)
    assert len(exc.value.problems) >= 2


# --------------------------------------------------------------------------- bundled data

def test_bundled_2014_network_matches_pandas_count():
    G = N.sharing_graph(DATE)  # the bundled arrangements must validate: no fallback
    run = load_links(DATE)
    run = run.drop_duplicates(["arrangement", "council"])
    run = run[run.groupby("arrangement")["council"].transform("nunique") >= 2]
    fam = services()["family"]
    expected = run.drop_duplicates("arrangement")["service"].map(fam).value_counts()
    s = N.summary(G)
    for f in ("back_office", "customer", "regulatory", "place", "people"):
        assert s[f"arrangements_{f}"] == expected.get(f, 0), f
    # seed arrangements (issue 3) running in 2014
    assert "finance" in G.edges[CHORLEY, SOUTH_RIBBLE]["services"]
    assert "revenues_benefits" in G.edges["E06000012", "E06000013"]["services"]
    assert "finance" in G.edges["E10000003", "E10000021"]["services"]  # LGSS


# --------------------------------------------------------------------------- kinds

_KIND_OF = {"csr-finance": "lead_authority", "csr-audit": "lead_authority",
            "lp-revenues_benefits": "lead_authority", "fylde-coast-licensing": "joint_committee",
            "lancs-procurement": "strategic", "lancs-ended-ict": "lead_authority",
            "lancs-future-highways": "joint_board", "bms-management": "lead_authority",
            "bms-planning": "lead_authority", "scw-management": "lead_authority",
            "suffolk-children": "joint_board", "herts-building_control": "company",
            "dw-building_control": "outsourced"}


def _kinded() -> pd.DataFrame:
    t = _table()
    t["kind"] = t["arrangement"].map(_KIND_OF)
    return t


def test_edges_carry_kinds_and_the_kinds_filter_matches_pandas():
    t = _kinded()
    G = N.sharing_graph(DATE, links=t)
    run = _running(t, DATE)
    kind = run.drop_duplicates("arrangement").set_index("arrangement")["kind"]
    for u, v, d in G.edges(data=True):
        assert d["kinds"] == sorted({kind[a] for a in d["arrangements"]})
    assert G.graph["arrangements"]["kind"].to_dict() == {a: kind[a] for a in
                                                         G.graph["arrangements"].index}
    chosen = ["lead_authority", "joint_committee", "company", "outsourced"]
    H = N.sharing_graph(DATE, links=t, kinds=chosen)
    expected = _co_members(run[run["kind"].isin(chosen)])
    assert {c: set(H.adj[c]) for c in H if H.degree(c)} == expected
    # Preston-Wyre are together only in the (strategic) procurement arrangement
    assert G.has_edge(PRESTON, WYRE) and not H.has_edge(PRESTON, WYRE)
    M = N.sharing_graph(DATE, links=t, multigraph=True)
    assert all(d["kind"] == _KIND_OF[k] for _, _, k, d in M.edges(keys=True, data=True))


def test_degree_by_kind_brute_force():
    t = _kinded()
    G = N.sharing_graph(DATE, links=t)
    run = _running(t, DATE)
    got = N.degree_by_kind(G)
    for k in ("lead_authority", "joint_committee", "strategic", "company", "joint_board"):
        co = _co_members(run[run["kind"] == k])
        for c in G:
            assert got.at[c, k] == len(co.get(c, set())), (c, k)
    assert got["degree"].to_dict() == dict(G.degree())
    assert "not_stated" not in got.columns


def test_a_table_without_kinds_is_not_stated_and_noted(table):
    G = N.sharing_graph(DATE, links=table)
    assert set(G.graph["arrangements"]["kind"]) == {"not_stated"}
    assert "do not state their kind" in G.graph["notes"][0]
    assert N.degree_by_kind(G)["not_stated"].max() > 0


def test_unknown_kind_gets_a_suggestion(table):
    from partnerfit.errors import UnknownKindError
    with pytest.raises(UnknownKindError, match="did you mean 'joint_board'"):
        N.sharing_graph(DATE, links=table, kinds=["joint_bord"])

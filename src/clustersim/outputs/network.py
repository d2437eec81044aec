"""The firm-partner network as a tidy edge table, and its conversion to networkx."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import networkx as nx

    from clustersim.model import ClusterModel


def relations_frame(model: ClusterModel, ties_only: bool = False) -> pd.DataFrame:
    """One row per known firm-partner relation: ids, cluster, market, trust both ways, tie."""
    from clustersim.scenario.schema import FIRM_KINDS

    rel = model.relations
    n = rel.n
    firm_cluster = model.firms.cluster[rel.firm[:n]]
    partner_market = model.partners.market[rel.partner[:n]] % model.n_markets
    frame = pd.DataFrame({
        "firm": rel.firm[:n],
        "partner": rel.partner[:n],
        # names looked up array-wise (object arrays of str, as a list comprehension gives)
        "cluster": np.asarray(model.facilitators.names, dtype=object)[firm_cluster],
        "firm_kind": np.asarray(FIRM_KINDS, dtype=object)[model.firms.kind[rel.firm[:n]]],
        "market": np.asarray(model.market_names, dtype=object)[partner_market],
        "trust_firm_to_partner": rel.trust_fp[:n],
        "trust_partner_to_firm": rel.trust_pf[:n],
        "tie": rel.tie[:n],
        "tie_since": rel.tie_since[:n],
        "facilitated": rel.facilitated[:n],
    })
    return frame[frame["tie"]].reset_index(drop=True) if ties_only else frame


def to_networkx(edges: pd.DataFrame, ties_only: bool = True) -> nx.Graph:
    """A bipartite graph: firm nodes ``("firm", id)``, partner nodes ``("partner", id)``."""
    import networkx as nx

    graph = nx.Graph()
    if ties_only:
        edges = edges[edges["tie"]]
    for row in edges.itertuples(index=False):
        f, p = ("firm", int(row.firm)), ("partner", int(row.partner))
        graph.add_node(f, bipartite=0, cluster=row.cluster, kind=row.firm_kind)
        graph.add_node(p, bipartite=1, market=row.market)
        graph.add_edge(f, p, trust=(row.trust_firm_to_partner + row.trust_partner_to_firm) / 2,
                       tie=bool(row.tie))
    return graph

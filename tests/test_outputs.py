"""Outputs: network export, KPI definitions recomputed by hand, agent views, writers."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from clustersim import load_scenario, simulate
from clustersim.agents import Facilitator, Firm, ForeignPartner
from clustersim.mechanisms.opportunities import is_live
from clustersim.model import ClusterModel
from clustersim.outputs.kpis import compute_kpis
from clustersim.outputs.network import relations_frame, to_networkx
from clustersim.outputs.writers import read_table, write_run, write_table
from clustersim.scenario.schema import FIRM_KINDS
from clustersim.state import INCOME_SOURCES, PRIVATE_SOURCES


@pytest.fixture(scope="module")
def stepped(scenarios_dir) -> ClusterModel:
    model = ClusterModel(load_scenario(scenarios_dir / "clusme_metacluster.yaml"), seed=4)
    for _ in range(14):
        model.step()
    return model


def tie_pairs(model: ClusterModel) -> list[tuple[int, int]]:
    rel = model.relations
    return [(int(rel.firm[r]), int(rel.partner[r])) for r in range(rel.n) if rel.tie[r]]


def test_network_to_networkx_is_bipartite_with_ties_as_edges(stepped):
    frame = relations_frame(stepped)
    graph = to_networkx(frame)
    ties = tie_pairs(stepped)
    assert len(ties) > 0
    assert graph.number_of_edges() == len(ties)
    assert {frozenset(e) for e in graph.edges} == {
        frozenset({("firm", f), ("partner", p)}) for f, p in ties}
    assert nx.is_bipartite(graph)
    for node, data in graph.nodes(data=True):
        assert data["bipartite"] == (0 if node[0] == "firm" else 1)
    for u, v in graph.edges:
        assert {u[0], v[0]} == {"firm", "partner"}
    some_firm = ties[0][0]
    assert graph.nodes[("firm", some_firm)]["cluster"] == stepped.facilitators.names[
        stepped.firms.cluster[some_firm]]


def test_network_with_all_relations(stepped):
    frame = relations_frame(stepped)
    assert len(frame) == stepped.relations.n
    graph = to_networkx(frame, ties_only=False)
    assert graph.number_of_edges() == stepped.relations.n
    ties_only = relations_frame(stepped, ties_only=True)
    assert ties_only["tie"].all() and len(ties_only) == stepped.relations.n_ties
    row = frame.iloc[0]
    assert row["market"] == stepped.market_names[stepped.partners.market[row["partner"]]]
    assert row["firm_kind"] == FIRM_KINDS[stepped.firms.kind[row["firm"]]]


def test_kpis_recomputed_by_hand(stepped):
    m, k = stepped, stepped.current_kpis
    assert m.collected_this_month
    f = m.firms
    markets: dict[int, set[int]] = {i: set() for i in range(f.n)}
    for firm, partner in tie_pairs(m):
        markets[firm].add(int(m.partners.market[partner]))
    exporters = [i for i in range(f.n) if markets[i]]
    assert k["export_share"] == pytest.approx(len(exporters) / f.n)
    assert k["export_ties"] == len(tie_pairs(m))
    assert k["markets_per_exporter"] == pytest.approx(
        sum(len(markets[i]) for i in exporters) / len(exporters))
    for kind_index, kind in enumerate(FIRM_KINDS):
        of_kind = [i for i in range(f.n) if f.kind[i] == kind_index]
        expected = (sum(1 for i in of_kind if markets[i]) / len(of_kind)) if of_kind else math.nan
        assert k[f"export_share_{kind}"] == pytest.approx(expected, nan_ok=True)
    members = [i for i in range(f.n) if f.member[i]]
    personal = [i for i in members if m.month - f.last_personal_contact[i] < 12]
    active = [i for i in members if f.collaboration_days[i].sum() >= 2]
    committed = [i for i in members if f.committed[i]]
    assert k["members"] == len(members)
    assert k["esca_personal_contact_share"] == pytest.approx(len(personal) / len(members))
    assert k["esca_active_collaboration_share"] == pytest.approx(len(active) / len(members))
    assert k["esca_committed_share"] == pytest.approx(len(committed) / len(members))
    assert k["satisfaction"] == pytest.approx(np.mean([f.satisfaction[i] for i in members]))
    ring = m.facilitators.income_ring
    private = sum(ring[:, :, INCOME_SOURCES.index(s)].sum() for s in PRIVATE_SOURCES)
    assert k["esca_private_budget_share"] == pytest.approx(private / ring.sum())
    assert k["trust_intra"] == pytest.approx(m.peers.trust.mean())
    n = m.relations.n
    both = np.concatenate([m.relations.trust_fp[:n], m.relations.trust_pf[:n]])
    assert k["trust_known_relations"] == pytest.approx(both.mean())
    best = np.zeros(f.n)
    for firm, fp, pf in zip(m.relations.firm[:n], m.relations.trust_fp[:n],
                            m.relations.trust_pf[:n], strict=True):
        best[firm] = max(best[firm], (fp + pf) / 2)
    assert k["trust_cross_border"] == pytest.approx(best.mean())
    assert k["public_spent"] == pytest.approx(m.facilitators.public_spent.sum())
    new_exporters = sum(1 for i in exporters if not f.exported_at_start[i])
    assert k["public_cost_per_new_exporter"] == pytest.approx(
        k["public_spent"] / new_exporters if new_exporters else math.nan, nan_ok=True)


def test_kpis_on_crafted_ties(tiny_scenario):
    # firm 0: two ties in one market; firm 1: one tie in each of two markets; firm 2: a relation
    # without a tie. Ties and markets per exporter must be told apart.
    model = ClusterModel(tiny_scenario({"clusters.0.initial_exporter_share": 0.0}))
    near, far = model.partners_by_market[0], model.partners_by_market[1]
    firms = np.array([0, 0, 1, 1, 2])
    partners = np.array([near[0], near[1], near[2], far[0], far[1]])
    rows = model.relations.add(firms, partners, np.full(5, 0.5), np.full(5, 0.5))
    model.relations.tie[rows[:4]] = True
    kpis, _ = compute_kpis(model)
    n = model.firms.n
    assert kpis["export_ties"] == 4
    assert kpis["export_share"] == pytest.approx(2 / n)
    assert kpis["markets_per_exporter"] == pytest.approx((1 + 2) / 2)
    assert kpis["relations"] == 5


def test_cluster_kpis_add_up(stepped):
    rows = pd.DataFrame(stepped.current_cluster_rows)
    k = stepped.current_kpis
    assert list(rows["cluster"]) == stepped.facilitators.names
    assert rows["export_ties"].sum() == k["export_ties"]
    assert rows["members"].sum() == k["members"]
    assert rows["public_spent"].sum() == pytest.approx(k["public_spent"])
    assert rows["budget_balance"].sum() == pytest.approx(k["budget_balance"])
    sizes = np.bincount(stepped.firms.cluster)
    assert np.average(rows["export_share"], weights=sizes) == pytest.approx(k["export_share"])


def test_datacollector_row_matches_current_kpis(stepped):
    table = stepped.datacollector.get_model_vars_dataframe()
    last = table.iloc[-1]
    assert last["step"] == stepped.month
    for name, value in stepped.current_kpis.items():
        assert last[name] == pytest.approx(value, nan_ok=True)


def test_firm_views_agree_with_arrays(stepped):
    m = stepped
    firms = list(m.agents_by_type[Firm])
    assert len(firms) == m.firms.n
    ties = m.relations.ties_per_firm(m.firms.n)
    stages = m.firm_stages()
    for agent in firms:
        i = agent.index
        assert agent.kind == FIRM_KINDS[m.firms.kind[i]]
        assert agent.cluster == m.facilitators.names[m.firms.cluster[i]]
        assert agent.capability == m.firms.capability[i]
        assert agent.language_skill == m.firms.language_skill[i]
        assert agent.resources == m.firms.resources[i]
        assert agent.experience == m.firms.experience[i]
        assert agent.is_member == m.firms.member[i]
        assert agent.is_committed == m.firms.committed[i]
        assert agent.satisfaction == m.firms.satisfaction[i]
        assert agent.trust_in_facilitator == m.firms.trust_in_facilitator[i]
        assert agent.n_ties == ties[i]
        assert agent.is_exporting == (ties[i] > 0)
        assert sorted(agent.export_partners()) == sorted(p for f, p in tie_pairs(m) if f == i)
        assert agent.export_markets() == sorted({m.market_names[m.partners.market[p]]
                                                 for p in agent.export_partners()})
        assert agent.stage == ("domestic", "contacting", "first_market", "multi_market",
                               "global")[stages[i]]
    rel = m.relations
    for row in range(0, rel.n, max(1, rel.n // 20)):
        agent = m.firm_agents[rel.firm[row]]
        assert agent.trust_in_partner(int(rel.partner[row])) == rel.trust_fp[row]
    known = set(zip(rel.firm[:rel.n].tolist(), rel.partner[:rel.n].tolist(), strict=True))
    stranger = next(p for p in range(m.partners.n) if (0, p) not in known)
    assert m.firm_agents[0].trust_in_partner(stranger) == 0.0


def test_facilitator_and_partner_views_agree_with_arrays(stepped):
    m = stepped
    facilitators = list(m.agents_by_type[Facilitator])
    assert len(facilitators) == m.facilitators.n
    stages = m.cluster_stages()
    for agent in facilitators:
        i = agent.index
        assert agent.name == m.facilitators.names[i]
        assert agent.balance == m.facilitators.balance[i]
        assert agent.role == m.clusters[i].facilitator.role.value
        assert agent.life_cycle_stage == ("embryonic", "growth", "mature")[stages[i]]
        expected = np.flatnonzero((m.firms.cluster == i) & m.firms.member)
        np.testing.assert_array_equal(np.sort(agent.members), expected)
        assert agent.coordination_days() >= 0 and 0 < agent.responsiveness() <= 1
    partners = list(m.agents_by_type[ForeignPartner])
    assert len(partners) == m.partners.n
    live = is_live(m.partners.open_need, m.partners.need_expires, m.month)
    for agent in partners:
        i = agent.index
        assert agent.market == m.market_names[m.partners.market[i]]
        assert agent.has_live_need == live[i]
        assert agent.need_level == m.partners.need_level[i]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_write_table_round_trip(tmp_path, fmt):
    frame = pd.DataFrame({"step": [0, 1, 2], "x": [0.5, 0.25, 1.0], "name": ["a", "b", "c"]})
    path = write_table(frame, tmp_path / "t", fmt)  # type: ignore[arg-type]
    assert path.suffix == f".{fmt}"
    pd.testing.assert_frame_equal(read_table(path), frame)


def test_write_run_files(tmp_path, scenarios_dir):
    result = simulate(load_scenario(scenarios_dir / "clusme_metacluster.yaml"), steps=3,
                      collect_agent_tables=True)
    paths = write_run(result, tmp_path / "out", fmt="csv", chart=False)
    assert set(paths) == {"kpis", "cluster_kpis", "network", "agents", "manifest"}
    pd.testing.assert_frame_equal(read_table(paths["kpis"]), result.kpis, check_dtype=False)
    agents = read_table(paths["agents"])
    assert len(agents) == 4 * result.scenario.n_firms
    with pytest.raises(ValueError, match="unknown table format"):
        write_table(result.kpis, tmp_path / "x", "xlsx")  # type: ignore[arg-type]


def test_firm_table_from_arrays_equals_mesa_agent_reporters(scenarios_dir):
    """The per-firm table built from the arrays in one pass is the table Mesa's agent
    reporters (one call per firm and attribute) give for the same months."""
    import mesa

    from clustersim.agents import Firm
    from clustersim.model import FIRM_REPORTERS, ClusterModel
    from clustersim.simulation import firm_table

    scenario = load_scenario(scenarios_dir / "clusme_metacluster.yaml")
    model = ClusterModel(scenario, collect_agent_tables=True)
    reference = mesa.DataCollector(agenttype_reporters={Firm: FIRM_REPORTERS})
    reference.collect(model)
    for _ in range(5):
        model.step()
        reference.collect(model)
    expected = reference.get_agenttype_vars_dataframe(Firm).reset_index()
    got = firm_table(model)
    assert len(got) == 6 * model.firms.n and got["n_ties"].sum() > 0
    pd.testing.assert_frame_equal(got, expected, check_exact=True)

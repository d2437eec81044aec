"""Batched runs (clustersim.simulation.simulate_batch): replicas are independent worlds, results
are reproducible, and their KPI distributions equal those of single runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from clustersim.model import ClusterModel
from clustersim.scenario import load_scenario
from clustersim.scenario.loader import scenario_with_overrides
from clustersim.simulation import batch_seed, simulate, simulate_batch

BASELINE = load_scenario("scenarios/baseline.yaml")


def test_batch_is_reproducible_and_its_members_differ():
    a = simulate_batch(BASELINE, [1, 2, 3], steps=24)
    b = simulate_batch(BASELINE, [1, 2, 3], steps=24)
    for x, y in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(x.kpis, y.kpis)
        pd.testing.assert_frame_equal(x.network, y.network)
    finals = {tuple(r.kpis.iloc[-1].round(9)) for r in a}
    assert len(finals) == 3
    assert [r.extra["batch"] for r in a] == [{"size": 3, "member": i} for i in range(3)]
    assert list(a[0].kpis["step"]) == list(range(25))


def test_batch_seed_depends_on_every_member_and_their_order():
    first = batch_seed([1, 2]).generate_state(2).tolist()
    assert batch_seed([1, 2]).generate_state(2).tolist() == first
    assert batch_seed([2, 1]).generate_state(2).tolist() != first
    assert batch_seed([1, 3]).generate_state(2).tolist() != first
    with pytest.raises(ValueError, match="at least one seed"):
        batch_seed([])


def test_a_batch_of_one_is_the_single_run():
    single = simulate(BASELINE, seed=5, steps=12)
    (batched,) = simulate_batch(BASELINE, [5], steps=12)
    pd.testing.assert_frame_equal(single.kpis, batched.kpis)


def test_replicas_share_no_partner_market_or_money():
    """Every relation joins a firm and a partner of the same replica, every world market belongs
    to one replica, and each replica gets the whole public pool (its own funding)."""
    model = ClusterModel(BASELINE, seed=batch_seed([7, 8, 9, 10]), replicas=4)
    for _ in range(36):
        model.step()
    rel = model.relations
    firm_replica = model.replica_of_cluster[model.firms.cluster[rel.view("firm")]]
    partner_replica = model.partners.market[rel.view("partner")] // model.n_markets
    assert rel.n > 0
    np.testing.assert_array_equal(firm_replica, partner_replica)
    assert model.partners.market.max() == 4 * model.n_markets - 1
    counts = np.bincount(model.partners.market // model.n_markets)
    assert (counts == counts[0]).all()  # the same pool size in every replica
    public = model.facilitators.income_total["public"]
    single = ClusterModel(BASELINE, seed=7)
    for _ in range(36):
        single.step()
    np.testing.assert_allclose(public, single.facilitators.income_total["public"][0])


def test_networked_clusters_stay_within_their_replica():
    scenario = load_scenario("scenarios/clusme_metacluster.yaml")
    model = ClusterModel(scenario, seed=batch_seed([1, 2]), replicas=2, collect_every=10**6)
    replica = model.replica_of_cluster
    assert model.networked_pairs
    assert all(replica[i] == replica[j] for i, j in model.networked_pairs)
    peers = model.peers
    np.testing.assert_array_equal(replica[model.firms.cluster[peers.src]],
                                  replica[model.firms.cluster[peers.dst]])
    (one,) = [ClusterModel(scenario, seed=1)]
    assert len(model.networked_pairs) == 2 * len(one.networked_pairs)


def test_batch_keeps_cluster_rows_per_replica():
    scenario = load_scenario("scenarios/clusme_metacluster.yaml")
    results = simulate_batch(scenario, [1, 2], steps=3)
    n_clusters = len(scenario.clusters)
    for result in results:
        assert len(result.cluster_kpis) == 4 * n_clusters  # months 0..3
        assert sorted(set(result.cluster_kpis["cluster"])) == sorted(
            c.name for c in scenario.clusters)


def test_batch_refuses_agent_tables():
    with pytest.raises(ValueError, match="agent tables"):
        ClusterModel(BASELINE, seed=1, replicas=2, collect_agent_tables=True)


# -- statistical equivalence -----------------------------------------------------------------
EQUIVALENCE_KPIS = ("export_share", "export_ties", "new_ties_total", "members",
                    "trust_cross_border", "trust_intra", "esca_committed_share",
                    "income_services", "relations", "markets_per_exporter")
N_RUNS = 64
STEPS = 60
ALPHA = 0.01


def _finals(results) -> pd.DataFrame:
    return pd.DataFrame([r.final for r in results])[list(EQUIVALENCE_KPIS)]


def _batched_finals(scenario, seeds) -> pd.DataFrame:
    results = []
    for i in range(0, len(seeds), 16):
        results += simulate_batch(scenario, seeds[i:i + 16], steps=STEPS, collect_every=STEPS)
    return _finals(results)


def _single_finals(scenario, seeds) -> pd.DataFrame:
    return _finals([simulate(scenario, seed=s, steps=STEPS, collect_every=STEPS)
                    for s in seeds])


def _seeds(entropy: int) -> list[int]:
    return [int(x) for x in np.random.SeedSequence(entropy).generate_state(N_RUNS)]


def _smallest_p(a: pd.DataFrame, b: pd.DataFrame) -> tuple[str, float]:
    """The KPI whose two samples differ most (Kolmogorov-Smirnov and Welch t-test), and its p."""
    worst = ("", 1.0)
    for kpi in a.columns:
        x, y = a[kpi].dropna(), b[kpi].dropna()
        p = min(stats.ks_2samp(x, y).pvalue, stats.ttest_ind(x, y, equal_var=False).pvalue)
        worst = min(worst, (kpi, float(p)), key=lambda item: item[1])
    return worst


@pytest.fixture(scope="module")
def single_finals() -> pd.DataFrame:
    return _single_finals(BASELINE, _seeds(2))


def test_batched_kpis_are_distributed_as_single_runs(single_finals):
    """64 batched against 64 single runs of the baseline (60 months): for each of 10 KPIs a
    Kolmogorov-Smirnov and a Welch test, at a Bonferroni level of 0.01 / 20 for all 20. With 64
    runs a side the Welch test detects a shift of the mean by 0.76 standard deviations with 80%
    power at that level; the next test shows a real difference of that order is detected."""
    batched = _batched_finals(BASELINE, _seeds(1))
    kpi, p = _smallest_p(batched, single_finals)
    assert p > ALPHA / (2 * len(EQUIVALENCE_KPIS)), (kpi, p)


def test_the_equivalence_test_detects_a_real_difference(single_finals):
    """Negative control: the same comparison against a changed parameter must fail. Firms
    searching 20% less on their own know about 1.2 standard deviations fewer partners."""
    rate = BASELINE.parameters.export.own_search_prob
    changed = scenario_with_overrides(BASELINE, {"parameters.export.own_search_prob": 0.8 * rate})
    batched = _batched_finals(changed, _seeds(1))
    kpi, p = _smallest_p(batched, single_finals)
    assert p < ALPHA / (2 * len(EQUIVALENCE_KPIS)), (kpi, p)

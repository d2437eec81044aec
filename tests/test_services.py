"""Facilitator services as arrays over clusters (ODD §3 step 5, 7.5, 7.6): participants, the
affordability bound checked before participants are drawn, saving up, and the agent view."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from clustersim.model import ClusterModel
from clustersim.processes import services


def _two_clusters(tiny_scenario, overrides=None, **facilitator):
    base = {"name": "alpha", "n_firms": 30, "initial_member_share": 1.0,
            "facilitator": {"staff": 3, **facilitator}}
    return tiny_scenario(overrides, clusters=[base, {**base, "name": "beta"}])


def test_participants_are_distinct_members_of_their_own_cluster(tiny_scenario):
    model = ClusterModel(_two_clusters(tiny_scenario), seed=3)
    month = services.start_month(model)
    plan = model.service_plan
    clusters = np.array([0, 1])
    for s in range(len(services.EVENT_ORDER)):
        event = np.full(clusters.size, s)
        seg, chosen = services.choose_participants(model, month, clusters, event)
        assert np.all(np.diff(seg) >= 0)
        for e, c in enumerate(clusters):
            mine = chosen[seg == e]
            assert np.unique(mine).size == mine.size
            assert np.all(model.firms.cluster[mine] == c) and np.all(model.firms.member[mine])
            assert mine.size <= min(plan.firms[s], month.member_count[c])


def test_participants_follow_their_weights():
    """Efraimidis-Spirakis keys in a grouped sort: a member with a far larger weight is almost
    always among the drawn, a negligible one almost never (2 of 10 places)."""
    n = 10
    firms = SimpleNamespace(
        trust_in_facilitator=np.full(n, 0.5), export_motivation=np.r_[50.0, np.full(n - 2, 1.0),
                                                                      1e-6],
        voucher_balance=np.zeros(n), resources=np.ones(n), cluster=np.zeros(n, np.int64))
    w = SimpleNamespace(
        firms=firms, rng=np.random.default_rng(0), export_readiness=lambda f: np.ones(f.size),
        params=SimpleNamespace(facilitation=SimpleNamespace(readiness_selection=0.0,
                                                            price_sensitivity=0.0)),
        facilitators=SimpleNamespace(service_fee_share=np.array([0.5])))
    plan = SimpleNamespace(export_promotion=np.array([False]), firms=np.array([2]))
    month = SimpleNamespace(plan=plan, members=np.arange(n), member_start=np.array([0]),
                            member_count=np.array([n]))
    picked = np.zeros(n)
    for _ in range(400):
        _, chosen = services.choose_participants(w, month, np.array([0]), np.array([0]))
        assert chosen.size == 2
        picked[chosen] += 1
    assert picked[0] > 380 and picked[-1] < 5


@pytest.mark.parametrize("seed", range(5))
def test_affordability_bound_is_never_below_what_participants_pay(seed):
    """Deciding before participants are drawn must never stop an event the exact check (after
    the draw) would allow: whoever takes part pays at most the bound, at least the fee share."""
    rng = np.random.default_rng(seed)
    for _ in range(200):
        members = int(rng.integers(1, 30))
        vouchers = np.where(rng.random(members) < 0.4, rng.exponential(800, members), 0.0)
        w = SimpleNamespace(firms=SimpleNamespace(voucher_balance=vouchers))
        k = int(rng.integers(1, members + 1))
        participants = rng.choice(members, k, replace=False)
        cost = np.array([rng.uniform(0, 15_000)])
        fee = np.array([rng.choice([0.0, rng.uniform(0, 1), 1.0])])
        from_voucher, private = services.quote_service_fees(
            w, participants, np.zeros(k, np.int64), np.array([k]), cost, fee)
        paid = from_voucher.sum() + private.sum()
        most = services.most_participants_pay(cost, fee, np.array([vouchers.sum()]))[0]
        assert paid <= most * (1 + 1e-12) + 1e-9
        assert paid >= fee[0] * cost[0] * (1 - 1e-12) - 1e-9


def test_a_facilitator_that_cannot_pay_for_its_next_event_saves_up(tiny_scenario):
    """Below (1 - fee share) x the cheapest event above its reserve and without vouchers, a
    facilitator holds no event; with money it does (no member declines)."""
    scenario = _two_clusters(tiny_scenario, {"parameters.facilitation.price_sensitivity": 0.0},
                             service_fee_share=0.2,
                             services=["partner_search", "matchmaking"])
    model = ClusterModel(scenario, seed=5)
    cheapest = model.service_plan.cost[model.service_plan.service_cdf[0] > 0].min()
    month = services.start_month(model)
    model.firms.voucher_balance[:] = 0.0
    model.firms.last_participation[:] = -1
    model.facilitators.balance[:] = month.reserve + np.array([0.5 * 0.8 * cheapest, 1e6])
    services.organise_services(model)
    assert model.events_held_this_month > 0
    assert model.facilitators.balance[0] == pytest.approx(month.reserve[0] + 0.4 * cheapest)
    held = model.firms.last_participation == model.month
    assert held[model.firms.cluster == 1].any() and not held[model.firms.cluster == 0].any()


def test_the_agent_organises_the_services_of_its_cluster_only(tiny_scenario):
    model = ClusterModel(_two_clusters(tiny_scenario), seed=11)
    balance = model.facilitators.balance.copy()
    trust_before = model.firms.trust_in_facilitator.copy()
    model.facilitator_agents[1].organise_services()
    other = model.firms.cluster == 0
    assert model.facilitators.balance[0] == balance[0]
    assert model.facilitators.balance[1] < balance[1]
    np.testing.assert_array_equal(model.firms.trust_in_facilitator[other], trust_before[other])
    assert (model.firms.trust_in_facilitator[~other] > trust_before[~other]).any()

"""Firms' own search (ODD 7.7): exporters that do not deepen a known market look for a market
they do not serve yet, and larger firms keep up more ties (relationship capacity)."""

from __future__ import annotations

import numpy as np
import pytest

from clustersim.model import ClusterModel
from clustersim.processes.search import _unserved_markets, exploration_share
from clustersim.scenario import load_scenario
from clustersim.shipped import resolve


def _baseline_world(months: int = 60) -> ClusterModel:
    model = ClusterModel(load_scenario(resolve("baseline")), seed=np.random.SeedSequence(7))
    for _ in range(months):
        model.step()
    return model  # the model is the world (ClusterModel subclasses World)


def test_exploring_exporters_draw_only_markets_they_do_not_serve():
    w = _baseline_world()
    offsets, tie_partners = w.relations.tie_partners_csr(w.firms.n)
    exporters = np.flatnonzero(np.diff(offsets) > 0)
    assert exporters.size >= 5
    weights = w.near_market_weights()
    for _ in range(20):
        drawn = _unserved_markets(w, exporters, offsets, tie_partners, weights,
                                  np.full(exporters.size, -1))
        for firm, market in zip(exporters, drawn, strict=True):
            served = set(w.partners.market[tie_partners[offsets[firm]:offsets[firm + 1]]])
            assert market not in served or served == set(range(weights.size))
            assert market >= 0 or served == set(range(weights.size))


def test_exploration_follows_the_near_market_weights():
    """A firm serving only market 0 draws the others in proportion to their weights."""
    w = _baseline_world(months=1)
    weights = w.near_market_weights()
    partner0 = int(np.flatnonzero(w.partners.market == 0)[0])
    firms = np.zeros(20_000, np.int64)
    offsets_many = np.zeros(w.firms.n + 1, np.int64)
    offsets_many[1:] = 1  # firm 0 has one tie, to partner0
    drawn = _unserved_markets(w, firms, offsets_many, np.array([partner0]), weights,
                              np.full(firms.size, -1))
    assert (drawn != 0).all()
    expected = weights.copy()
    expected[0] = 0.0
    expected /= expected.sum()
    observed = np.bincount(drawn, minlength=weights.size) / drawn.size
    assert np.abs(observed - expected).max() < 0.015  # ~4 standard errors at 20,000 draws


def test_relationship_capacity_is_scale_to_the_elasticity():
    w = _baseline_world(months=1)
    firms = np.arange(w.firms.n)
    elasticity = w.params.coordination.scale_elasticity
    assert elasticity > 0
    np.testing.assert_allclose(w.relationship_capacity(firms), w.firms.scale ** elasticity)


def test_exploration_share_limits_and_monotone_in_capacity():
    capacity = np.array([0.1, 0.5, 1.0, 3.0, 30.0])
    share = exploration_share(capacity, 0.85)
    assert share[2] == pytest.approx(0.15)  # an SME-sized firm explores 1 - q
    assert np.all(np.diff(share) > 0) and np.all((share > 0) & (share < 1))
    np.testing.assert_allclose(exploration_share(capacity, 0.0), 1.0)
    np.testing.assert_allclose(exploration_share(capacity, 1.0), 0.0)


def test_zero_weight_and_served_markets_are_never_drawn():
    """Markets 0 and 2 are served, market 3 has weight 0: every draw is market 1."""
    w = _baseline_world(months=1)
    weights = np.array([0.4, 0.3, 0.3, 0.0])
    partner_of = {m: int(np.flatnonzero(w.partners.market == m)[0]) for m in (0, 2)}
    offsets = np.zeros(w.firms.n + 1, np.int64)
    offsets[1:] = 2  # firm 0 holds two ties
    tie_partners = np.array([partner_of[0], partner_of[2]])
    firms = np.zeros(5_000, np.int64)
    drawn = _unserved_markets(w, firms, offsets, tie_partners, weights, np.full(firms.size, -1))
    assert set(drawn.tolist()) == {1}

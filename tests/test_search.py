"""Firms' own search (ODD 7.7): exporters that do not deepen a known market look for a market
they do not serve yet, and larger firms keep up more ties (relationship capacity)."""

from __future__ import annotations

import numpy as np

from clustersim.model import ClusterModel
from clustersim.processes.search import _unserved_markets
from clustersim.scenario import load_scenario
from clustersim.shipped import resolve


def _baseline_world(months: int = 60):
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


def test_larger_firms_have_more_relationship_capacity():
    w = _baseline_world(months=1)
    big, small = int(np.argmax(w.firms.scale)), int(np.argmin(w.firms.scale))
    capacity = w.relationship_capacity(np.array([big, small]))
    assert capacity[0] > 1.0 > capacity[1]

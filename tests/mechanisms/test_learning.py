"""Incremental internationalisation: experience lowers entry cost, distance raises it."""

from __future__ import annotations

import numpy as np

from clustersim.mechanisms.learning import (
    STAGES,
    experience_gain,
    internationalisation_stage,
    market_entry_cost,
)


def test_entry_cost_falls_with_experience():
    experience = np.linspace(0, 10, 11)
    cost = market_entry_cost(0.5, np.full(11, 0.3), experience, 0.35)
    assert np.all(np.diff(cost) < 0)
    assert np.all(cost > 0)
    flat = market_entry_cost(0.5, np.full(11, 0.3), experience, 0.0)
    assert np.allclose(flat, flat[0])


def test_entry_cost_rises_with_distance():
    distance = np.linspace(0, 1, 11)
    cost = market_entry_cost(0.5, distance, np.full(11, 2.0), 0.35)
    assert np.all(np.diff(cost) > 0)


def test_entry_cost_scales_with_base():
    d, e = np.array([0.4]), np.array([1.0])
    assert market_entry_cost(1.0, d, e, 0.3)[0] == 2 * market_entry_cost(0.5, d, e, 0.3)[0]
    assert market_entry_cost(0.0, d, e, 0.3)[0] == 0.0


def test_experience_grows_with_markets_served():
    gain = experience_gain(np.array([0, 1, 2, 5]))
    assert gain[0] == 0 and np.all(np.diff(gain) > 0)
    assert gain[1] * 12 == 1  # one market served for a year is one market-year


def test_stages_are_ordered():
    contacts = np.array([False, True, True, True, True, True])
    markets = np.array([0, 0, 1, 2, 3, 4])
    stage = internationalisation_stage(contacts, markets)
    assert [STAGES[s] for s in stage] == ["domestic", "contacting", "first_market",
                                          "multi_market", "multi_market", "global"]

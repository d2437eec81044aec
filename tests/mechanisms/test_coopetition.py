"""Co-opetition: mutual cooperation builds trust, exploitation destroys it, fear holds back."""

from __future__ import annotations

import numpy as np
import pytest

from clustersim.mechanisms.coopetition import (
    cooperation_probability,
    links_met_at_events,
    play_coopetition,
)

# three undirected links stored both ways: rows 0-2 forward, 3-5 back
SRC = np.array([0, 1, 2, 1, 2, 3])
REVERSE = np.array([3, 4, 5, 0, 1, 2])


def play(trust, fear_src, fear_dst, same_kind, propensity=1.0, seed=0):
    return play_coopetition(SRC, trust, REVERSE, fear_src, fear_dst, same_kind, 1.0, 0.1, 0.3,
                            propensity, np.random.default_rng(seed))


def test_mutual_cooperation_raises_trust_both_ways():
    trust = np.full(6, 0.4)
    out = play(trust, np.zeros(6), np.zeros(6), np.zeros(6))
    assert out.met.size == 3
    assert out.mutual.all()
    assert out.cooperation_rate == 1.0
    assert np.all(out.trust > trust)


def test_exploited_cooperator_loses_trust():
    trust = np.full(6, 0.5)
    # forward firms never fear; backward firms fear same-kind competitors fully -> defect
    fear_dst = np.ones(6)
    out = play(trust, np.zeros(6), fear_dst, np.ones(6))
    assert not out.mutual.any()
    assert np.all(out.trust[:3] < 0.5)  # the suckers
    assert np.all(out.trust[3:] == 0.5)  # the defectors' trust is unchanged
    assert out.cooperation_rate == 0.0


def test_no_meeting_no_change():
    trust = np.full(6, 0.5)
    out = play_coopetition(SRC, trust, REVERSE, np.zeros(6), np.zeros(6), np.zeros(6), 0.0,
                           0.1, 0.3, 1.0, np.random.default_rng(0))
    assert out.met.size == 0
    np.testing.assert_array_equal(out.trust, trust)
    assert np.isnan(out.cooperation_rate)


def test_same_kind_fear_lowers_cooperation():
    t = np.linspace(0, 1, 5)
    calm = cooperation_probability(t, np.full(5, 0.6), np.zeros(5), 0.3)
    wary = cooperation_probability(t, np.full(5, 0.6), np.ones(5), 0.3)
    assert np.all(wary < calm)
    fearless = cooperation_probability(t, np.zeros(5), np.ones(5), 0.3)
    np.testing.assert_allclose(fearless, calm)


def test_cooperation_grows_with_trust_from_propensity():
    t = np.linspace(0, 1, 5)
    p = cooperation_probability(t, np.zeros(5), np.zeros(5), 0.3)
    assert p[0] == pytest.approx(0.3) and p[-1] == pytest.approx(1.0)
    assert np.all(np.diff(p) > 0)


def test_fear_lowers_simulated_cooperation_rate():
    n = 2000
    src = np.arange(2 * n)
    reverse = np.concatenate([np.arange(n, 2 * n), np.arange(n)])
    trust = np.full(2 * n, 0.5)
    rates = []
    for same in (0.0, 1.0):
        out = play_coopetition(src, trust, reverse, np.full(2 * n, 0.5), np.full(2 * n, 0.5),
                               np.full(2 * n, same), 1.0, 0.1, 0.3, 0.3,
                               np.random.default_rng(1))
        rates.append(out.cooperation_rate)
    assert rates[1] < rates[0] - 0.1


def test_links_met_at_events():
    last_event = np.array([1, 1, 2, -1, -1])
    src, dst = np.array([0, 0, 3, 2]), np.array([1, 2, 4, 1])
    assert links_met_at_events(last_event, src, dst).tolist() == [True, False, False, False]

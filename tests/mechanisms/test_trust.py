"""Trust from contacts: channel, saturation, asymmetric loss, decay."""

from __future__ import annotations

import numpy as np
import pytest

from clustersim.mechanisms.trust import (
    channel_strength,
    decay_trust,
    trust_after_bad_contact,
    trust_after_good_contact,
    update_trust,
)
from clustersim.model import ClusterModel
from clustersim.processes.contacts import apply_contacts
from clustersim.scenario.schema import TrustParams

P = TrustParams()
GRID = np.linspace(0.0, 1.0, 11)


def test_personal_meeting_is_stronger_than_remote():
    strength = channel_strength(np.array([True, False]), P.in_person_strength, P.remote_strength)
    assert strength[0] > strength[1] > 0
    after = trust_after_good_contact(np.full(2, 0.3), strength, P.gain_rate)
    assert after[0] > after[1] > 0.3


def test_good_contact_raises_trust_below_one():
    after = trust_after_good_contact(GRID, np.ones_like(GRID), P.gain_rate)
    assert np.all(after[:-1] > GRID[:-1])
    assert np.all(after <= 1.0)


def test_gains_saturate():
    gain = trust_after_good_contact(GRID, np.ones_like(GRID), P.gain_rate) - GRID
    assert np.all(np.diff(gain) < 0)  # each step up the scale gains less
    assert gain[-1] == pytest.approx(0.0)
    trust = np.array([0.0])
    for _ in range(500):
        trust = trust_after_good_contact(trust, np.ones(1), 0.5)
    assert trust[0] <= 1.0


def test_bad_contact_lowers_trust_proportionally():
    after = trust_after_bad_contact(GRID, np.ones_like(GRID), P.loss_rate)
    loss = GRID - after
    assert np.all(loss[1:] > 0)
    assert np.all(np.diff(loss) > 0)  # more to lose at high trust
    assert np.all(after >= 0)


@pytest.mark.parametrize("trust", [0.5, 0.75, 0.9])
@pytest.mark.parametrize("strength", [0.3, 1.0])
def test_losses_larger_than_gains_at_equal_strength(trust, strength):
    # at the midpoint and above, a symmetric rule would lose no more than it gains
    t, s = np.array([trust]), np.array([strength])
    gain = trust_after_good_contact(t, s, P.gain_rate) - t
    loss = t - trust_after_bad_contact(t, s, P.loss_rate)
    assert loss[0] > gain[0] > 0


def test_loss_rate_exceeds_gain_rate_everywhere():
    # per unit of room to move (T down, 1 - T up) a bad contact moves trust faster
    t, s = GRID[1:-1], np.ones(GRID.size - 2)
    gain = (trust_after_good_contact(t, s, P.gain_rate) - t) / (1 - t)
    loss = (t - trust_after_bad_contact(t, s, P.loss_rate)) / t
    assert np.all(loss > gain)


def test_update_trust_picks_bad_and_clips():
    t = np.array([0.5, 0.5, 0.99, 0.01])
    s = np.array([1.0, 1.0, 5.0, 5.0])
    bad = np.array([False, True, False, True])
    out = update_trust(t, s, bad, 0.5, 0.5)
    assert out[0] > 0.5 > out[1]
    assert np.all((out >= 0) & (out <= 1))


def test_decay():
    t = np.array([0.0, 0.4, 1.0])
    after = decay_trust(t, 0.1)
    assert np.all(after[1:] < t[1:])
    assert after[0] == 0.0
    assert np.allclose(after, t * 0.9)
    np.testing.assert_array_equal(decay_trust(t, 0.0), t)


def test_model_in_person_contact_builds_more_trust(tiny_scenario):
    scenario = tiny_scenario({"clusters.0.initial_exporter_share": 0.0,
                              "parameters.trust.bad_experience_prob": 0.0})
    model = ClusterModel(scenario)
    rel = model.relations
    partners = model.partners_by_market[0][:2]
    rows = rel.add(np.array([0, 0]), partners, np.full(2, 0.3), np.full(2, 0.3))
    model.contacts.add(np.array([0]), partners[:1], in_person=True)
    model.contacts.add(np.array([0]), partners[1:], in_person=False)
    apply_contacts(model)
    assert rel.trust_fp[rows[0]] > rel.trust_fp[rows[1]] > 0.3
    assert rel.trust_pf[rows[0]] > rel.trust_pf[rows[1]] > 0.3

"""Satisfaction, fee burden, leaving, joining and commitment."""

from __future__ import annotations

import numpy as np

from clustersim.mechanisms.membership import (
    committed,
    fee_burden,
    joining,
    leaving,
    update_satisfaction,
)


def test_dissatisfied_members_leave_satisfied_stay():
    member = np.array([True, True, False, True])
    satisfaction = np.array([0.1, 0.8, 0.1, 0.24])
    out = leaving(member, satisfaction, 0.25, 1.0, np.random.default_rng(0))
    assert out.tolist() == [True, False, False, True]
    none = leaving(member, satisfaction, 0.25, 0.0, np.random.default_rng(0))
    assert not none.any()


def test_satisfied_clusters_attract_joiners():
    member = np.array([False, False, True, False])
    reputation = np.array([0.7, 0.5, 0.9, 0.6])
    out = joining(member, reputation, 0.6, 1.0, np.random.default_rng(0))
    assert out.tolist() == [True, False, False, True]
    assert not joining(member, reputation, 0.6, 0.0, np.random.default_rng(0)).any()


def test_fee_burden_heavier_for_resource_poor_firms():
    resources = np.linspace(0, 1, 6)
    burden = fee_burden(np.full(6, 80.0), resources, 0.1)
    assert np.all(np.diff(burden) < 0)
    assert np.all(fee_burden(np.zeros(6), resources, 0.1) == 0)
    higher = fee_burden(np.full(6, 160.0), resources, 0.1)
    assert np.all(higher[:-1] > burden[:-1])


def test_satisfaction_follows_benefit_and_fee():
    s = np.full(3, 0.5)
    base = update_satisfaction(s, np.zeros(3), np.zeros(3), 0.3, 0.9)
    helped = update_satisfaction(s, np.full(3, 0.5), np.zeros(3), 0.3, 0.9)
    burdened = update_satisfaction(s, np.zeros(3), np.full(3, 0.2), 0.3, 0.9)
    assert np.all(helped > s) and np.all(base < s)  # drifts to neutral without benefit
    assert np.all(burdened < base)
    np.testing.assert_allclose(update_satisfaction(s, np.full(3, 0.5), np.zeros(3), 0.3, 1.0), s)
    extreme = update_satisfaction(s, np.full(3, 5.0), np.zeros(3), 0.3, 0.0)
    assert np.all(extreme <= 1.0)


def test_committed_needs_membership_satisfaction_and_recent_participation():
    member = np.array([True, True, True, False])
    satisfaction = np.array([0.6, 0.3, 0.6, 0.9])
    since = np.array([3, 3, 12, 0])
    assert committed(member, satisfaction, since, 0.45).tolist() == [True, False, False, False]

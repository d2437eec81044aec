"""Facilitator budget: staff paid first, the balance never negative, fees only from members."""

from __future__ import annotations

import numpy as np

from clustersim.mechanisms.budget import membership_fees, pay_staff


def test_staff_paid_in_full_when_affordable():
    balance, paid = pay_staff(np.array([10000.0]), np.array([2.0]), np.array([3000.0]))
    assert balance[0] == 4000.0
    assert paid[0] == 2.0


def test_short_cash_pays_part_of_the_staff_and_leaves_zero():
    balance, paid = pay_staff(np.array([3000.0, 0.0]), np.array([2.0, 3.0]),
                              np.array([3000.0, 1000.0]))
    np.testing.assert_allclose(balance, [0.0, 0.0])
    np.testing.assert_allclose(paid, [1.0, 0.0])


def test_balance_never_negative_random():
    rng = np.random.default_rng(4)
    for _ in range(50):
        n = 20
        balance = rng.uniform(0, 20000, n)
        staff = rng.uniform(0.1, 10, n)
        cost = rng.uniform(0, 5000, n)
        new, paid = pay_staff(balance, staff, cost)
        assert np.all(new >= 0)
        assert np.all(paid <= staff + 1e-12) and np.all(paid >= 0)
        np.testing.assert_allclose(balance - new, np.minimum(balance, staff * cost))


def test_free_staff_are_all_paid():
    balance, paid = pay_staff(np.array([0.0]), np.array([2.0]), np.array([0.0]))
    assert balance[0] == 0 and paid[0] == 2.0


def test_fees_only_from_members():
    member = np.array([True, False, True, True, False])
    cluster = np.array([0, 0, 1, 1, 2])
    fees = membership_fees(member, cluster, np.array([10.0, 20.0, 30.0]), 3)
    np.testing.assert_allclose(fees, [10.0, 40.0, 0.0])

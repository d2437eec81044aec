"""Facilitator budget: income by source, staff that must be paid, a balance never negative.

Grounding: facilitator activity is "strongly limited, mainly by the low availability of public
financing" (seed 000); the budget has public funding, membership fees, service fees and EU
projects (seed 003, Hamburg Aviation mix); project funding that ends stops the project (seed 004).
Paying staff first and shrinking effective staff when cash runs short is an assumption.
"""

from __future__ import annotations

import numpy as np


def pay_staff(balance: np.ndarray, staff: np.ndarray,
              monthly_cost_per_staff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pay this month's staff out of the balance; returns (new balance, staff actually paid)."""
    wage_bill = staff * monthly_cost_per_staff
    paid = np.minimum(balance, wage_bill)
    with np.errstate(invalid="ignore", divide="ignore"):
        paid_staff = np.where(wage_bill > 0, staff * paid / wage_bill, staff)
    return balance - paid, paid_staff


def adapt_service_fees(fee_share: np.ndarray, base_share: np.ndarray, balance: np.ndarray,
                       reserve: np.ndarray, step: float, max_share: float) -> np.ndarray:
    """Service fee share after one month: raised by ``step`` while the balance is below the
    reserve (public money no longer covers the wage bill, so the organisation mobilises its own
    resources, seed 004), lowered back toward the configured share otherwise."""
    short = balance < reserve
    up = np.minimum(np.maximum(fee_share, base_share) + step, np.maximum(max_share, base_share))
    down = np.maximum(fee_share - step, base_share)
    return np.where(short, up, down)


def membership_fees(member: np.ndarray, cluster: np.ndarray, fee: np.ndarray,
                    n_clusters: int) -> np.ndarray:
    """Fees collected per cluster: only members pay."""
    return np.bincount(cluster[member], minlength=n_clusters) * fee

"""ODD §3 step 3, facilitator budgets (7.5): membership fees, EU project income, wages, and
service fees that adapt to the organisation's income.
"""

from __future__ import annotations

import numpy as np

from clustersim.mechanisms import budget
from clustersim.world import World


def run_facilitator_budgets(w: World) -> None:
    fac = w.facilitators
    fees = budget.membership_fees(w.firms.member, w.firms.cluster, w.membership_fee,
                                  fac.n)
    fac.receive("fees", fees, w.month)
    fac.receive("eu", np.where(w.month <= w.eu_project_months, w.eu_project_income, 0.0),
                w.month)
    fac.balance, fac.effective_staff = budget.pay_staff(fac.balance, fac.staff,
                                                        w.wage_per_staff)
    fp = w.params.facilitation
    fac.service_fee_share = budget.adapt_service_fees(
        fac.service_fee_share, w.base_service_fee_share, fac.balance, fp.reserve_months * fac.staff
        * w.wage_per_staff, fp.fee_adaptation, fp.max_service_fee_share)

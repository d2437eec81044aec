"""ODD §3 step 12, development (7.14, 7.1): organisations age and develop while active; once a
year faded relations are forgotten.
"""

from __future__ import annotations

import numpy as np

from clustersim.world import World


def develop_organisations(w: World) -> None:
    """Organisations age; they develop in months they are active (staff paid, services
    delivered) and regress while inactive (life cycle follows state, seed 000/003)."""
    fac, f, lc = w.facilitators, w.firms, w.params.lifecycle
    fac.age_months += 1
    served = (f.last_participation == w.month) | (f.last_personal_contact == w.month)
    delivered = np.bincount(f.cluster[served], minlength=fac.n) > 0
    active = delivered & (fac.effective_staff >= lc.active_min_staff_share * fac.staff)
    fac.maturity = np.maximum(0.0, np.where(active, fac.maturity + 1.0,
                                            fac.maturity - lc.regression_per_inactive_month))


def forget_faded_relations(w: World) -> None:
    # forgetting renumbers relation rows: contacts buffered with their rows must be applied
    # first (ContactBuffer.add), which the month's order guarantees
    if w.contacts.firms:
        raise RuntimeError("relations forgotten while contacts with relation rows are buffered")
    rel, floor = w.relations, w.params.trust.forget_below
    keep = rel.view("tie") | (rel.view("trust_fp") >= floor) | (rel.view("trust_pf") >= floor)
    rel.forget(keep)

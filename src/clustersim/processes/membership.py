"""ODD §3 step 11, membership (7.12): satisfaction, trust in the facilitator, leaving, joining,
commitment.
"""

from __future__ import annotations

import numpy as np

from clustersim.mechanisms import membership, trust
from clustersim.world import World


def update_membership(w: World) -> None:
    f, mp = w.firms, w.params.membership
    member = f.member
    burden = membership.fee_burden(w.membership_fee[f.cluster], f.resources,
                                   mp.fee_sensitivity)
    updated = membership.update_satisfaction(f.satisfaction, f.benefit, burden,
                                             mp.neutral_satisfaction, mp.satisfaction_memory)
    f.satisfaction = np.where(member, updated, f.satisfaction)
    tp = w.params.trust
    not_met = f.last_personal_contact < w.month
    f.trust_in_facilitator = np.where(
        not_met, trust.decay_trust(f.trust_in_facilitator, tp.decay_per_month / 2),
        f.trust_in_facilitator)
    if mp.value_drives_facilitator_trust:
        let_down = member & (f.satisfaction < mp.exit_threshold)
        strength = (mp.exit_threshold - f.satisfaction[let_down]) / max(mp.exit_threshold,
                                                                        1e-9)
        f.trust_in_facilitator[let_down] = trust.trust_after_bad_contact(
            f.trust_in_facilitator[let_down], strength, tp.loss_rate)
    leaving = membership.leaving(member, f.satisfaction, mp.exit_threshold, mp.exit_prob,
                                 w.rng)
    sums = np.bincount(f.cluster[member], weights=f.satisfaction[member],
                       minlength=w.facilitators.n)
    counts = np.bincount(f.cluster[member], minlength=w.facilitators.n)
    reputation = np.divide(sums, counts, out=np.zeros(w.facilitators.n), where=counts > 0)
    joining = membership.joining(member, reputation[f.cluster], mp.join_threshold,
                                 mp.join_prob, w.rng)
    f.member = (member & ~leaving) | joining
    f.satisfaction[joining] = mp.initial_satisfaction
    f.voucher_balance[~f.member] = 0.0
    f.committed = membership.committed(f.member, f.satisfaction,
                                       w.month - f.last_participation,
                                       mp.commitment_threshold)

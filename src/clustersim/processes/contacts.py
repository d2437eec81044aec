"""ODD §3 step 7, trust from contacts (7.1, 7.2): every contact of the month updates trust both
ways, ties get an upkeep contact, relations without contact decay; first meetings open relations.
"""

from __future__ import annotations

import numpy as np

from clustersim.mechanisms import coordination, language, referrals, trust
from clustersim.world import World


def apply_contacts(w: World) -> None:
    """Every contact of the month builds (or, after a bad experience, destroys) trust."""
    c = w.contacts.drain()
    rel, f, tp, lp = w.relations, w.firms, w.params.trust, w.params.language
    # follow-ups and revisits brought their rows; only the other pairs are looked up
    rows = c["rows"]
    unknown = np.flatnonzero(rows < 0)
    rows[unknown] = rel.lookup(c["firms"][unknown], c["partners"][unknown])
    new = rows < 0
    if new.any():
        rows[new] = open_relations(w, c["firms"][new], c["partners"][new],
                                         c["trust_bonus"][new])
        f.benefit[c["firms"][new]] += w.params.membership.benefit_new_contact
    # ties are kept up by remote contact as far as the firm keeps up with its partners
    # (responsiveness falls with the number of ties, seed 000); the rest decays
    touched = np.zeros(rel.n, bool)
    touched[rows] = True
    ties = rel.view("tie")
    upkeep = np.flatnonzero(ties & ~touched)
    cp = w.params.coordination
    ties_of_firm = rel.ties_per_firm(f.n)[rel.firm[upkeep]]
    keep_up = (w.params.export.tie_upkeep_prob
               * coordination.responsiveness(np.maximum(ties_of_firm - 1, 0)
                                             / w.relationship_capacity(rel.firm[upkeep]),
                                             w.coordination_cost,
                                             cp.responsiveness_halving))
    upkeep = upkeep[w.rng.random(upkeep.size) < keep_up]
    touched[upkeep] = True
    all_rows = np.concatenate([rows, upkeep])
    in_person = np.concatenate([c["in_person"], np.zeros(upkeep.size, bool)])
    translation = np.concatenate([c["translation"], np.zeros(upkeep.size)])
    firm, partner = rel.firm[all_rows], rel.partner[all_rows]
    market = w.partners.market[partner]
    barrier = language.effective_language_barrier(
        w.market_barrier[market], f.language_skill[firm], translation,
        lp.translation_effect)
    channel = trust.channel_strength(in_person, tp.in_person_strength, tp.remote_strength)
    quality = language.contact_quality(channel, barrier, w.market_distance[market],
                                       lp.distance_weight)
    bad = w.rng.random(all_rows.size) < tp.bad_experience_prob
    rel.trust_fp[all_rows] = trust.update_trust(rel.trust_fp[all_rows], quality, bad,
                                                tp.gain_rate, tp.loss_rate)
    partner_quality = quality * (0.5 + 0.5 * f.capability[firm])  # partners value capability
    rel.trust_pf[all_rows] = trust.update_trust(rel.trust_pf[all_rows], partner_quality, bad,
                                                tp.gain_rate, tp.loss_rate)
    rel.last_contact[all_rows] = w.month
    rel.facilitated[rows] |= c["facilitated"]
    idle = ~touched
    for column in (rel.view("trust_fp"), rel.view("trust_pf")):
        np.copyto(column, trust.decay_trust(column, tp.decay_per_month), where=idle)


def open_relations(w: World, firms: np.ndarray, partners: np.ndarray,
                    bonus: np.ndarray) -> np.ndarray:
    """First meetings: the partner lends the newcomer part of its trust in the newcomer's
    cluster (reputation spill-over, seed 000)."""
    rel, tp = w.relations, w.params.trust
    # only the relations of the partners met: the same sums, in the same row order
    known = rel.rows_of_partners(partners)
    reputation = referrals.reputation_of_cluster(
        rel.partner[known], w.firms.cluster[rel.firm[known]], rel.trust_pf[known],
        w.facilitators.n, partners, w.firms.cluster[firms])
    base = tp.initial_partner_trust
    trust_fp = np.clip(base + bonus, 0, 1)
    trust_pf = np.clip(np.maximum(base + bonus, tp.reputation_spillover * reputation), 0, 1)
    return rel.add(firms, partners, trust_fp, trust_pf)

"""ODD §3 step 8, co-opetition among peers (7.9): peers meet and cooperate or defect, peers at
the same event get to know each other, cooperating peers share experience.
"""

from __future__ import annotations

import numpy as np

from clustersim.mechanisms import coopetition, trust
from clustersim.world import World


def meet_peers(w: World) -> None:
    npar, tp, f, peers = w.params.network, w.params.trust, w.firms, w.peers
    if peers.n == 0:
        w.cooperation_rate_this_step = float("nan")
        return
    fear = f.competition_fear * npar.competition_fear
    outcome = coopetition.play_coopetition(
        peers.src, peers.trust, peers.reverse, fear[peers.src], fear[peers.dst],
        w.peer_same_kind, npar.interaction_prob, tp.gain_rate, tp.loss_rate,
        npar.cooperation_propensity, w.rng)
    met = np.zeros(peers.n, bool)
    met[outcome.met] = True
    met[peers.reverse[outcome.met]] = True
    joint = coopetition.links_met_at_events(f.last_event, peers.src, peers.dst)
    new_trust = np.where(joint, trust.trust_after_good_contact(
        outcome.trust, np.full(peers.n, tp.in_person_strength), tp.gain_rate), outcome.trust)
    peers.trust = np.where(met | joint, new_trust,
                           trust.decay_trust(new_trust, tp.decay_per_month))
    w.cooperation_rate_this_step = outcome.cooperation_rate
    met = peers.src[outcome.met] if w.n_replicas > 1 else None  # per replica in a batch
    w.tally("peer_meetings", firms=met)
    w.tally("mutual_cooperation", firms=None if met is None else met[outcome.mutual])
    a = peers.src[outcome.met[outcome.mutual]]
    b = peers.dst[outcome.met[outcome.mutual]]
    both = np.concatenate([a, b])
    # bilateral cooperation is not an ESCA collaboration day: ESCA counts the cluster
    # organisation's collaborative activities (seed 003), booked in record_participation
    f.benefit[both] += w.params.membership.benefit_cooperation
    # cooperating peers share market knowledge (seed 000): the less experienced learns
    gap = f.experience[a] - f.experience[b]
    np.add.at(f.experience, b, npar.knowledge_sharing * np.maximum(gap, 0))
    np.add.at(f.experience, a, npar.knowledge_sharing * np.maximum(-gap, 0))

"""ODD §3 step 6, firms act (7.7, 7.8): own search for partners, referrals from trusted peers,
follow-ups with partners they begin to trust, revisits of known partners on trips abroad.
"""

from __future__ import annotations

import numpy as np

from clustersim.mechanisms import language, referrals
from clustersim.world import World


def search_partners_alone(w: World) -> None:
    """Motivated firms with resources contact partners themselves, near markets first,
    mostly by e-mail and phone, in person when they can afford a trip; experience makes them
    bolder (Uppsala, assumption); exporters mostly look in markets they already serve; a
    language barrier loses answers (seed 000)."""
    f, ep = w.firms, w.params.export
    prob = ep.own_search_prob * f.export_motivation * f.resources * (1.0 + f.experience)
    searching = np.flatnonzero(w.rng.random(f.n) < prob)
    if searching.size == 0:
        return
    weights = w.near_market_weights()
    markets = w.rng.choice(weights.size, size=searching.size, p=weights)
    # exporters deepen the markets they know before they move on (Uppsala: commitment grows
    # market by market, Johanson & Vahlne 1977)
    offsets_t, tie_partners = w.relations.tie_partners_csr(f.n)
    n_ties = offsets_t[searching + 1] - offsets_t[searching]
    deepen = (n_ties > 0) & (w.rng.random(searching.size) < ep.known_market_focus)
    which = offsets_t[searching[deepen]] + (w.rng.random(int(deepen.sum()))
                                             * n_ties[deepen]).astype(np.int64)
    markets[deepen] = w.partners.market[tie_partners[which]]
    counts = np.array([w.partners_by_market[m].size for m in range(weights.size)])
    offsets = np.concatenate(([0], np.cumsum(counts)))[:-1]
    flat = np.concatenate(w.partners_by_market)
    pick = offsets[markets] + (w.rng.random(searching.size) * counts[markets]).astype(int)
    barrier = language.effective_language_barrier(
        w.market_barrier[markets], f.language_skill[searching], 0.0,
        w.params.language.translation_effect)
    answered = w.rng.random(searching.size) >= ep.search_language_weight * barrier
    # firms with means also travel on their own (a fair, a customer visit)
    travels = w.rng.random(searching.size) < ep.own_search_in_person * f.resources[searching]
    w.contacts.add(searching[answered & travels], flat[pick][answered & travels],
                      in_person=True)
    w.contacts.add(searching[answered & ~travels], flat[pick][answered & ~travels],
                      in_person=False)


def refer_partners_to_peers(w: World) -> None:
    npar = w.params.network
    offsets, tie_partners = w.relations.tie_partners_csr(w.firms.n)
    reverse_trust = w.peers.trust[w.peers.reverse]  # how much dst trusts src
    firms, partners = referrals.referral_contacts(
        w.peers.src, w.peers.dst, reverse_trust, offsets, tie_partners,
        npar.referral_trust_threshold, npar.referral_prob, w.rng)
    w.contacts.add(firms, partners, in_person=False,
                      trust_bonus=w.params.trust.reputation_spillover * 0.5)


def follow_up_relations(w: World) -> None:
    """Firms keep in remote touch with partners they have begun to trust (assumption)."""
    rel, ep, f = w.relations, w.params.export, w.firms
    n = rel.n
    warm = ~rel.tie[:n] & (rel.trust_fp[:n] >= ep.follow_up_min_trust)
    rows = np.flatnonzero(warm)
    prob = ep.follow_up_prob * f.export_motivation[rel.firm[rows]]
    rows = rows[w.rng.random(rows.size) < prob]
    w.contacts.add(rel.firm[rows], rel.partner[rows], in_person=False)


def revisit_known_partners(w: World) -> None:
    """On a trip abroad, participants meet again the partners they know in that market."""
    if not w.trips:
        return
    rel, n_m = w.relations, len(w.market_names)
    trip_keys = np.concatenate([firms.astype(np.int64) * n_m + market
                                for firms, market, _ in w.trips])
    trip_translation = np.concatenate([level for _, _, level in w.trips])
    w.trips = []
    visited, inverse = np.unique(trip_keys, return_inverse=True)
    translation = np.zeros(visited.size)
    np.maximum.at(translation, inverse, trip_translation)  # best-supported trip counts
    n = rel.n
    key = rel.firm[:n] * n_m + w.partners.market[rel.partner[:n]]
    pos = np.minimum(np.searchsorted(visited, key), visited.size - 1)
    rows = np.flatnonzero((visited[pos] == key) & (rel.trust_fp[:n] > 0))
    for level in np.unique(translation[pos[rows]]):
        same = rows[translation[pos[rows]] == level]
        w.contacts.add(rel.firm[same], rel.partner[same], in_person=True,
                          translation=float(level), facilitated=True)

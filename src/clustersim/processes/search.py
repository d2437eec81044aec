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
    bolder (Uppsala, assumption); exporters mostly look in markets they already serve and
    otherwise for a market they do not serve yet; a language barrier loses answers (seed 000)."""
    f, ep = w.firms, w.params.export
    prob = ep.own_search_prob * f.export_motivation * f.resources * (1.0 + f.experience)
    searching = np.flatnonzero(w.rng.random(f.n) < prob)
    if searching.size == 0:
        return
    weights = w.near_market_weights()
    offset = w.market_offset[f.cluster[searching]]  # the searching firm's replica's markets
    markets = w.rng.choice(weights.size, size=searching.size, p=weights) + offset
    # exporters deepen the markets they know before they move on (Uppsala: commitment grows
    # market by market, Johanson & Vahlne 1977)
    offsets_t, tie_partners = w.relations.tie_partners_csr(f.n)
    n_ties = offsets_t[searching + 1] - offsets_t[searching]
    explore_share = exploration_share(w.relationship_capacity(searching), ep.known_market_focus)
    deepen = (n_ties > 0) & (w.rng.random(searching.size) >= explore_share)
    which = offsets_t[searching[deepen]] + (w.rng.random(int(deepen.sum()))
                                             * n_ties[deepen]).astype(np.int64)
    markets[deepen] = w.partners.market[tie_partners[which]]
    # the others look beyond the markets they serve: the next market, near ones first
    explore = np.flatnonzero((n_ties > 0) & ~deepen)
    if explore.size:
        base = markets[explore] - offset[explore]
        markets[explore] = offset[explore] + _unserved_markets(
            w, searching[explore], offsets_t, tie_partners, weights, base)
    counts = w.market_partner_count
    pick = w.pool_start[markets] + (w.rng.random(searching.size) * counts[markets]).astype(int)
    flat = w.pool_partners  # its first pools are the markets' partners
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


def exploration_share(capacity: np.ndarray, known_market_focus: float) -> np.ndarray:
    """Share of an exporter's own searches that look for a new market, by its relationship
    capacity c (:meth:`World.relationship_capacity`): 1 - q ** (2c / (1 + c)) for
    q = ``known_market_focus``, i.e. 1 - q at c = 1 (scale equal to the SME kind's mean),
    more for firms with export staff (c > 1), less for micro firms (c < 1), 1 at q = 0 and 0
    at q = 1 (resources for new markets, seed 002; the form is an assumption)."""
    return 1.0 - known_market_focus ** (2.0 * capacity / (1.0 + capacity))


def _unserved_markets(w: World, firms: np.ndarray, offsets: np.ndarray,
                      tie_partners: np.ndarray, weights: np.ndarray,
                      fallback: np.ndarray) -> np.ndarray:
    """A market each exporter does not serve yet, drawn by ``weights`` (Uppsala: the next
    market after the known ones); ``fallback`` for a firm with no such market of positive
    weight (it serves every market, or the others are at distance 1). Markets are the
    scenario's (0 ... n_markets - 1), not the replica's world markets."""
    n_ties = offsets[firms + 1] - offsets[firms]
    rows = np.repeat(np.arange(firms.size), n_ties)
    served_partners = tie_partners[np.repeat(offsets[firms], n_ties)
                                   + np.arange(n_ties.sum())
                                   - np.repeat(np.cumsum(n_ties) - n_ties, n_ties)]
    open_weights = np.tile(weights, (firms.size, 1))
    open_weights[rows, w.partners.market[served_partners] % w.n_markets] = 0.0
    total = open_weights.sum(axis=1)
    cdf = np.cumsum(open_weights, axis=1) / np.where(total > 0, total, 1.0)[:, None]
    # first column whose cumulative share exceeds u; a rounded last share below 1 falls back on
    # the row's last open market, so a served or zero-weight market is never drawn
    draws = (cdf <= w.rng.random(firms.size)[:, None]).sum(axis=1)
    last_open = weights.size - 1 - np.argmax(open_weights[:, ::-1] > 0, axis=1)
    return np.where(total > 0, np.minimum(draws, last_open), fallback)


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
    w.contacts.add(rel.firm[rows], rel.partner[rows], in_person=False, rows=rows)


def revisit_known_partners(w: World) -> None:
    """On a trip abroad, participants meet again the partners they know in that market."""
    if not w.trips:
        return
    rel, n_m = w.relations, w.n_world_markets
    trip_keys = np.concatenate([firms.astype(np.int64) * n_m + market
                                for firms, market, _ in w.trips])
    trip_translation = np.concatenate([level for _, _, level in w.trips])
    w.trips = []
    visited, inverse = np.unique(trip_keys, return_inverse=True)
    translation = np.zeros(visited.size)
    np.maximum.at(translation, inverse, trip_translation)  # best-supported trip counts
    # only the relations of the travelling firms (ranges of the sorted index), in row order
    rows = rel.rows_of_firms(visited // n_m)
    key = rel.firm[rows] * n_m + w.partners.market[rel.partner[rows]]
    pos = np.minimum(np.searchsorted(visited, key), visited.size - 1)
    met = (visited[pos] == key) & (rel.trust_fp[rows] > 0)
    rows, level_of_row = rows[met], translation[pos[met]]
    for level in np.unique(level_of_row):
        same = rows[level_of_row == level]
        w.contacts.add(rel.firm[same], rel.partner[same], in_person=True,
                       translation=float(level), facilitated=True, rows=same)

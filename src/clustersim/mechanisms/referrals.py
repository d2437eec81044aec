"""Referrals: trusted peers forward their foreign partners; reputation spills over.

Grounding: through networks members access tangible and intangible resources for
internationalisation; networks help establish contacts and forward knowledge (seed 000). A
partner's trust in one member spills over partly to the cluster's reputation (seed 000, seed 002:
foreign cluster organisations broker contacts to their own members). Probabilities and the
spill-over share are assumptions (``network.referral_prob``, ``trust.reputation_spillover``).
"""

from __future__ import annotations

import numpy as np


def referral_contacts(peer_src: np.ndarray, peer_dst: np.ndarray, peer_trust: np.ndarray,
                      tie_offsets: np.ndarray, tie_partners: np.ndarray, trust_threshold: float,
                      referral_prob: float,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(receiving firm, partner) pairs referred this month.

    A referral runs along a peer link ``src -> dst`` when ``dst`` trusts ``src`` enough (it
    listens to the advice) and ``src`` holds at least one export tie: ``src`` passes one of its
    tie partners.
    """
    n_ties = tie_offsets[peer_src + 1] - tie_offsets[peer_src]
    eligible = (n_ties > 0) & (peer_trust >= trust_threshold)
    fires = eligible & (rng.random(peer_src.shape[0]) < referral_prob)
    src, dst, counts = peer_src[fires], peer_dst[fires], n_ties[fires]
    pick = tie_offsets[src] + (rng.random(src.shape[0]) * counts).astype(np.int64)
    return dst, tie_partners[pick]


def reputation_of_cluster(rel_partner: np.ndarray, rel_cluster: np.ndarray,
                          rel_trust_pf: np.ndarray, n_clusters: int, query_partner: np.ndarray,
                          query_cluster: np.ndarray) -> np.ndarray:
    """Mean trust each queried partner has in the members of the queried cluster (0 if none).

    With few partners x clusters every cell is summed by one ``bincount``; otherwise only the
    queried (partner, cluster) keys are aggregated: each relation is looked up among them through
    its partner (no sort of the relations). Either way sums run over the relations in row order,
    so both give the same numbers."""
    if rel_partner.size == 0 or query_partner.size == 0:
        return np.zeros(query_partner.shape)
    query = query_partner.astype(np.int64) * n_clusters + query_cluster
    keys = rel_partner.astype(np.int64) * n_clusters + rel_cluster
    size = (int(max(rel_partner.max(), query_partner.max())) + 1) * n_clusters
    if size <= 16 * (keys.size + query.size) + (1 << 20):
        # few partners x clusters: sum over every (partner, cluster) cell at once, in row order
        sums = np.bincount(keys, weights=rel_trust_pf, minlength=size)[query]
        counts = np.bincount(keys, minlength=size)[query]
        return np.divide(sums, counts, out=np.zeros(query.size), where=counts > 0)
    wanted = np.unique(query)
    pos, hit = _find_keys(wanted, keys, rel_partner, n_clusters, size // n_clusters)
    sums = np.bincount(pos[hit], weights=rel_trust_pf[hit], minlength=wanted.size)
    counts = np.bincount(pos[hit], minlength=wanted.size)
    means = np.divide(sums, counts, out=np.zeros(wanted.size), where=counts > 0)
    return means[np.searchsorted(wanted, query)]


def _find_keys(wanted: np.ndarray, keys: np.ndarray, partner: np.ndarray, n_clusters: int,
               n_partners: int) -> tuple[np.ndarray, np.ndarray]:
    """Position of each ``key`` (partner x n_clusters + cluster) among the sorted unique
    ``wanted`` keys, and whether it is there. Most partners are wanted with one cluster: their
    relations are checked against that one key by a table over the partners; only relations of
    partners wanted with several clusters need a binary search. Equals
    ``searchsorted(wanted, keys)`` where the key is found."""
    wanted_partner = wanted // n_clusters
    count = np.bincount(wanted_partner, minlength=n_partners)
    first = np.zeros(n_partners, np.int64)
    starts = np.flatnonzero(np.r_[True, wanted_partner[1:] != wanted_partner[:-1]])
    first[wanted_partner[starts]] = starts  # each partner's first wanted key
    pos = first[partner]
    hit = (count[partner] > 0) & (wanted[pos] == keys)
    several = np.flatnonzero(count[partner] > 1)
    if several.size:
        found = np.minimum(np.searchsorted(wanted, keys[several]), wanted.size - 1)
        pos[several] = found
        hit[several] = wanted[found] == keys[several]
    return pos, hit

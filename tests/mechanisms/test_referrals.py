"""Referrals run only along trusted peer links from firms with ties; cluster reputation."""

from __future__ import annotations

import numpy as np
import pytest

from clustersim.mechanisms.referrals import referral_contacts, reputation_of_cluster


def csr(ties: dict[int, list[int]], n_firms: int) -> tuple[np.ndarray, np.ndarray]:
    counts = [len(ties.get(f, [])) for f in range(n_firms)]
    offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    partners = np.array([p for f in range(n_firms) for p in ties.get(f, [])], np.int64)
    return offsets, partners


def test_referrals_only_from_tie_holders_along_trusted_links():
    ties = {0: [10, 11], 5: [12]}
    offsets, partners = csr(ties, 6)
    src = np.array([0, 1, 0, 5, 3])
    dst = np.array([2, 3, 4, 1, 0])
    trust = np.array([0.9, 0.9, 0.1, 0.6, 0.9])  # how much dst trusts src
    rng = np.random.default_rng(0)
    receivers, referred = referral_contacts(src, dst, trust, offsets, partners, 0.5, 1.0, rng)
    pairs = sorted(zip(receivers.tolist(), referred.tolist(), strict=True))
    # 0 -> 2 (trusted, has ties); 5 -> 1 (trusted, has a tie). Not 1 -> 3 (no ties),
    # not 0 -> 4 (not trusted), not 3 -> 0 (no ties).
    assert [r for r, _ in pairs] == [1, 2]
    assert dict(pairs)[2] in ties[0]
    assert dict(pairs)[1] == 12


def test_no_referrals_with_zero_probability_or_no_ties():
    offsets, partners = csr({0: [3]}, 3)
    src, dst, trust = np.array([0, 1]), np.array([1, 2]), np.array([1.0, 1.0])
    rng = np.random.default_rng(0)
    r, _ = referral_contacts(src, dst, trust, offsets, partners, 0.5, 0.0, rng)
    assert r.size == 0
    offsets, partners = csr({}, 3)
    r, _ = referral_contacts(src, dst, trust, offsets, partners, 0.5, 1.0, rng)
    assert r.size == 0


def test_referrals_pick_every_partner_of_the_referrer_eventually():
    offsets, partners = csr({0: [7, 8, 9]}, 2)
    rng = np.random.default_rng(3)
    src, dst, trust = np.zeros(300, np.int64), np.ones(300, np.int64), np.ones(300)
    _, referred = referral_contacts(src, dst, trust, offsets, partners, 0.5, 1.0, rng)
    assert set(referred.tolist()) == {7, 8, 9}


def test_reputation_of_cluster_is_mean_partner_trust():
    rel_partner = np.array([0, 0, 0, 1, 2])
    rel_cluster = np.array([0, 0, 1, 0, 1])
    trust_pf = np.array([0.2, 0.6, 0.9, 0.5, 0.1])
    rep = reputation_of_cluster(rel_partner, rel_cluster, trust_pf, 2,
                                np.array([0, 0, 1, 1, 2, 3]), np.array([0, 1, 0, 1, 1, 0]))
    np.testing.assert_allclose(rep, [0.4, 0.9, 0.5, 0.0, 0.1, 0.0])


def test_reputation_empty():
    rep = reputation_of_cluster(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), 3,
                                np.array([1, 2]), np.array([0, 0]))
    np.testing.assert_array_equal(rep, [0.0, 0.0])


@pytest.mark.parametrize("n_partners", [30, 200_000])  # dense cells, or queried keys only
def test_reputation_equals_a_grouping_of_every_relation(n_partners):
    """Both ways of aggregating give exactly the means of a full grouping."""
    rng = np.random.default_rng(11)
    for _ in range(20):
        n_rel, n_clusters = int(rng.integers(1, 400)), int(rng.integers(1, 6))
        partner = rng.integers(0, 30, n_rel)
        partner[0] = n_partners - 1
        cluster = rng.integers(0, n_clusters, n_rel)
        trust_pf = rng.random(n_rel)
        q_partner = rng.integers(0, 35, 50)
        q_cluster = rng.integers(0, n_clusters, 50)
        expected = np.zeros(50)
        for k in range(50):
            same = (partner == q_partner[k]) & (cluster == q_cluster[k])
            if same.any():
                expected[k] = np.bincount(np.zeros(same.sum(), np.int64),
                                          weights=trust_pf[same])[0] / same.sum()
        got = reputation_of_cluster(partner, cluster, trust_pf, n_clusters, q_partner, q_cluster)
        np.testing.assert_array_equal(got, expected)


def test_find_keys_equals_a_binary_search():
    """The per-partner table finds every key where ``searchsorted`` does, at the same position."""
    from clustersim.mechanisms.referrals import _find_keys

    rng = np.random.default_rng(4)
    for _ in range(200):
        n_clusters, n_partners = int(rng.integers(1, 5)), int(rng.integers(1, 12))
        wanted = np.unique(rng.integers(0, n_partners * n_clusters, int(rng.integers(1, 15))))
        partner = rng.integers(0, n_partners, int(rng.integers(0, 40)))
        keys = partner * n_clusters + rng.integers(0, n_clusters, partner.size)
        pos, hit = _find_keys(wanted, keys, partner, n_clusters, n_partners)
        want_pos = np.minimum(np.searchsorted(wanted, keys), wanted.size - 1)
        want_hit = wanted[want_pos] == keys
        np.testing.assert_array_equal(hit, want_hit)
        np.testing.assert_array_equal(pos[hit], want_pos[want_hit])

"""RelationTable against a brute-force Python reference on random data."""

from __future__ import annotations

import numpy as np
import pytest

from clustersim.state import NEVER, RelationTable

N_FIRMS, N_PARTNERS, N_MARKETS = 40, 60, 4


class Reference:
    """Relations as a plain dict keyed by (firm, partner)."""

    def __init__(self):
        self.rows: dict[tuple[int, int], dict] = {}

    def ties_per_firm(self) -> list[int]:
        counts = [0] * N_FIRMS
        for (f, _), r in self.rows.items():
            counts[f] += r["tie"]
        return counts

    def markets_per_firm(self, market) -> list[int]:
        sets: list[set[int]] = [set() for _ in range(N_FIRMS)]
        for (f, p), r in self.rows.items():
            if r["tie"]:
                sets[f].add(int(market[p]))
        return [len(s) for s in sets]


def check_against(table: RelationTable, ref: Reference, market: np.ndarray,
                  rng: np.random.Generator) -> None:
    assert table.n == len(ref.rows)
    # every stored row matches the reference
    for row in range(table.n):
        key = (int(table.firm[row]), int(table.partner[row]))
        assert key in ref.rows
        r = ref.rows[key]
        assert table.trust_fp[row] == r["fp"] and table.trust_pf[row] == r["pf"]
        assert bool(table.tie[row]) == r["tie"]
    # lookup: known pairs find their row, random pairs find -1 unless known
    firms = rng.integers(0, N_FIRMS, 300)
    partners = rng.integers(0, N_PARTNERS, 300)
    known = np.array(list(ref.rows), np.int64).reshape(-1, 2)
    firms = np.concatenate([firms, known[:, 0]])
    partners = np.concatenate([partners, known[:, 1]])
    rows = table.lookup(firms, partners)
    for f, p, row in zip(firms.tolist(), partners.tolist(), rows.tolist(), strict=True):
        if (f, p) in ref.rows:
            assert row >= 0 and (table.firm[row], table.partner[row]) == (f, p)
        else:
            assert row == -1
    assert table.ties_per_firm(N_FIRMS).tolist() == ref.ties_per_firm()
    assert table.markets_per_firm(N_FIRMS, market).tolist() == ref.markets_per_firm(market)
    assert table.n_ties == sum(r["tie"] for r in ref.rows.values())
    # firm_serves_market
    qf = rng.integers(0, N_FIRMS, 200)
    qm = rng.integers(0, N_MARKETS, 200)
    served = table.firm_serves_market(qf, qm, market)
    expected = [any(r["tie"] and fp[0] == f and market[fp[1]] == m for fp, r in ref.rows.items())
                for f, m in zip(qf.tolist(), qm.tolist(), strict=True)]
    assert served.tolist() == expected
    # tie partners grouped by firm
    offsets, partners_csr = table.tie_partners_csr(N_FIRMS)
    for f in range(N_FIRMS):
        got = sorted(partners_csr[offsets[f]:offsets[f + 1]].tolist())
        want = sorted(p for (ff, p), r in ref.rows.items() if ff == f and r["tie"])
        assert got == want


@pytest.mark.parametrize("seed", range(6))
def test_relation_table_matches_reference(seed):
    rng = np.random.default_rng(seed)
    market = rng.integers(0, N_MARKETS, N_PARTNERS)
    table = RelationTable(N_PARTNERS, capacity=2)  # tiny: forces repeated growth
    ref = Reference()
    check_against(table, ref, market, rng)
    for _ in range(12):
        # add a batch of new, unique pairs
        k = int(rng.integers(0, 60))
        f = rng.integers(0, N_FIRMS, k)
        p = rng.integers(0, N_PARTNERS, k)
        pairs = list(dict.fromkeys((int(a), int(b)) for a, b in zip(f, p, strict=True)
                                   if (int(a), int(b)) not in ref.rows))
        if pairs:
            arr = np.array(pairs, np.int64)
            fp, pf = rng.random(len(pairs)), rng.random(len(pairs))
            rows = table.add(arr[:, 0], arr[:, 1], fp, pf)
            assert rows.size == len(pairs)
            assert np.all(table.tie_since[rows] == NEVER)
            for (a, b), x, y in zip(pairs, fp.tolist(), pf.tolist(), strict=True):
                ref.rows[(a, b)] = {"fp": x, "pf": y, "tie": False}
        else:
            assert table.add(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0),
                             np.zeros(0)).size == 0
        assert table.capacity >= table.n
        # make some ties, change some trust through views
        flip = rng.random(table.n) < 0.3
        table.view("tie")[flip] = True
        table.view("trust_fp")[:] = np.round(table.view("trust_fp"), 3)
        for row in range(table.n):
            key = (int(table.firm[row]), int(table.partner[row]))
            ref.rows[key]["tie"] = bool(table.tie[row])
            ref.rows[key]["fp"] = float(table.trust_fp[row])
        check_against(table, ref, market, rng)
        # forget some rows without ties
        keep = table.view("tie") | (rng.random(table.n) < 0.6)
        dropped = {(int(table.firm[r]), int(table.partner[r]))
                   for r in np.flatnonzero(~keep)}
        table.forget(keep)
        for key in dropped:
            del ref.rows[key]
        check_against(table, ref, market, rng)


def test_empty_table():
    table = RelationTable(10)
    market = np.zeros(10, np.int64)
    assert table.lookup(np.array([1, 2]), np.array([3, 4])).tolist() == [-1, -1]
    assert table.ties_per_firm(5).tolist() == [0] * 5
    assert table.markets_per_firm(5, market).tolist() == [0] * 5
    assert table.n_ties == 0
    assert np.isnan(table.mean_trust())
    assert not table.firm_serves_market(np.array([0]), np.array([0]), market).any()
    offsets, partners = table.tie_partners_csr(5)
    assert offsets.tolist() == [0] * 6 and partners.size == 0


def test_mean_and_best_trust():
    table = RelationTable(10)
    table.add(np.array([0, 0, 2]), np.array([1, 2, 3]), np.array([0.2, 0.4, 1.0]),
              np.array([0.4, 0.6, 0.0]))
    # firm 0: relations with two-way trust 0.3 and 0.5 -> best 0.5; firm 1: none; firm 2: 0.5
    np.testing.assert_allclose(table.best_trust_per_firm(4), [0.5, 0.0, 0.5, 0.0])
    assert table.mean_trust() == pytest.approx((0.2 + 0.4 + 1.0 + 0.4 + 0.6 + 0.0) / 6)


def test_growth_keeps_data():
    table = RelationTable(1000, capacity=1)
    for i in range(50):
        table.add(np.array([i]), np.array([999 - i]), np.array([i / 100]), np.array([0.5]))
    assert table.n == 50 and table.capacity >= 50
    rows = table.lookup(np.arange(50), 999 - np.arange(50))
    np.testing.assert_allclose(table.trust_fp[rows], np.arange(50) / 100)


def test_incremental_index_equals_a_full_rebuild():
    """New relations are merged into the sorted index; the result is the index a full sort
    builds, through batches of additions and a forgetting."""
    rng = np.random.default_rng(3)
    rel = RelationTable(n_partners=50, capacity=4)
    known: set[tuple[int, int]] = set()
    for batch in range(8):
        pairs = {(int(f), int(p)) for f, p in rng.integers(0, [40, 50], size=(30, 2))} - known
        known |= pairs
        shuffled = rng.permutation(np.array(sorted(pairs), np.int64))
        firms, partners = shuffled[:, 0], shuffled[:, 1]
        rel.add(firms, partners, np.full(firms.size, 0.5), np.full(firms.size, 0.5))
        if batch == 4:
            rel.forget(rng.random(rel.n) < 0.7)
            known = set(zip(rel.view("firm").tolist(), rel.view("partner").tolist(),
                            strict=True))
        merged_keys, merged_rows = rel._sorted_keys.copy(), rel._sorted_rows.copy()
        rel._reindex()
        np.testing.assert_array_equal(merged_keys, rel._sorted_keys)
        np.testing.assert_array_equal(merged_rows, rel._sorted_rows)
        assert np.all(np.diff(merged_keys) > 0)
        lookup = rel.lookup(rel.view("firm"), rel.view("partner"))
        np.testing.assert_array_equal(lookup, np.arange(rel.n))

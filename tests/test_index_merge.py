"""Incremental index helpers of the relation table against the re-sort they replace, on random
inputs with duplicates and empty arrays."""

from __future__ import annotations

import numpy as np
import pytest

from clustersim.state import RelationTable, compact_index


def full_index(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What ``RelationTable._reindex`` builds: a stable argsort of every row's key."""
    order = np.argsort(keys, kind="stable")
    return keys[order], order.astype(np.int64)


@pytest.mark.parametrize("seed", range(8))
def test_compact_index_equals_a_resort_of_the_kept_rows(seed):
    rng = np.random.default_rng(seed)
    for _ in range(30):
        n = int(rng.integers(0, 60))
        keys = rng.integers(0, 20, n).astype(np.int64)  # many duplicate keys
        keep = rng.random(n) < rng.choice([0.0, 0.5, 1.0])
        sorted_keys, sorted_rows = full_index(keys)
        got_keys, got_rows = compact_index(sorted_keys, sorted_rows, keep)
        want_keys, want_rows = full_index(keys[keep])
        np.testing.assert_array_equal(got_keys, want_keys)
        np.testing.assert_array_equal(got_rows, want_rows)
        assert got_keys.dtype == np.int64 and got_rows.dtype == np.int64


def test_compact_index_empty():
    empty = np.zeros(0, np.int64)
    keys, rows = compact_index(empty, empty, np.zeros(0, bool))
    assert keys.size == 0 and rows.size == 0


@pytest.mark.parametrize("seed", range(6))
def test_forget_keeps_the_index_a_resort_would_build(seed):
    rng = np.random.default_rng(seed)
    n_firms, n_partners = 30, 25
    table = RelationTable(n_partners, capacity=4)
    for _ in range(10):
        pairs = np.unique(rng.integers(0, n_firms * n_partners, int(rng.integers(0, 80))))
        pairs = pairs[table.lookup(pairs // n_partners, pairs % n_partners) < 0]
        rng.shuffle(pairs)
        table.add(pairs // n_partners, pairs % n_partners, rng.random(pairs.size),
                  rng.random(pairs.size))
        table.forget(rng.random(table.n) < 0.7)
        got = table._sorted_keys.copy(), table._sorted_rows.copy()
        table._reindex()
        np.testing.assert_array_equal(got[0], table._sorted_keys)
        np.testing.assert_array_equal(got[1], table._sorted_rows)


@pytest.mark.parametrize("seed", range(6))
def test_rows_of_partners_is_a_scan_in_row_order(seed):
    rng = np.random.default_rng(seed)
    n_partners = 15
    table = RelationTable(n_partners)
    assert table.rows_of_partners(np.array([1, 2])).size == 0
    pairs = np.unique(rng.integers(0, 40 * n_partners, 200))
    rng.shuffle(pairs)
    table.add(pairs // n_partners, pairs % n_partners, np.zeros(pairs.size),
              np.zeros(pairs.size))
    for k in (0, 1, 4, 30):
        query = rng.integers(0, n_partners, k)  # with repeats
        want = [r for r in range(table.n) if table.partner[r] in set(query.tolist())]
        assert table.rows_of_partners(query).tolist() == want


def test_concatenated_ranges_equals_a_loop():
    from clustersim.state import concatenated_ranges

    rng = np.random.default_rng(5)
    for _ in range(50):
        start = rng.integers(0, 30, int(rng.integers(0, 8)))
        end = start + rng.integers(0, 4, start.size)  # empty ranges too
        want = [i for a, b in zip(start.tolist(), end.tolist(), strict=True) for i in range(a, b)]
        assert concatenated_ranges(start, end).tolist() == want


@pytest.mark.parametrize("seed", range(6))
def test_rows_of_firms_equals_a_scan(seed):
    rng = np.random.default_rng(seed)
    n_partners = 12
    table = RelationTable(n_partners)
    assert table.rows_of_firms(np.array([0, 3])).size == 0
    for _ in range(4):
        pairs = np.unique(rng.integers(0, 30 * n_partners, 60))
        pairs = pairs[table.lookup(pairs // n_partners, pairs % n_partners) < 0]
        rng.shuffle(pairs)
        table.add(pairs // n_partners, pairs % n_partners, np.zeros(pairs.size),
                  np.zeros(pairs.size))
        table.forget(rng.random(table.n) < 0.8)
        for k in (0, 1, 5, 40):
            query = rng.integers(0, 32, k)  # with repeats and firms without relations
            want = [r for r in range(table.n) if table.firm[r] in set(query.tolist())]
            assert table.rows_of_firms(query).tolist() == want

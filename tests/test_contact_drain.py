"""ContactBuffer.drain_indexed against the full sort it replaces (drain, then a lookup of every
pair), on random contacts with repeated pairs, known and unknown rows, and empty buffers."""

from __future__ import annotations

import numpy as np
import pytest

from clustersim.contacts import ContactBuffer
from clustersim.state import RelationTable

N_FIRMS, N_PARTNERS = 25, 20


def random_table(rng: np.random.Generator) -> RelationTable:
    table = RelationTable(N_PARTNERS, capacity=4)
    for _ in range(3):
        pairs = np.unique(rng.integers(0, N_FIRMS * N_PARTNERS, int(rng.integers(0, 150))))
        pairs = pairs[table.lookup(pairs // N_PARTNERS, pairs % N_PARTNERS) < 0]
        rng.shuffle(pairs)
        table.add(pairs // N_PARTNERS, pairs % N_PARTNERS, np.zeros(pairs.size),
                  np.zeros(pairs.size))
        table.forget(rng.random(table.n) < 0.8)
    return table


def fill(buffers: list[ContactBuffer], table: RelationTable, rng: np.random.Generator) -> None:
    """The same random batches into every buffer; the first gets the known rows of some
    batches (as follow-ups and revisits pass them), the others none."""
    for _ in range(int(rng.integers(0, 6))):
        k = int(rng.integers(0, 40))
        if table.n and rng.random() < 0.5:  # contacts of known relations
            rows = rng.integers(0, table.n, k)
            firms, partners = table.firm[rows], table.partner[rows]
        else:
            rows = None
            firms, partners = rng.integers(0, N_FIRMS, k), rng.integers(0, N_PARTNERS, k)
        attrs = {"in_person": rng.random(k) < 0.5,
                 "translation": rng.choice([0.0, 0.3, 1.0], k),  # ties on strength
                 "trust_bonus": rng.choice([0.0, 0.1], k),
                 "facilitated": rng.random(k) < 0.3}
        if rng.random() < 0.3:  # one value for the whole batch
            attrs = {name: values[0] if k else values for name, values in attrs.items()}
        for i, buffer in enumerate(buffers):
            buffer.add(firms, partners, rows=rows if i == 0 else None, **attrs)


@pytest.mark.parametrize("seed", range(10))
def test_drain_indexed_equals_drain_and_lookup(seed):
    rng = np.random.default_rng(seed)
    for _ in range(15):
        table = random_table(rng)
        indexed, plain = ContactBuffer(), ContactBuffer()
        fill([indexed, plain], table, rng)
        got = indexed.drain_indexed(table)
        want = plain.drain()
        want["rows"] = table.lookup(want["firms"], want["partners"])
        assert set(got) == set(want)
        for name, values in want.items():
            np.testing.assert_array_equal(got[name], values, err_msg=name)
            assert got[name].dtype == values.dtype, name
        assert not indexed.firms and not indexed.rows  # the buffer is cleared


def test_drain_indexed_empty_buffer_and_table():
    table = RelationTable(N_PARTNERS)
    got = ContactBuffer().drain_indexed(table)
    assert all(values.size == 0 for values in got.values()) and "rows" in got
    buffer = ContactBuffer()
    buffer.add(np.array([3, 3, 1]), np.array([2, 2, 0]), in_person=np.array([False, True, False]),
               facilitated=np.array([True, False, False]))
    got = buffer.drain_indexed(table)  # only first meetings
    assert got["firms"].tolist() == [1, 3] and got["partners"].tolist() == [0, 2]
    assert got["in_person"].tolist() == [False, True]
    assert got["facilitated"].tolist() == [False, True]
    assert got["rows"].tolist() == [-1, -1]

"""Contacts that bring their relation rows (follow-ups, revisits) drain to the same contacts as
without them, and the rows they carry, completed by a lookup of the rest, are the rows a lookup
of every pair finds: random contacts with repeated pairs and empty buffers."""

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


def fill(with_rows: ContactBuffer, without: ContactBuffer, table: RelationTable,
         rng: np.random.Generator) -> None:
    """The same random batches into both buffers; ``with_rows`` gets the known rows of the
    batches drawn from the table (as follow-ups and revisits pass them)."""
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
        with_rows.add(firms, partners, rows=rows, **attrs)
        without.add(firms, partners, **attrs)


@pytest.mark.parametrize("seed", range(10))
def test_known_rows_complete_the_lookup(seed):
    rng = np.random.default_rng(seed)
    n_carried = 0
    for _ in range(15):
        table = random_table(rng)
        with_rows, without = ContactBuffer(), ContactBuffer()
        fill(with_rows, without, table, rng)
        got, want = with_rows.drain(), without.drain()
        assert not with_rows.firms and not with_rows.rows  # the buffer is cleared
        assert (want["rows"] == -1).all()
        lookup = table.lookup(want["firms"], want["partners"])
        carried = got["rows"] >= 0
        n_carried += int(carried.sum())
        np.testing.assert_array_equal(got["rows"][carried], lookup[carried])
        for name in ("firms", "partners", "in_person", "translation", "trust_bonus",
                     "facilitated"):
            np.testing.assert_array_equal(got[name], want[name], err_msg=name)
    assert n_carried > 0


def test_drain_of_an_empty_buffer_has_rows():
    got = ContactBuffer().drain()
    assert got["rows"].size == 0 and got["rows"].dtype == np.int64


def test_relations_are_not_forgotten_while_contacts_with_rows_are_buffered(tiny_scenario):
    from clustersim.model import ClusterModel
    from clustersim.processes.development import forget_faded_relations

    model = ClusterModel(tiny_scenario(steps=3))
    model.step()
    forget_faded_relations(model)  # the month drained its buffer: fine
    model.contacts.add(np.array([0]), np.array([0]), in_person=True, rows=np.array([0]))
    with pytest.raises(RuntimeError, match="contacts with relation rows are buffered"):
        forget_faded_relations(model)

"""Contacts gathered during a month, applied to the relation table in one vectorised pass."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from clustersim.state import RelationTable

_ATTRIBUTES = ("in_person", "translation", "trust_bonus", "facilitated")


@dataclass
class ContactBuffer:
    """Firm-partner contacts of the current month, from every source (events, own search,
    referrals). ``translation`` is the translation support level on the trip (0-1);
    ``trust_bonus`` is trust a broker lends a first meeting; ``facilitated`` marks contacts the
    cluster organisation arranged; ``rows`` is the contact's relation row where the caller knows
    it (-1 otherwise), so draining need not look those pairs up."""

    firms: list[np.ndarray] = field(default_factory=list)
    partners: list[np.ndarray] = field(default_factory=list)
    in_person: list[np.ndarray] = field(default_factory=list)
    translation: list[np.ndarray] = field(default_factory=list)
    trust_bonus: list[np.ndarray] = field(default_factory=list)
    facilitated: list[np.ndarray] = field(default_factory=list)
    rows: list[np.ndarray] = field(default_factory=list)

    def add(self, firms: np.ndarray, partners: np.ndarray, *, in_person: bool | np.ndarray,
            translation: float | np.ndarray = 0.0, trust_bonus: float | np.ndarray = 0.0,
            facilitated: bool | np.ndarray = False, rows: np.ndarray | None = None) -> None:
        """Buffer contacts; the attributes are one value for all or one per contact. ``rows``:
        the relation rows of the pairs, if the caller has them (they must still be the pairs'
        rows when the buffer is drained: no relation is forgotten in between)."""
        k = firms.shape[0]
        if k == 0:
            return
        self.rows.append(np.full(k, -1, np.int64) if rows is None
                         else np.asarray(rows, np.int64))
        self.firms.append(np.asarray(firms, np.int64))
        self.partners.append(np.asarray(partners, np.int64))
        self.in_person.append(_column(in_person, k, bool))
        self.translation.append(_column(translation, k, float))
        self.trust_bonus.append(_column(trust_bonus, k, float))
        self.facilitated.append(_column(facilitated, k, bool))

    def drain(self) -> dict[str, np.ndarray]:
        """All contacts, one per (firm, partner) pair (the strongest kept), and clear the buffer.

        Where a pair met more than once, the in-person contact with the most translation and the
        largest broker bonus wins; repeated contacts in one month do not stack.
        """
        if not self.firms:
            empty_i = np.zeros(0, np.int64)
            empty_f = np.zeros(0)
            return {"firms": empty_i, "partners": empty_i, "in_person": np.zeros(0, bool),
                    "translation": empty_f, "trust_bonus": empty_f,
                    "facilitated": np.zeros(0, bool)}
        out = {
            "firms": np.concatenate(self.firms),
            "partners": np.concatenate(self.partners),
            "in_person": np.concatenate(self.in_person),
            "translation": np.concatenate(self.translation),
            "trust_bonus": np.concatenate(self.trust_bonus),
            "facilitated": np.concatenate(self.facilitated),
        }
        self.__init__()
        firm, partner = out["firms"], out["partners"]
        key = firm * (int(partner.max()) + 1) + partner
        keep, facilitated = strongest_per_pair(key, out)
        result = {name: values[keep] for name, values in out.items()}
        result["facilitated"] = facilitated
        return result

    def drain_indexed(self, relations: RelationTable) -> dict[str, np.ndarray]:
        """What :meth:`drain` returns, plus ``rows``: each pair's relation row, -1 for pairs that
        have none yet. The same contacts in the same order (by firm, then partner), but no sort
        of the month's contacts: contacts of known relations are reduced to one per row on
        arrays over the rows and put in key order by one pass over the relation table's sorted
        index; only new pairs are sorted, then merged in. The values kept do not depend on the
        order contacts arrive in (the strongest contact of a pair, ``facilitated`` pooled)."""
        if not self.firms:
            return {**self.drain(), "rows": np.zeros(0, np.int64)}
        out = {name: np.concatenate(getattr(self, name))
               for name in ("firms", "partners", "rows", *_ATTRIBUTES)}
        self.__init__()
        rows = out.pop("rows")
        unknown = np.flatnonzero(rows < 0)
        if unknown.size:
            rows[unknown] = relations.lookup(out["firms"][unknown], out["partners"][unknown])
        known = np.flatnonzero(rows >= 0)
        # contacts of known relations: the strongest per row (sorting only rows met repeatedly)
        known_rows = rows[known]
        n = relations.n
        touched = np.zeros(n, bool)
        touched[known_rows] = True
        winner = np.empty(n, np.int64)  # read only where touched
        winner[known_rows] = known
        lost = winner[known_rows] != known  # another contact of the same row was written last
        if lost.any():
            flag = np.zeros(n, bool)
            flag[known_rows[lost]] = True
            repeated = flag[known_rows]
            at, r = known[repeated], known_rows[repeated]
            order = np.lexsort((-out["trust_bonus"][at], -out["translation"][at],
                                ~out["in_person"][at], r))
            lead = np.empty(order.size, bool)
            lead[0] = True
            np.not_equal(r[order][1:], r[order][:-1], out=lead[1:])
            winner[r[order][lead]] = at[order][lead]
        pooled = np.zeros(n, bool)
        pooled[known_rows[out["facilitated"][known]]] = True
        old_keys, old_rows = relations.index_entries(touched)
        # first meetings: one sort of the new pairs only
        new = np.flatnonzero(rows < 0)
        new_out = {name: values[new] for name, values in out.items()}
        new_keys = relations.keys(new_out["firms"], new_out["partners"])
        keep, new_facilitated = strongest_per_pair(new_keys, new_out)
        # merge the two key-sorted sequences (a new pair's key is never a known one)
        is_new = np.zeros(old_keys.size + keep.size, bool)
        is_new[np.searchsorted(old_keys, new_keys[keep]) + np.arange(keep.size)] = True
        source = np.empty(is_new.size, np.int64)
        source[~is_new] = winner[old_rows]
        source[is_new] = new[keep]
        result = {name: values[source] for name, values in out.items()}
        result["facilitated"] = np.empty(is_new.size, bool)
        result["facilitated"][~is_new] = pooled[old_rows]
        result["facilitated"][is_new] = new_facilitated
        result["rows"] = np.full(is_new.size, -1, np.int64)
        result["rows"][~is_new] = old_rows
        return result


def strongest_per_pair(key: np.ndarray, contacts: dict[str, np.ndarray]
                       ) -> tuple[np.ndarray, np.ndarray]:
    """One contact per pair ``key``: positions of the kept contacts in key order, and whether any
    contact of each pair was facilitated. Where a pair met more than once, the in-person contact
    with the most translation and the largest broker bonus wins."""
    if key.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, bool)
    out = contacts
    # one sort by pair (firm, then partner); only pairs met more than once need the
    # strongest of their contacts picked (a sort of the repeated ones by strength)
    # (not a stable sort: contacts of one pair that tie on strength are alike but for
    # ``facilitated``, which is pooled over the pair)
    order = np.argsort(key)
    sorted_key = key[order]
    first = np.empty(order.size, bool)
    first[0] = True
    np.not_equal(sorted_key[1:], sorted_key[:-1], out=first[1:])
    group = np.cumsum(first) - 1
    keep = order[first]
    repeated = (np.diff(np.append(np.flatnonzero(first), order.size)) > 1)
    if repeated.any():
        in_group = repeated[group]
        rows, groups = order[in_group], group[in_group]
        strongest = np.lexsort((-out["trust_bonus"][rows], -out["translation"][rows],
                                ~out["in_person"][rows], groups))
        g = groups[strongest]
        lead = np.empty(g.size, bool)
        lead[0] = True
        np.not_equal(g[1:], g[:-1], out=lead[1:])
        keep[g[lead]] = rows[strongest][lead]
    # a pair counts as facilitated if any of its contacts was arranged by the facilitator
    facilitated = np.bincount(group, weights=out["facilitated"][order],
                              minlength=keep.size) > 0
    return keep, facilitated


def _column(value: object, k: int, dtype: type) -> np.ndarray:
    """``k`` values of a contact attribute given as one value or as ``k`` values."""
    if np.ndim(value) == 0:
        return np.full(k, value, dtype)
    return np.asarray(value, dtype)

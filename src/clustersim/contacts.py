"""Contacts gathered during a month, applied to the relation table in one vectorised pass."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class ContactBuffer:
    """Firm-partner contacts of the current month, from every source (events, own search,
    referrals). ``translation`` is the translation support level on the trip (0-1);
    ``trust_bonus`` is trust a broker lends a first meeting; ``facilitated`` marks contacts the
    cluster organisation arranged; ``rows`` is the pair's relation row where the caller knows it
    (-1 otherwise), so only the other pairs need looking up when the buffer is applied."""

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
        the pairs' relation rows, if the caller has them (they must still be the pairs' rows
        when the buffer is drained: no relation may be forgotten in between)."""
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
        largest broker bonus wins; repeated contacts in one month do not stack. ``rows`` is the
        relation row the kept contact was added with (-1 if it came without one).
        """
        if not self.firms:
            empty_i = np.zeros(0, np.int64)
            empty_f = np.zeros(0)
            return {"firms": empty_i, "partners": empty_i, "in_person": np.zeros(0, bool),
                    "translation": empty_f, "trust_bonus": empty_f,
                    "facilitated": np.zeros(0, bool), "rows": empty_i}
        out = {
            "firms": np.concatenate(self.firms),
            "partners": np.concatenate(self.partners),
            "in_person": np.concatenate(self.in_person),
            "translation": np.concatenate(self.translation),
            "trust_bonus": np.concatenate(self.trust_bonus),
            "facilitated": np.concatenate(self.facilitated),
            "rows": np.concatenate(self.rows),
        }
        self.__init__()
        firm, partner = out["firms"], out["partners"]
        # one sort by pair (firm, then partner); only pairs met more than once need the
        # strongest of their contacts picked (a sort of the repeated ones by strength)
        key = firm * (int(partner.max()) + 1) + partner
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
        result = {name: values[keep] for name, values in out.items()}
        # a pair counts as facilitated if any of its contacts was arranged by the facilitator
        result["facilitated"] = np.bincount(group, weights=out["facilitated"][order],
                                            minlength=keep.size) > 0
        return result


def _column(value: object, k: int, dtype: type) -> np.ndarray:
    """``k`` values of a contact attribute given as one value or as ``k`` values."""
    if np.ndim(value) == 0:
        return np.full(k, value, dtype)
    return np.asarray(value, dtype)

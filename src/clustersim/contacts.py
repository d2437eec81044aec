"""Contacts gathered during a month, applied to the relation table in one vectorised pass."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class ContactBuffer:
    """Firm-partner contacts of the current month, from every source (events, own search,
    referrals). ``translation`` is the translation support level on the trip (0-1);
    ``trust_bonus`` is trust a broker lends a first meeting; ``facilitated`` marks contacts the
    cluster organisation arranged."""

    firms: list[np.ndarray] = field(default_factory=list)
    partners: list[np.ndarray] = field(default_factory=list)
    in_person: list[np.ndarray] = field(default_factory=list)
    translation: list[np.ndarray] = field(default_factory=list)
    trust_bonus: list[np.ndarray] = field(default_factory=list)
    facilitated: list[np.ndarray] = field(default_factory=list)

    def add(self, firms: np.ndarray, partners: np.ndarray, *, in_person: bool | np.ndarray,
            translation: float | np.ndarray = 0.0, trust_bonus: float | np.ndarray = 0.0,
            facilitated: bool | np.ndarray = False) -> None:
        """Buffer contacts; the attributes are one value for all or one per contact."""
        k = firms.shape[0]
        if k == 0:
            return
        self.firms.append(np.asarray(firms, np.int64))
        self.partners.append(np.asarray(partners, np.int64))
        self.in_person.append(np.broadcast_to(np.asarray(in_person, bool), (k,)))
        self.translation.append(np.broadcast_to(np.asarray(translation, float), (k,)))
        self.trust_bonus.append(np.broadcast_to(np.asarray(trust_bonus, float), (k,)))
        self.facilitated.append(np.broadcast_to(np.asarray(facilitated, bool), (k,)))

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
        key_firm, key_partner = out["firms"], out["partners"]
        order = np.lexsort((-out["trust_bonus"], -out["translation"], ~out["in_person"],
                            key_partner, key_firm))
        sorted_firm, sorted_partner = key_firm[order], key_partner[order]
        first = np.ones(order.size, bool)
        first[1:] = ((sorted_firm[1:] != sorted_firm[:-1])
                     | (sorted_partner[1:] != sorted_partner[:-1]))
        keep = order[first]
        facilitated_any = np.zeros(order.size, bool)
        # a pair counts as facilitated if any of its contacts was arranged by the facilitator
        group = np.cumsum(first) - 1
        np.logical_or.at(facilitated_any, group, out["facilitated"][order])
        result = {name: values[keep] for name, values in out.items()}
        result["facilitated"] = facilitated_any[: keep.size]
        return result

"""Array-backed state owned by the model.

Mesa agents are the unit a reader sees, but the state they read and change lives here, in numpy
arrays indexed by the agent's ``index``: this keeps the monthly step vectorised (no per-agent
Python loop in the hot paths) and memory linear in the number of agents.

Pairwise firm-partner state is *sparse*: a :class:`RelationTable` holds one row per relation a firm
actually has (after a contact), never a dense firms x partners matrix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

INCOME_SOURCES: tuple[str, ...] = ("public", "fees", "services", "eu")
PRIVATE_SOURCES: tuple[str, ...] = ("fees", "services")
NEVER = -10_000  # a month long before the simulation start


@dataclass
class FirmTable:
    """Per-firm state (one row per :class:`~clustersim.agents.firm.Firm`)."""

    cluster: np.ndarray
    kind: np.ndarray
    capability: np.ndarray
    language_skill: np.ndarray
    resources: np.ndarray
    export_motivation: np.ndarray
    competition_fear: np.ndarray
    experience: np.ndarray
    member: np.ndarray
    committed: np.ndarray
    satisfaction: np.ndarray
    trust_in_facilitator: np.ndarray
    voucher_balance: np.ndarray
    last_personal_contact: np.ndarray
    last_participation: np.ndarray
    collaboration_days: np.ndarray  # (n, 12) ring buffer: days of joint activity per month
    benefit: np.ndarray  # benefit perceived this month, reset each step
    last_event: np.ndarray  # id of the last in-person event this month, -1 if none
    exported_at_start: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    scale: np.ndarray = field(default_factory=lambda: np.zeros(0))
    export_spell_start: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    """Month the firm's current spell of exporting began (NEVER while not exporting)."""
    export_blocked_until: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    """Last month of a shock that keeps the firm from exporting (NEVER if none)."""
    """Firm scale: export sales per tie relative to a typical SME (heavy-tailed)."""

    @property
    def n(self) -> int:
        return int(self.cluster.shape[0])

    def collaboration_days_12m(self) -> np.ndarray:
        return self.collaboration_days.sum(axis=1)


@dataclass
class PartnerTable:
    """Per-partner state (one row per :class:`~clustersim.agents.partner.ForeignPartner`)."""

    market: np.ndarray
    need_level: np.ndarray  # capability a partner's need asks of a supplier (0-1)
    open_need: np.ndarray
    need_expires: np.ndarray  # month after which the open need is gone

    @property
    def n(self) -> int:
        return int(self.market.shape[0])


class RelationTable:
    """Sparse firm-partner relations: trust both ways, contacts, export ties.

    Rows are appended when a firm first meets a partner and forgotten (compacted) when trust has
    faded and no tie holds them. Lookup of (firm, partner) pairs uses a sorted key index.
    """

    def __init__(self, n_partners: int, capacity: int = 1024):
        self.n_partners = n_partners
        self.n = 0
        self._alloc(capacity)
        self._sorted_keys = np.zeros(0, np.int64)
        self._sorted_rows = np.zeros(0, np.int64)

    def _alloc(self, capacity: int) -> None:
        self.firm = np.zeros(capacity, np.int64)
        self.partner = np.zeros(capacity, np.int64)
        self.trust_fp = np.zeros(capacity)  # firm's trust in partner
        self.trust_pf = np.zeros(capacity)  # partner's trust in firm
        self.tie = np.zeros(capacity, bool)
        self.tie_since = np.full(capacity, NEVER, np.int64)
        self.facilitated = np.zeros(capacity, bool)  # the facilitator brokered this tie
        self.last_contact = np.full(capacity, NEVER, np.int64)

    _COLUMNS = ("firm", "partner", "trust_fp", "trust_pf", "tie", "tie_since", "facilitated",
                "last_contact")

    @property
    def capacity(self) -> int:
        return int(self.firm.shape[0])

    def _grow(self, needed: int) -> None:
        new_cap = max(needed, int(self.capacity * 1.5) + 1)
        for name in self._COLUMNS:
            old = getattr(self, name)
            new = np.empty(new_cap, old.dtype)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)

    def keys(self, firms: np.ndarray, partners: np.ndarray) -> np.ndarray:
        return firms.astype(np.int64) * self.n_partners + partners.astype(np.int64)

    def lookup(self, firms: np.ndarray, partners: np.ndarray) -> np.ndarray:
        """Row of each (firm, partner) pair, or -1 where they have no relation."""
        keys = self.keys(firms, partners)
        if self._sorted_keys.size == 0:
            return np.full(keys.shape, -1, np.int64)
        pos = np.searchsorted(self._sorted_keys, keys)
        pos_clipped = np.minimum(pos, self._sorted_keys.size - 1)
        found = self._sorted_keys[pos_clipped] == keys
        return np.where(found, self._sorted_rows[pos_clipped], -1)

    def add(self, firms: np.ndarray, partners: np.ndarray, trust_fp: np.ndarray,
            trust_pf: np.ndarray) -> np.ndarray:
        """Append new relations (pairs must be new and unique); returns their rows."""
        k = firms.shape[0]
        if k == 0:
            return np.zeros(0, np.int64)
        if self.n + k > self.capacity:
            self._grow(self.n + k)
        rows = np.arange(self.n, self.n + k)
        self.firm[rows] = firms
        self.partner[rows] = partners
        self.trust_fp[rows] = trust_fp
        self.trust_pf[rows] = trust_pf
        self.tie[rows] = False
        self.tie_since[rows] = NEVER
        self.facilitated[rows] = False
        self.last_contact[rows] = NEVER
        self.n += k
        self._merge_into_index(self.keys(firms, partners), rows)
        return rows

    def _merge_into_index(self, keys: np.ndarray, rows: np.ndarray) -> None:
        """Insert new keys (unique, not yet indexed) into the sorted index: a sort of the new
        keys and one linear merge, instead of re-sorting every relation each month. The index
        is the same as :meth:`_reindex` would build."""
        order = np.argsort(keys, kind="stable")
        keys, rows = keys[order], rows[order]
        at = np.searchsorted(self._sorted_keys, keys)
        self._sorted_keys = np.insert(self._sorted_keys, at, keys)
        self._sorted_rows = np.insert(self._sorted_rows, at, rows.astype(np.int64))

    def _reindex(self) -> None:
        keys = self.keys(self.firm[: self.n], self.partner[: self.n])
        order = np.argsort(keys, kind="stable")
        self._sorted_keys = keys[order]
        self._sorted_rows = order.astype(np.int64)

    def forget(self, keep: np.ndarray) -> None:
        """Drop rows where ``keep`` is False (faded relations without a tie)."""
        keep = keep[: self.n]
        idx = np.flatnonzero(keep)
        for name in self._COLUMNS:
            arr = getattr(self, name)
            arr[: idx.size] = arr[idx]
        self.n = int(idx.size)
        self._sorted_keys, self._sorted_rows = compact_index(self._sorted_keys,
                                                             self._sorted_rows, keep)

    def rows_of_firms(self, firms: np.ndarray) -> np.ndarray:
        """Rows (ascending) of every relation of the given firms, from the sorted key index: a
        firm's relations are one range of it (keys are firm x partners + partner), found by two
        binary searches per firm, so no pass over every relation."""
        firms = np.unique(np.asarray(firms, np.int64))
        if firms.size == 0 or self._sorted_keys.size == 0:
            return np.zeros(0, np.int64)
        start = np.searchsorted(self._sorted_keys, firms * self.n_partners)
        end = np.searchsorted(self._sorted_keys, (firms + 1) * self.n_partners)
        return np.sort(self._sorted_rows[concatenated_ranges(start, end)])

    def rows_of_partners(self, partners: np.ndarray) -> np.ndarray:
        """Rows (ascending) of every relation with one of the given partners: one pass over the
        partner column, so callers aggregate over these relations only, in row order."""
        wanted = np.zeros(self.n_partners, bool)
        wanted[partners] = True
        return np.flatnonzero(wanted[self.partner[: self.n]])

    def view(self, name: str) -> np.ndarray:
        """The live part of a column (a view: writes go to the table)."""
        return getattr(self, name)[: self.n]

    @property
    def n_ties(self) -> int:
        return int(self.tie[: self.n].sum())

    def tie_rows(self) -> np.ndarray:
        return np.flatnonzero(self.tie[: self.n])

    def ties_per_firm(self, n_firms: int) -> np.ndarray:
        return np.bincount(self.firm[self.tie_rows()], minlength=n_firms)

    def markets_per_firm(self, n_firms: int, partner_market: np.ndarray) -> np.ndarray:
        """Distinct foreign markets each firm exports to."""
        rows = self.tie_rows()
        if rows.size == 0:
            return np.zeros(n_firms, np.int64)
        n_markets = int(partner_market.max()) + 1
        pairs = np.unique(self.firm[rows] * n_markets + partner_market[self.partner[rows]])
        return np.bincount(pairs // n_markets, minlength=n_firms)

    def firm_serves_market(self, firms: np.ndarray, markets: np.ndarray,
                           partner_market: np.ndarray) -> np.ndarray:
        """Whether each firm already has a tie in the given market."""
        rows = self.tie_rows()
        if rows.size == 0 or firms.size == 0:
            return np.zeros(firms.shape, bool)
        n_markets = int(partner_market.max()) + 1
        served = np.unique(self.firm[rows] * n_markets + partner_market[self.partner[rows]])
        query = firms.astype(np.int64) * n_markets + markets
        pos = np.minimum(np.searchsorted(served, query), served.size - 1)
        return served[pos] == query

    def mean_trust(self) -> float:
        if self.n == 0:
            return float("nan")
        return float((self.trust_fp[: self.n].mean() + self.trust_pf[: self.n].mean()) / 2)

    def best_trust_per_firm(self, n_firms: int) -> np.ndarray:
        """Each firm's highest two-way trust (mean of both directions) with any foreign partner;
        0 for a firm that knows none. Unlike the mean over relations, new contacts (which start
        with low trust) do not pull it down."""
        best = np.zeros(n_firms)
        both = (self.trust_fp[: self.n] + self.trust_pf[: self.n]) / 2
        np.maximum.at(best, self.firm[: self.n], both)
        return best

    def tie_partners_csr(self, n_firms: int) -> tuple[np.ndarray, np.ndarray]:
        """Tie partners grouped by firm: ``partners[offsets[f]:offsets[f+1]]``."""
        rows = self.tie_rows()
        order = np.argsort(self.firm[rows], kind="stable")
        rows = rows[order]
        counts = np.bincount(self.firm[rows], minlength=n_firms)
        offsets = np.concatenate(([0], np.cumsum(counts)))
        return offsets, self.partner[rows]


def concatenated_ranges(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """``np.concatenate([np.arange(a, b) for a, b in zip(start, end)])`` without the loop."""
    lengths = end - start
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    # each range's start, shifted by the positions already taken by earlier ranges
    shift = np.repeat(start - (np.cumsum(lengths) - lengths), lengths)
    return shift + np.arange(total, dtype=np.int64)


def compact_index(sorted_keys: np.ndarray, sorted_rows: np.ndarray,
                  keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted index after the rows where ``keep`` is False are dropped and the rest moved up
    in order (row ``r`` becomes the number of kept rows before it): dropping entries leaves the
    keys sorted, so one linear pass replaces a re-sort; the result equals a stable argsort of
    the kept rows' keys."""
    new_row = np.cumsum(keep, dtype=np.int64) - 1
    kept = keep[sorted_rows]
    return sorted_keys[kept], new_row[sorted_rows[kept]]


@dataclass
class PeerNetwork:
    """Directed peer links between member firms (each undirected link stored both ways).

    ``trust[e]`` is how much ``src[e]`` trusts ``dst[e]``; ``reverse[e]`` is the row of the
    opposite direction, so co-opetition can update both sides of a meeting.
    """

    src: np.ndarray
    dst: np.ndarray
    trust: np.ndarray
    reverse: np.ndarray

    @property
    def n(self) -> int:
        return int(self.src.shape[0])

    def mean_trust_per_cluster(self, firm_cluster: np.ndarray, n_clusters: int) -> np.ndarray:
        if self.n == 0:
            return np.full(n_clusters, np.nan)
        c = firm_cluster[self.src]
        sums = np.bincount(c, weights=self.trust, minlength=n_clusters)
        counts = np.bincount(c, minlength=n_clusters)
        out = np.full(n_clusters, np.nan)
        np.divide(sums, counts, out=out, where=counts > 0)
        return out


@dataclass
class FacilitatorTable:
    """Per-cluster-organisation state (one row per :class:`~clustersim.agents.Facilitator`)."""

    names: list[str]
    regions: np.ndarray
    age_months: np.ndarray
    staff: np.ndarray
    manager_skill: np.ndarray
    balance: np.ndarray
    public_spent: np.ndarray
    new_ties_total: np.ndarray
    agreements: np.ndarray  # (n_clusters, n_markets) bool, own and via networked managers
    income_total: dict[str, np.ndarray]
    income_ring: np.ndarray  # (n_clusters, 12, n_sources): income of the last 12 months
    new_ties_ring: np.ndarray  # (n_clusters, 12): ties formed in the last 12 months
    effective_staff: np.ndarray = field(default_factory=lambda: np.zeros(0))
    maturity: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Months of active development (drives the life-cycle stage)."""
    service_fee_share: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Share of an event's cost participants pay now (adapts to the organisation's income)."""
    next_survey_month: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    """Month from which the next satisfaction survey is due."""
    survey_valid_until: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    """Last month the latest survey guides the choice of members to visit (-1: none yet)."""

    @property
    def n(self) -> int:
        return len(self.names)

    def receive(self, source: str, amounts: np.ndarray, month: int) -> None:
        """Book income by source: into the balance, the running totals and the 12-month ring."""
        self.balance += amounts
        self.income_total[source] += amounts
        self.income_ring[:, month % 12, INCOME_SOURCES.index(source)] += amounts

    def receive_one(self, source: str, cluster: int, amount: float, month: int) -> None:
        self.balance[cluster] += amount
        self.income_total[source][cluster] += amount
        self.income_ring[cluster, month % 12, INCOME_SOURCES.index(source)] += amount

    def receive_some(self, source: str, clusters: np.ndarray, amounts: np.ndarray,
                     month: int) -> None:
        """Book income of some clusters (each listed once)."""
        self.balance[clusters] += amounts
        self.income_total[source][clusters] += amounts
        self.income_ring[clusters, month % 12, INCOME_SOURCES.index(source)] += amounts

    def income_last_12_months(self) -> tuple[np.ndarray, np.ndarray]:
        """(private income, total income) per cluster over the last 12 months."""
        per_source = self.income_ring.sum(axis=1)
        private_cols = [INCOME_SOURCES.index(s) for s in PRIVATE_SOURCES]
        return per_source[:, private_cols].sum(axis=1), per_source.sum(axis=1)

    def private_income_in(self, month: int) -> np.ndarray:
        private_cols = [INCOME_SOURCES.index(s) for s in PRIVATE_SOURCES]
        return self.income_ring[:, month % 12, private_cols].sum(axis=1)

    def start_month(self, month: int) -> None:
        """Clear this month's slot of the 12-month rings before any income is booked."""
        self.income_ring[:, month % 12, :] = 0.0
        self.new_ties_ring[:, month % 12] = 0

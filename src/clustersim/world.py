"""World: the state one month of the model operates on, and the questions processes ask of it.

:class:`~clustersim.model.ClusterModel` *is* a World (it builds one from a scenario and sequences
the month); the process modules (:mod:`clustersim.processes`) take a World and change its arrays.
Keeping the type here, below the processes and the model, lets dependencies flow one way
(scenario -> state -> processes -> model) without the processes knowing the model class.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from clustersim.contacts import ContactBuffer
from clustersim.mechanisms import learning, lifecycle
from clustersim.scenario.schema import ClusterConfig, FundingConfig, Parameters, Scenario
from clustersim.state import FacilitatorTable, FirmTable, PartnerTable, PeerNetwork, RelationTable

FORGET_EVERY_MONTHS = 12  # bookkeeping only: how often faded relations are dropped from memory


class World:
    """Tables, constants, the random generator and this month's counters.

    Attributes are set by :class:`~clustersim.model.ClusterModel` when it builds the world.
    """

    # -- the scenario and its constants --------------------------------------------------------
    scenario: Scenario
    params: Parameters
    clusters: list[ClusterConfig]
    funding: FundingConfig
    scheme: Any  # a clustersim.policy.FundingScheme
    translation_support: float
    coordination_cost: float
    market_names: list[str]  # the scenario's markets, in name order
    n_replicas: int  # independent copies of the world run side by side (a batch); usually 1
    replica_of_cluster: np.ndarray
    n_markets: int  # the scenario's markets
    n_world_markets: int  # markets of all replicas: world market r * n_markets + m
    market_offset: np.ndarray  # per cluster: its replica's first world market
    # market attributes are indexed by world market (the same in every replica)
    market_barrier: np.ndarray
    market_distance: np.ndarray
    market_size: np.ndarray
    market_size_rel: np.ndarray
    networked_pairs: list[tuple[int, int]]
    membership_fee: np.ndarray
    base_service_fee_share: np.ndarray  # configured fee share, the floor fees adapt back to
    wage_per_staff: np.ndarray
    eu_project_income: np.ndarray  # per cluster: EU project income a month while it runs
    eu_project_months: np.ndarray  # per cluster: the project's last month
    eligible: np.ndarray
    offered_services: list[frozenset]  # services each facilitator offers
    offers_translation: np.ndarray  # per cluster: translation is among its services
    voucher_eligible: np.ndarray
    cluster_firms: list[np.ndarray]
    cluster_n_firms: np.ndarray
    partners_by_market: list[np.ndarray]
    market_partners: np.ndarray  # partners_by_market, flat (market by market)
    market_partner_count: np.ndarray  # partners of each world market
    peer_same_kind: np.ndarray

    # -- state ---------------------------------------------------------------------------------
    rng: np.random.Generator
    month: int
    firms: FirmTable
    partners: PartnerTable
    relations: RelationTable
    peers: PeerNetwork
    facilitators: FacilitatorTable
    live_partners: np.ndarray
    pool_partners: np.ndarray  # partner pools of events, flat (opportunities.refresh_live_...)
    pool_start: np.ndarray  # pool m: market m's partners; pool n_markets + m: its live needs
    pool_count: np.ndarray
    service_plan: Any  # a clustersim.processes.services.ServicePlan (fixed for the run)

    # -- this month ----------------------------------------------------------------------------
    contacts: ContactBuffer
    # this month's trips abroad: (participants, market of each, translation level of each)
    trips: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
    events_this_month: int
    events_held_this_month: int
    new_ties_this_step: int
    export_revenue_this_step: float
    cooperation_rate_this_step: float
    facilitated_recent: np.ndarray
    collect_cluster_tables: bool
    # this month's counts per replica (only in a batch; with one replica the totals above are
    # the replica's): see :meth:`tally`
    replica_tallies: dict[str, np.ndarray]

    def tally(self, name: str, *, clusters: np.ndarray | None = None,
              firms: np.ndarray | None = None, values: np.ndarray | None = None) -> None:
        """Add to this month's ``name`` per replica: the number of items (given by the cluster
        or the firm of each, e.g. the firm of each new tie) or the sum of their ``values``. A
        world of one replica skips it: its indicators use the world totals."""
        if self.n_replicas > 1:
            if clusters is None:
                clusters = self.firms.cluster[firms]
            counts = np.bincount(self.replica_of_cluster[clusters], weights=values,
                                 minlength=self.n_replicas).astype(float)
            before = self.replica_tallies.get(name)
            self.replica_tallies[name] = counts if before is None else before + counts

    def replica_blocks(self) -> list[tuple[slice, slice, slice]]:
        """Per replica, its (firms, clusters, partners) as slices of the tables: replicas are
        contiguous blocks of each (clusters and firms are built replica by replica, partners are
        numbered by world market)."""
        n_r = self.n_replicas
        n_f, n_c = self.firms.n // n_r, self.facilitators.n // n_r
        p = np.searchsorted(self.partners.market, np.arange(n_r + 1) * self.n_markets).tolist()
        return [(slice(r * n_f, (r + 1) * n_f), slice(r * n_c, (r + 1) * n_c),
                 slice(p[r], p[r + 1])) for r in range(n_r)]

    def tallied(self, name: str) -> np.ndarray:
        """This month's ``name`` per replica (zeros if nothing was tallied)."""
        return self.replica_tallies.get(name, np.zeros(self.n_replicas))

    def cluster_stages(self) -> np.ndarray:
        """Each cluster's life-cycle stage: from its development (months of activity and
        members) or, with ``lifecycle.stage_by_state`` off, from its age alone."""
        lc = self.params.lifecycle
        if not lc.stage_by_state:
            return lifecycle.life_cycle_stage(self.facilitators.age_months, lc.months_to_growth,
                                              lc.months_to_mature)
        members = np.bincount(self.firms.cluster[self.firms.member],
                              minlength=self.facilitators.n)
        return lifecycle.stage_from_development(self.facilitators.maturity, members,
                                                lc.months_to_growth, lc.months_to_mature,
                                                lc.mature_min_members)

    def facilitated_ties_per_cluster(self) -> np.ndarray:
        """Ties the facilitator brokered in the last 12 months, which it still follows up."""
        rel = self.relations
        recent = rel.view("tie_since") > self.month - 12
        rows = np.flatnonzero(rel.view("tie") & rel.view("facilitated") & recent)
        return np.bincount(self.firms.cluster[rel.firm[rows]], minlength=self.facilitators.n)

    def firm_stages(self) -> np.ndarray:
        rel = self.relations
        known = np.bincount(rel.view("firm")[rel.view("trust_fp") > 0.2], minlength=self.firms.n)
        markets = rel.markets_per_firm(self.firms.n, self.partners.market)
        return learning.internationalisation_stage(known > 0, markets)

    def export_readiness(self, firms: np.ndarray) -> np.ndarray:
        """How ready a firm is to export on its own: capability, resources and experience."""
        f = self.firms
        return f.capability[firms] * f.resources[firms] * (1.0 + f.experience[firms])

    def relationship_capacity(self, firms: np.ndarray) -> np.ndarray:
        """How many ties a firm keeps up as easily as a typical SME keeps one: capacity grows
        with scale by ``coordination.scale_elasticity`` (larger firms have more people)."""
        return self.firms.scale[firms] ** self.params.coordination.scale_elasticity

    def near_market_weights(self) -> np.ndarray:
        """Where firms look first on their own: large, psychically near markets (Uppsala,
        Johanson & Vahlne 1977); if every market is maximally distant, by size alone. One weight
        per market of the scenario: a replica's world market is ``market_offset`` further."""
        size, distance = self.market_size[:self.n_markets], self.market_distance[:self.n_markets]
        weights = size * (1.0 - distance) ** 2
        if weights.sum() <= 0:
            weights = size.copy()
        return weights / weights.sum()

    def export_revenue_by_firm(self) -> np.ndarray:
        """This month's export revenue of each firm, EUR (the sum over its ties)."""
        rel, f = self.relations, self.firms
        rows = rel.tie_rows()
        firm = rel.firm[rows]
        market = self.partners.market[rel.partner[rows]]
        revenue = (self.params.export.revenue_per_tie * f.capability[firm] * f.scale[firm]
                   * self.market_size_rel[market])
        return np.bincount(firm, weights=revenue, minlength=f.n)

    def firm_observation(self) -> dict[str, np.ndarray]:
        """Per-firm state that validation patterns measure, one array per field (length = firms):
        ties, distinct markets served, export revenue this month, kind, cluster, member."""
        rel, f = self.relations, self.firms
        return {
            "ties": rel.ties_per_firm(f.n),
            "markets": rel.markets_per_firm(f.n, self.partners.market),
            "revenue": self.export_revenue_by_firm(),
            "kind": f.kind.copy(),
            "cluster": f.cluster.copy(),
            "member": f.member.copy(),
        }

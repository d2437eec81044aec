"""ClusterModel: builds the world from a scenario and sequences the month.

One step is one month; :meth:`ClusterModel.step` lists the processes of ODD §3 ("Process overview
and scheduling", docs/ODD.md) line by line, each in its own module of
:mod:`clustersim.processes` operating on the world's arrays (:class:`~clustersim.world.World`):

1. bookkeeping: month + 1, this month's slots of the 12-month rings cleared;
2. public funding: the pool is split across eligible clusters and the scheme pays grants or
   vouchers;
3. facilitators collect fees and EU money and pay their staff;
4. partner needs open and expire;
5. facilitators visit members and organise events (all at once, events in rounds), which
   produce contacts;
6. firms search on their own, refer partners to trusted peers, follow up partners they begin to
   trust, and on trips abroad revisit the partners they know there;
7. all contacts of the month update trust; relations without contact decay;
8. peers meet in co-opetition;
9. live needs meet trusted, capable and responsive firms: export ties form;
10. ties earn revenue, teach experience, and may break;
11. members update satisfaction; some leave or join;
12. organisations age and develop; once a year faded relations are forgotten;
13. indicators are collected.
"""

from __future__ import annotations

import numpy as np

from clustersim.agents import Facilitator, Firm, ForeignPartner
from clustersim.contacts import ContactBuffer
from clustersim.mechanisms import lifecycle
from clustersim.mesa_core import mesa
from clustersim.policy import eligible_clusters, make_scheme
from clustersim.processes import (
    bookkeeping,
    budgets,
    contacts,
    coopetition,
    development,
    funding,
    membership,
    opportunities,
    search,
    services,
    ties,
)
from clustersim.processes.observation import (
    CLUSTER_KPI_NAMES,
    KPI_NAMES,
    compute_kpis,
    firm_rows,
    replica_kpis,
)
from clustersim.scenario.schema import FIRM_KINDS, ClusterConfig, Scenario, Service
from clustersim.state import (
    INCOME_SOURCES,
    NEVER,
    FacilitatorTable,
    FirmTable,
    PartnerTable,
    PeerNetwork,
    RelationTable,
)
from clustersim.world import FORGET_EVERY_MONTHS, World


def make_rng(seed: int | np.random.SeedSequence) -> np.random.Generator:
    """The run's only random generator, seeded through ``SeedSequence`` (reproducible streams)."""
    seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return np.random.default_rng(seq)


def expand_clusters(configs: list[ClusterConfig]) -> list[ClusterConfig]:
    """One config per cluster: entries with ``count > 1`` become numbered copies."""
    expanded = []
    for cfg in configs:
        if cfg.count == 1:
            expanded.append(cfg)
            continue
        width = len(str(cfg.count))
        for i in range(cfg.count):
            expanded.append(cfg.model_copy(update={"name": f"{cfg.name}-{i + 1:0{width}d}",
                                                   "count": 1}))
    return expanded


class ClusterModel(mesa.Model, World):
    """Firms, cluster facilitators and foreign partners evolving trust, cooperation and export
    ties under a policy scenario. Build from a validated :class:`~clustersim.scenario.Scenario`.

    Args:
        scenario: the validated scenario.
        seed: overrides ``scenario.seed``; an int or a ``numpy.random.SeedSequence``.
        collect_agent_tables: also record agent-level tables (default: ``scenario.output``).
        collect_every: record indicators every k-th month only (and whenever :meth:`collect` is
            called); sweeps that keep final states save the indicator work of other months.
        replicas: run this many independent copies of the scenario's world side by side, as one
            set of arrays drawing from one random stream (a *batch*, see
            :func:`clustersim.simulation.simulate_batch`); indicators are recorded per copy.
    """

    def __init__(self, scenario: Scenario, *, seed: int | np.random.SeedSequence | None = None,
                 collect_agent_tables: bool | None = None, collect_every: int = 1,
                 replicas: int = 1):
        if replicas < 1:
            raise ValueError(f"replicas = {replicas}: must be >= 1")
        self.seed_used = scenario.seed if seed is None else seed
        super().__init__(rng=make_rng(self.seed_used))
        self.scenario = scenario
        self.params = scenario.parameters
        self.translation_support = float(scenario.policy.translation_support)
        self.coordination_cost = float(scenario.policy.coordination_cost)
        self.funding = scenario.policy.funding
        self.scheme = make_scheme(self.funding)
        self.month = 0
        self.contacts = ContactBuffer()
        # this month's trips abroad: (participants, market of each, translation level of each)
        self.trips: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.events_this_month = 0
        self.events_held_this_month = 0
        self.new_ties_this_step = 0
        self.export_revenue_this_step = 0.0
        self.cooperation_rate_this_step = float("nan")
        base_clusters = expand_clusters(scenario.clusters)
        self.n_replicas = int(replicas)
        # replica r's clusters are r * C ... r * C + C - 1 (and so its firms and partners are a
        # contiguous block too): copies share nothing but the arrays and the random stream
        self.clusters = base_clusters * self.n_replicas
        self.replica_of_cluster = np.repeat(np.arange(self.n_replicas), len(base_clusters))
        self.replica_tallies: dict[str, np.ndarray] = {}
        self.collect_cluster_tables = len(base_clusters) > 1
        self.facilitated_recent = np.zeros(len(self.clusters), np.int64)

        self._build_markets(scenario)
        self._build_facilitators()
        self.service_plan = services.plan_services(self)
        self._build_firms()
        self._build_partners(scenario)
        self._build_peer_network()
        self._seed_initial_exports()
        self.firms.exported_at_start = self.relations.ties_per_firm(self.firms.n) > 0

        self.facilitator_agents = [Facilitator(self, i, c.facilitator)
                                   for i, c in enumerate(self.clusters)]
        self.firm_agents = [Firm(self, i) for i in range(self.firms.n)]
        self.partner_agents = [ForeignPartner(self, i) for i in range(self.partners.n)]

        if collect_every < 1:
            raise ValueError(f"collect_every = {collect_every}: must be >= 1")
        self.collect_every = int(collect_every)
        self.last_collected_month = -1
        self.current_kpis: dict[str, float] = {}
        self.current_cluster_rows: list[dict[str, float]] = []
        agent_tables = (scenario.output.agent_tables if collect_agent_tables is None
                        else collect_agent_tables)
        # per-firm rows are taken from the arrays in one pass per collected month (the same
        # columns as Mesa's agent reporters over FIRM_REPORTERS, without a call per agent)
        self.firm_table_parts: list[dict[str, np.ndarray]] | None = [] if agent_tables else None
        self.firm_agent_ids = np.array([a.unique_id for a in self.firm_agents], np.int64)
        # a batch records its replicas' indicators here instead of in the DataCollector
        self.replica_kpi_rows: list[list[dict[str, float]]] = [[] for _ in range(replicas)]
        self.replica_cluster_rows: list[list[dict[str, object]]] = [[] for _ in range(replicas)]
        if agent_tables and replicas > 1:
            raise ValueError("agent tables are recorded for single runs only, not batches")
        self.datacollector = mesa.DataCollector(
            model_reporters={"step": _month, **{name: _kpi_reporter(name) for name in KPI_NAMES}},
            tables={"cluster_kpis": ["step", "cluster", *CLUSTER_KPI_NAMES]},
        )
        self.collect()

    # -- construction --------------------------------------------------------------------------
    def _build_markets(self, scenario: Scenario) -> None:
        # markets in name order: the run does not depend on the order they are written in, so
        # equal scenario hashes mean equal runs
        self.market_names = sorted(scenario.markets)
        m = [scenario.markets[name] for name in self.market_names]
        # each replica has its own copy of the markets (world market r * n_markets + m), so
        # that its partners are its own; the attributes are the same in every copy
        self.n_markets = len(m)
        self.n_world_markets = self.n_markets * self.n_replicas
        size = np.array([x.size for x in m])
        self.market_barrier = np.tile([x.language_barrier for x in m], self.n_replicas)
        self.market_distance = np.tile([x.psychic_distance for x in m], self.n_replicas)
        self.market_size = np.tile(size, self.n_replicas)
        self.market_size_rel = np.tile(size / size.mean(), self.n_replicas)
        self.market_offset = self.n_markets * self.replica_of_cluster  # per cluster

    def _build_facilitators(self) -> None:
        n_c, n_m = len(self.clusters), self.n_markets
        agreements = np.zeros((n_c, n_m), bool)
        names = [c.name for c in self.clusters]
        base_names = [c.name for c in self.scenario.clusters]
        for i, c in enumerate(self.clusters):
            for market in c.agreements:
                agreements[i, self.market_names.index(market)] = True
        # networked managers share their agreements (seed 002: the meta-cluster route)
        self.networked_pairs: list[tuple[int, int]] = []
        for i, c in enumerate(self.clusters):
            for other in c.networked_with:
                for j, cj in enumerate(self.clusters):
                    origin = cj.name if cj.name in base_names else cj.name.rsplit("-", 1)[0]
                    same_world = self.replica_of_cluster[i] == self.replica_of_cluster[j]
                    if origin == other and i != j and same_world:
                        self.networked_pairs.append((i, j))
        shared = agreements.copy()
        for i, j in self.networked_pairs:
            shared[i] |= agreements[j]
        ages = np.array([c.age_months if c.age_months is not None
                         else lifecycle.DEFAULT_AGE_MONTHS[c.stage.value] for c in self.clusters])
        self.facilitators = FacilitatorTable(
            names=names,
            regions=np.array([c.regions for c in self.clusters]),
            age_months=ages.astype(np.int64),
            staff=np.array([c.facilitator.staff for c in self.clusters], float),
            manager_skill=np.array([c.facilitator.manager_skill for c in self.clusters]),
            balance=np.array([c.facilitator.initial_budget for c in self.clusters], float),
            public_spent=np.zeros(n_c),
            new_ties_total=np.zeros(n_c, np.int64),
            agreements=shared,
            income_total={s: np.zeros(n_c) for s in INCOME_SOURCES},
            income_ring=np.zeros((n_c, 12, len(INCOME_SOURCES))),
            new_ties_ring=np.zeros((n_c, 12), np.int64),
            effective_staff=np.array([c.facilitator.staff for c in self.clusters], float),
            maturity=ages.astype(float),
            service_fee_share=np.array([c.facilitator.service_fee_share
                                        for c in self.clusters], float),
            next_survey_month=np.ones(n_c, np.int64),
            survey_valid_until=np.full(n_c, -1, np.int64),
        )
        self.offered_services = [frozenset(c.facilitator.services) for c in self.clusters]
        self.membership_fee = np.array([c.facilitator.membership_fee for c in self.clusters])
        self.base_service_fee_share = self.facilitators.service_fee_share.copy()
        self.offers_translation = np.array([Service.TRANSLATION in c.facilitator.services
                                            for c in self.clusters])
        self.wage_per_staff = np.array([c.facilitator.monthly_cost_per_staff
                                        for c in self.clusters])
        self.eu_project_income = np.array([c.facilitator.eu_project_income
                                           for c in self.clusters], float)
        self.eu_project_months = np.array([c.facilitator.eu_project_months
                                           for c in self.clusters], np.int64)
        self.eligible = eligible_clusters(self.facilitators.regions, self.funding.max_regions)

    def _beta(self, means: np.ndarray) -> np.ndarray:
        means = np.clip(means, 0.02, 0.98)
        k = self.params.traits.trait_concentration
        return self.rng.beta(means * k, (1 - means) * k)

    def _build_firms(self) -> None:
        kinds, clusters, members, committed = [], [], [], []
        for i, c in enumerate(self.clusters):
            k = self.rng.choice(len(FIRM_KINDS), size=c.n_firms, p=c.firm_mix.as_array())
            kinds.append(k)
            clusters.append(np.full(c.n_firms, i))
            is_member = self.rng.random(c.n_firms) < c.initial_member_share
            members.append(is_member)
            committed.append(is_member & (self.rng.random(c.n_firms) < c.initial_committed_share))
        kind = np.concatenate(kinds).astype(np.int8)
        n = kind.size
        profiles = [self.params.firm_kinds[k] for k in FIRM_KINDS]

        def trait(name: str) -> np.ndarray:
            return np.array([getattr(p, name) for p in profiles])[kind]

        mp, tp = self.params.membership, self.params.trust
        self.firms = FirmTable(
            cluster=np.concatenate(clusters).astype(np.int64),
            kind=kind,
            capability=self._beta(trait("capability")),
            language_skill=self._beta(trait("language_skill")),
            resources=self._beta(trait("resources")),
            export_motivation=self._beta(trait("export_motivation")),
            competition_fear=trait("competition_fear").astype(float),
            experience=np.zeros(n),
            member=np.concatenate(members),
            committed=np.concatenate(committed),
            satisfaction=np.clip(mp.initial_satisfaction + self.rng.normal(0, 0.1, n), 0, 1),
            trust_in_facilitator=np.clip(tp.initial_facilitator_trust
                                         + self.rng.normal(0, 0.1, n), 0, 1),
            voucher_balance=np.zeros(n),
            last_personal_contact=np.full(n, NEVER, np.int64),
            last_participation=np.where(np.concatenate(committed), 0, NEVER).astype(np.int64),
            collaboration_days=np.zeros((n, 12), np.int16),
            benefit=np.zeros(n),
            last_event=np.full(n, -1, np.int64),
        )
        sigma = self.params.export.scale_dispersion
        # log-normal around the kind's mean scale (mean-preserving: mu = log(mean) - sigma^2/2)
        self.firms.export_spell_start = np.full(n, NEVER, np.int64)
        self.firms.export_blocked_until = np.full(n, NEVER, np.int64)
        self.firms.scale = trait("scale") * np.exp(sigma * self.rng.standard_normal(n)
                                                   - sigma ** 2 / 2)
        # committed members arrive with a past year of contact and joint activity (ESCA history)
        past = self.firms.committed
        self.firms.last_personal_contact[past] = -self.rng.integers(0, 12, int(past.sum()))
        self.firms.collaboration_days[past, 0] = 2  # slot of month 0, cleared at month 12
        self.cluster_firms = [np.flatnonzero(self.firms.cluster == i)
                              for i in range(len(self.clusters))]
        self.cluster_n_firms = np.array([f.size for f in self.cluster_firms])
        voucher_kinds = {FIRM_KINDS.index(str(k)) for k in self.funding.voucher_eligible_kinds}
        self.voucher_eligible = np.isin(self.firms.kind, list(voucher_kinds))

    def _build_partners(self, scenario: Scenario) -> None:
        n_m = self.n_markets
        share = self.market_size[:n_m] / self.market_size[:n_m].sum()
        per_replica = self.firms.n // self.n_replicas
        markets = []
        for r in range(self.n_replicas):
            n_p = max(n_m, round(scenario.partners_per_firm * per_replica))
            # every market has at least one partner; the rest are spread in proportion to size
            markets.append(r * n_m + np.sort(np.concatenate(
                [np.arange(n_m), self.rng.choice(n_m, size=n_p - n_m, p=share)])))
        market = np.concatenate(markets)
        n_p = market.size
        op = self.params.opportunities
        steady_open = min(1.0, op.open_prob_per_month * op.window_months)
        open_need = self.rng.random(n_p) < steady_open
        self.partners = PartnerTable(
            market=market.astype(np.int64),
            need_level=self.rng.uniform(self.params.traits.need_level_min,
                                        self.params.traits.need_level_max, n_p),
            open_need=open_need,
            need_expires=np.where(open_need, self.rng.integers(1, op.window_months + 1, n_p),
                                  NEVER).astype(np.int64),
        )
        self.partners_by_market = [np.flatnonzero(market == m)
                                   for m in range(self.n_world_markets)]
        self.market_partners = np.concatenate(self.partners_by_market)
        self.market_partner_count = np.array([pool.size for pool in self.partners_by_market],
                                             np.int64)
        self.relations = RelationTable(n_p, capacity=max(1024, 4 * self.firms.n))
        opportunities.refresh_live_partners(self)

    def _build_peer_network(self) -> None:
        """Each member links to ``peers_per_firm`` random peers in its cluster (fewer if the
        cluster is small); networked clusters share a share of their links."""
        npar = self.params.network
        half = max(1, npar.peers_per_firm // 2) if npar.peers_per_firm else 0
        pairs = []
        for i, firms in enumerate(self.cluster_firms):
            if firms.size < 2 or half == 0:
                continue
            k = min(half, firms.size - 1)
            src = np.repeat(firms, k)
            pool = np.concatenate([firms] + [self.cluster_firms[j] for a, j in self.networked_pairs
                                             if a == i])
            cross = self.rng.random(src.size) < (npar.cross_cluster_peer_share
                                                 if pool.size > firms.size else 0.0)
            dst = np.where(cross, self.rng.choice(pool, size=src.size),
                           self.rng.choice(firms, size=src.size))
            pairs.append(np.stack([src, dst], axis=1))
        if pairs:
            p = np.concatenate(pairs)
            p = p[p[:, 0] != p[:, 1]]
            p = np.unique(np.sort(p, axis=1), axis=0)
        else:
            p = np.zeros((0, 2), np.int64)
        m = p.shape[0]
        src = np.concatenate([p[:, 0], p[:, 1]]).astype(np.int64)
        dst = np.concatenate([p[:, 1], p[:, 0]]).astype(np.int64)
        reverse = np.concatenate([np.arange(m, 2 * m), np.arange(m)]).astype(np.int64)
        t0 = self.params.trust.initial_peer_trust
        self.peers = PeerNetwork(
            src=src, dst=dst,
            trust=np.clip(t0 + self.rng.normal(0, 0.05, 2 * m), 0, 1),
            reverse=reverse,
        )
        kind = self.firms.kind
        self.peer_same_kind = (kind[src] == kind[dst]).astype(float)

    def _seed_initial_exports(self) -> None:
        """Firms that export at the start hold one established tie in a near, large market."""
        exporters = []
        for i, c in enumerate(self.clusters):
            firms = self.cluster_firms[i]
            k = round(c.initial_exporter_share * firms.size)
            if k:
                exporters.append(self.rng.choice(firms, size=k, replace=False))
        if not exporters:
            return
        firms = np.sort(np.concatenate(exporters))
        weights = self.near_market_weights()
        markets = (self.rng.choice(self.n_markets, size=firms.size, p=weights)
                   + self.market_offset[self.firms.cluster[firms]])
        partners = np.array([self.rng.choice(self.partners_by_market[m]) for m in markets])
        ep = self.params.export
        rows = self.relations.add(firms, partners, np.full(firms.size, ep.initial_tie_trust),
                                  np.full(firms.size, ep.initial_tie_trust))
        self.relations.tie[rows] = True
        self.relations.tie_since[rows] = -2 * ep.young_tie_months  # established at the start
        self.relations.last_contact[rows] = 0
        self.firms.experience[firms] = ep.initial_experience
        self.firms.export_spell_start[firms] = -2 * ep.young_tie_months

    # -- the month (ODD §3, line by line) -------------------------------------------------------
    def step(self) -> None:
        """One month, in the order of ODD §3 (docs/ODD.md, "Process overview and scheduling")."""
        bookkeeping.start_month(self)                                  # 1. bookkeeping
        funding.pay_public_funding(self)                               # 2. public funding
        budgets.run_facilitator_budgets(self)                          # 3. facilitator budgets
        opportunities.refresh_opportunities(self)                      # 4. opportunities
        services.organise_services(self)                               # 5. facilitators act
        search.search_partners_alone(self)                             # 6. firms act: search,
        search.refer_partners_to_peers(self)                           #    referrals,
        search.follow_up_relations(self)                               #    follow-ups,
        search.revisit_known_partners(self)                            #    revisits on trips
        contacts.apply_contacts(self)                                  # 7. trust from contacts
        coopetition.meet_peers(self)                                   # 8. co-opetition
        ties.form_export_ties(self)                                    # 9. export ties form
        ties.maintain_export_ties(self)                                # 10. ties are maintained
        membership.update_membership(self)                             # 11. membership
        development.develop_organisations(self)                        # 12. ageing, development
        if self.month % FORGET_EVERY_MONTHS == 0:                      #     and, once a year,
            development.forget_faded_relations(self)                   #     forgetting
        if self.month % self.collect_every == 0:                       # 13. observation
            self.collect()

    # -- outputs -------------------------------------------------------------------------------
    @property
    def collected_this_month(self) -> bool:
        return self.last_collected_month == self.month

    def collect(self) -> None:
        """Compute and record the indicators of the current month (once per month)."""
        if self.last_collected_month == self.month:
            return
        self.last_collected_month = self.month
        if self.n_replicas > 1:  # a batch: each replica's indicators, in its own rows
            for r, (kpis, rows) in enumerate(replica_kpis(self)):
                self.replica_kpi_rows[r].append({"step": self.month, **kpis})
                self.replica_cluster_rows[r].extend({"step": self.month, **row} for row in rows)
            return
        self.current_kpis, self.current_cluster_rows = compute_kpis(self)
        self.datacollector.collect(self)
        if self.firm_table_parts is not None:
            self.firm_table_parts.append({"Step": np.full(self.firms.n, self.steps, np.int64),
                                          "AgentID": self.firm_agent_ids,
                                          **firm_rows(self)})
        # the rows of every cluster at once (what add_table_row does row by row)
        table, rows = self.datacollector.tables["cluster_kpis"], self.current_cluster_rows
        for column, values in table.items():
            values.extend([self.month] * len(rows) if column == "step"
                          else [row[column] for row in rows])


def _month(model: ClusterModel) -> int:
    return model.month


def _kpi_reporter(name: str):
    def report(model: ClusterModel) -> float:
        return model.current_kpis[name]

    report.__name__ = f"kpi_{name}"
    return report


# The firm table's columns as Mesa agent reporters (Firm attributes); the model builds the same
# table from its arrays (processes.observation.firm_rows), tests compare the two.
FIRM_REPORTERS = {
    "firm": "index",
    "cluster": "cluster",
    "kind": "kind",
    "member": "is_member",
    "committed": "is_committed",
    "satisfaction": "satisfaction",
    "trust_in_facilitator": "trust_in_facilitator",
    "experience": "experience",
    "n_ties": "n_ties",
}

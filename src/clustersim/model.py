"""ClusterModel: builds agents from a scenario, owns the state arrays and runs the month.

One step is one month. The schedule (docs/ODD.md, "Process overview and scheduling"):

1. public funding: the pool is split across eligible clusters and each scheme pays grants or
   vouchers;
2. facilitators collect fees and EU money and pay their staff;
3. partner needs open and expire;
4. facilitators (in random order) visit members and organise events, which produce contacts;
5. firms search on their own, refer partners to trusted peers, follow up partners they begin to
   trust, and on trips abroad revisit the partners they know there;
6. all contacts of the month update trust; relations without contact decay;
7. peers meet in co-opetition;
8. live needs meet trusted, capable and responsive firms: export ties form;
9. ties earn revenue, teach experience, and may break;
10. members update satisfaction; some leave or join; the organisation ages; once a year faded
    relations are forgotten;
11. indicators are collected.
"""

from __future__ import annotations

import mesa
import numpy as np

from clustersim.agents import Facilitator, Firm, ForeignPartner
from clustersim.contacts import ContactBuffer
from clustersim.mechanisms import (
    budget,
    coopetition,
    coordination,
    language,
    learning,
    lifecycle,
    membership,
    opportunities,
    referrals,
    trust,
)
from clustersim.outputs.kpis import CLUSTER_KPI_NAMES, KPI_NAMES, compute_kpis
from clustersim.policy import FundingContext, allocate_pool, eligible_clusters, make_scheme
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

FORGET_EVERY_MONTHS = 12  # bookkeeping only: how often faded relations are dropped from memory


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


class ClusterModel(mesa.Model):
    """Firms, cluster facilitators and foreign partners evolving trust, cooperation and export
    ties under a policy scenario. Build from a validated :class:`~clustersim.scenario.Scenario`.

    Args:
        scenario: the validated scenario.
        seed: overrides ``scenario.seed``; an int or a ``numpy.random.SeedSequence``.
        collect_agent_tables: also record agent-level tables (default: ``scenario.output``).
        collect_every: record indicators every k-th month only (and whenever :meth:`collect` is
            called); sweeps that keep final states save the indicator work of other months.
    """

    def __init__(self, scenario: Scenario, *, seed: int | np.random.SeedSequence | None = None,
                 collect_agent_tables: bool | None = None, collect_every: int = 1):
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
        # (participants, market, translation level) of this month's trips abroad
        self.trips: list[tuple[np.ndarray, int, float]] = []
        self.events_this_month = 0
        self.events_held_this_month = 0
        self.new_ties_this_step = 0
        self.export_revenue_this_step = 0.0
        self.cooperation_rate_this_step = float("nan")
        self.clusters = expand_clusters(scenario.clusters)
        self.collect_cluster_tables = len(self.clusters) > 1
        self.facilitated_recent = np.zeros(len(self.clusters), np.int64)

        self._build_markets(scenario)
        self._build_facilitators()
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
        self.datacollector = mesa.DataCollector(
            model_reporters={"step": _month, **{name: _kpi_reporter(name) for name in KPI_NAMES}},
            agenttype_reporters={Firm: FIRM_REPORTERS} if agent_tables else None,
            tables={"cluster_kpis": ["step", "cluster", *CLUSTER_KPI_NAMES]},
        )
        self.collect()

    # -- construction --------------------------------------------------------------------------
    def _build_markets(self, scenario: Scenario) -> None:
        # markets in name order: the run does not depend on the order they are written in, so
        # equal scenario hashes mean equal runs
        self.market_names = sorted(scenario.markets)
        m = [scenario.markets[name] for name in self.market_names]
        self.market_barrier = np.array([x.language_barrier for x in m])
        self.market_distance = np.array([x.psychic_distance for x in m])
        self.market_size = np.array([x.size for x in m])
        self.market_size_rel = self.market_size / self.market_size.mean()

    def _build_facilitators(self) -> None:
        n_c, n_m = len(self.clusters), len(self.market_names)
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
                    if origin == other and i != j:
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
        )
        self.membership_fee = np.array([c.facilitator.membership_fee for c in self.clusters])
        self.offers_translation = np.array([Service.TRANSLATION in c.facilitator.services
                                            for c in self.clusters])
        self.wage_per_staff = np.array([c.facilitator.monthly_cost_per_staff
                                        for c in self.clusters])
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
        n_m = len(self.market_names)
        n_p = max(n_m, round(scenario.partners_per_firm * self.firms.n))
        share = self.market_size / self.market_size.sum()
        # every market has at least one partner; the rest are spread in proportion to size
        market = np.sort(np.concatenate([np.arange(n_m),
                                         self.rng.choice(n_m, size=n_p - n_m, p=share)]))
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
                                   for m in range(len(self.market_names))]
        self.relations = RelationTable(n_p, capacity=max(1024, 4 * self.firms.n))
        self._refresh_live_partners()

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
        markets = self.rng.choice(len(self.market_names), size=firms.size, p=weights)
        partners = np.array([self.rng.choice(self.partners_by_market[m]) for m in markets])
        ep = self.params.export
        rows = self.relations.add(firms, partners, np.full(firms.size, ep.initial_tie_trust),
                                  np.full(firms.size, ep.initial_tie_trust))
        self.relations.tie[rows] = True
        self.relations.tie_since[rows] = -2 * ep.young_tie_months  # established at the start
        self.relations.last_contact[rows] = 0
        self.firms.experience[firms] = ep.initial_experience
        self.firms.export_spell_start[firms] = -2 * ep.young_tie_months

    # -- helpers used by agents ----------------------------------------------------------------
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

    def brokering_effectiveness(self, cluster: int) -> float:
        """Embryonic clusters find matches harder (seed 000); a skilled manager finds more."""
        stage = self.cluster_stages()[cluster]
        level = lifecycle.matchmaking_effectiveness(stage, self.params.lifecycle
                                                    .embryonic_matchmaking)
        return float(level * (0.5 + self.facilitators.manager_skill[cluster]))

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

    def choose_participants(self, members: np.ndarray, k: int, cluster: int,
                            export_promotion: bool = True) -> np.ndarray:
        """Members who take part in an event: more likely if they trust the facilitator, want to
        export and hold vouchers to pay with; for export promotion (trips, matchmaking, partner
        search) also if they are ready to export anyway (self-selection: the deadweight of
        support, Munch & Schaur 2018). A chosen firm declines when the fee weighs on its
        resources (``facilitation.price_sensitivity``)."""
        if k <= 0 or members.size == 0:
            return np.zeros(0, np.int64)
        f, fp = self.firms, self.params.facilitation
        has_voucher = f.voucher_balance[members] > 0
        selection = fp.readiness_selection if export_promotion else 0.0
        weight = (f.trust_in_facilitator[members] * f.export_motivation[members]
                  * self.export_readiness(members) ** selection
                  * (1.0 + has_voucher)) + 1e-12
        chosen = weighted_sample(members, weight, min(k, members.size), self.rng)
        fee_share = self.facilitators.service_fee_share[cluster]
        decline = (fee_share * fp.price_sensitivity * (1.0 - f.resources[chosen])
                   * (f.voucher_balance[chosen] <= 0))
        return chosen[self.rng.random(chosen.size) >= decline]

    def quote_service_fees(self, participants: np.ndarray, event_cost: float,
                           fee_share: float) -> tuple[np.ndarray, np.ndarray]:
        """What each participant would pay for an event: (from vouchers, from own money).

        Vouchers cover up to the participant's full share of the cost; without vouchers a firm
        pays ``fee_share`` of its share (the rest is the facilitator's subsidy)."""
        per_firm_full = event_cost / participants.size
        from_voucher = np.minimum(self.firms.voucher_balance[participants], per_firm_full)
        private = np.maximum(0.0, fee_share * per_firm_full - from_voucher)
        return from_voucher, private

    def collect_service_fees(self, cluster: int, participants: np.ndarray, event_cost: float,
                             fee_share: float) -> None:
        """Participants pay for an event: vouchers are booked as public, fees as private income."""
        from_voucher, private = self.quote_service_fees(participants, event_cost, fee_share)
        self.firms.voucher_balance[participants] -= from_voucher
        voucher_total = float(from_voucher.sum())
        if voucher_total:  # public money, already counted as spent when the voucher was issued
            self.facilitators.receive_one("public", cluster, voucher_total, self.month)
        self.facilitators.receive_one("services", cluster, float(private.sum()), self.month)

    def record_personal_contact(self, firms: np.ndarray, in_person: bool) -> None:
        """Management met these firms: trust in the facilitator grows (seed 001, 003)."""
        tp = self.params.trust
        strength = tp.in_person_strength if in_person else tp.remote_strength
        f = self.firms
        f.trust_in_facilitator[firms] = trust.trust_after_good_contact(
            f.trust_in_facilitator[firms], np.full(firms.size, strength), tp.gain_rate)
        if in_person:
            f.last_personal_contact[firms] = self.month

    def record_participation(self, firms: np.ndarray, in_person: bool, active: bool) -> None:
        """Event participants: a day of joint activity if the event is active (ESCA counts no
        passive attendance, seed 003) and, in person, a shared event."""
        self.firms.last_participation[firms] = self.month
        self.events_held_this_month += 1
        if active or self.params.membership.passive_counts_as_collaboration:
            self.firms.collaboration_days[firms, self.month % 12] += 1
        if in_person:
            self.events_this_month += 1
            self.firms.last_event[firms] = self.events_this_month
        self.record_personal_contact(firms, in_person)

    def record_trip(self, firms: np.ndarray, market: int, translation: float) -> None:
        """Participants of a trip abroad also meet the partners they already know there."""
        self.trips.append((firms, market, translation))

    def near_market_weights(self) -> np.ndarray:
        """Where firms look first on their own: large, psychically near markets (Uppsala,
        Johanson & Vahlne 1977); if every market is maximally distant, by size alone."""
        weights = self.market_size * (1.0 - self.market_distance) ** 2
        if weights.sum() <= 0:
            weights = self.market_size.copy()
        return weights / weights.sum()

    def choose_market(self, cluster: int) -> int:
        """Target market of a trip: large, near markets first (Uppsala), agreement markets
        preferred (the memorandum gives a host, seed 000)."""
        weights = (self.market_size * (1.0 - 0.5 * self.market_distance)
                   * (1.0 + self.params.facilitation.trip_agreement_weight
                      * self.facilitators.agreements[cluster]))
        return int(self.rng.choice(weights.size, p=weights / weights.sum()))

    def sample_partners(self, market: int | None, k: int, live_only: bool) -> np.ndarray:
        """``k`` partners (with repetition) from one market or all, optionally only live needs."""
        if market is None:
            pool = self.live_partners if live_only else np.arange(self.partners.n)
        else:
            pool = self.live_by_market[market] if live_only else self.partners_by_market[market]
        if pool.size == 0 or k <= 0:
            return np.zeros(0, np.int64)
        return pool[self.rng.integers(0, pool.size, k)]

    def _refresh_live_partners(self) -> None:
        p = self.partners
        live = opportunities.is_live(p.open_need, p.need_expires, self.month)
        self.live_partners = np.flatnonzero(live)
        self.live_by_market = [self.live_partners[p.market[self.live_partners] == m]
                               for m in range(len(self.market_names))]

    # -- the month -----------------------------------------------------------------------------
    def step(self) -> None:
        self.month += 1
        self.firms.benefit[:] = 0.0
        self.firms.last_event[:] = -1
        self.events_this_month = 0
        self.events_held_this_month = 0
        self.firms.collaboration_days[:, self.month % 12] = 0
        self.facilitators.start_month(self.month)
        self.pay_public_funding()
        self.run_facilitator_budgets()
        self.refresh_opportunities()
        self.facilitated_recent = self.facilitated_ties_per_cluster()
        self.agents_by_type[Facilitator].shuffle_do("organise_services")
        self.search_partners_alone()
        self.refer_partners_to_peers()
        self.follow_up_relations()
        self.revisit_known_partners()
        self.apply_contacts()
        self.meet_peers()
        self.form_export_ties()
        self.maintain_export_ties()
        self.update_membership()
        self.develop_organisations()
        if self.month % FORGET_EVERY_MONTHS == 0:
            self.forget_faded_relations()
        if self.month % self.collect_every == 0:
            self.collect()

    def pay_public_funding(self) -> None:
        fac, f = self.facilitators, self.funding
        performance = fac.new_ties_ring.sum(axis=1) / np.maximum(self.cluster_n_firms, 1)
        allocation = allocate_pool(f.annual_budget / 12.0, self.eligible, str(f.allocation),
                                   self.cluster_n_firms, self.cluster_stages(), performance,
                                   f.key_clusters)
        ctx = FundingContext(
            month=self.month,
            allocation=allocation,
            private_income_last_month=fac.private_income_in(self.month - 1),
            new_ties_last_12_months=fac.new_ties_ring.sum(axis=1).astype(float),
            n_firms=self.cluster_n_firms,
        )
        decision = self.scheme.decide(ctx)
        fac.receive("public", decision.to_facilitators, self.month)
        fac.public_spent += decision.to_facilitators
        self._distribute_vouchers(decision.vouchers)

    def _distribute_vouchers(self, per_cluster: np.ndarray) -> None:
        """Vouchers go to eligible member firms in equal parts. The programme's money counts as
        spent when a voucher is issued (the budget is committed); firms spend it on services."""
        if not per_cluster.any():
            return
        f = self.firms
        holders = f.member & self.voucher_eligible
        counts = np.bincount(f.cluster[holders], minlength=self.facilitators.n)
        issued = np.where(counts > 0, per_cluster, 0.0)
        per_firm = np.divide(issued, counts, out=np.zeros_like(issued), where=counts > 0)
        f.voucher_balance[holders] += per_firm[f.cluster[holders]]
        self.facilitators.public_spent += issued

    def develop_organisations(self) -> None:
        """Organisations age; they develop in months they are active (staff paid, services
        delivered) and regress while inactive (life cycle follows state, seed 000/003)."""
        fac, f, lc = self.facilitators, self.firms, self.params.lifecycle
        fac.age_months += 1
        served = (f.last_participation == self.month) | (f.last_personal_contact == self.month)
        delivered = np.bincount(f.cluster[served], minlength=fac.n) > 0
        active = delivered & (fac.effective_staff >= lc.active_min_staff_share * fac.staff)
        fac.maturity = np.maximum(0.0, np.where(active, fac.maturity + 1.0,
                                                fac.maturity - lc.regression_per_inactive_month))

    def run_facilitator_budgets(self) -> None:
        fac = self.facilitators
        fees = budget.membership_fees(self.firms.member, self.firms.cluster, self.membership_fee,
                                      fac.n)
        fac.receive("fees", fees, self.month)
        eu = np.array([c.facilitator.eu_project_income
                       if self.month <= c.facilitator.eu_project_months else 0.0
                       for c in self.clusters])
        fac.receive("eu", eu, self.month)
        fac.balance, fac.effective_staff = budget.pay_staff(fac.balance, fac.staff,
                                                            self.wage_per_staff)
        fp = self.params.facilitation
        base = np.array([c.facilitator.service_fee_share for c in self.clusters])
        fac.service_fee_share = budget.adapt_service_fees(
            fac.service_fee_share, base, fac.balance, fp.reserve_months * fac.staff
            * self.wage_per_staff, fp.fee_adaptation, fp.max_service_fee_share)

    def refresh_opportunities(self) -> None:
        p, op = self.partners, self.params.opportunities
        opportunities.refresh_needs(p.open_need, p.need_expires, p.need_level, self.month,
                                    op.open_prob_per_month, op.window_months, self.rng,
                                    self.params.traits.need_level_min,
                                    self.params.traits.need_level_max)
        self._refresh_live_partners()

    def search_partners_alone(self) -> None:
        """Motivated firms with resources contact partners themselves, near markets first,
        mostly by e-mail and phone, in person when they can afford a trip; experience makes them
        bolder (Uppsala, assumption); exporters mostly look in markets they already serve; a
        language barrier loses answers (seed 000)."""
        f, ep = self.firms, self.params.export
        prob = ep.own_search_prob * f.export_motivation * f.resources * (1.0 + f.experience)
        searching = np.flatnonzero(self.rng.random(f.n) < prob)
        if searching.size == 0:
            return
        weights = self.near_market_weights()
        markets = self.rng.choice(weights.size, size=searching.size, p=weights)
        # exporters deepen the markets they know before they move on (Uppsala: commitment grows
        # market by market, Johanson & Vahlne 1977)
        offsets_t, tie_partners = self.relations.tie_partners_csr(f.n)
        n_ties = offsets_t[searching + 1] - offsets_t[searching]
        deepen = (n_ties > 0) & (self.rng.random(searching.size) < ep.known_market_focus)
        which = offsets_t[searching[deepen]] + (self.rng.random(int(deepen.sum()))
                                                 * n_ties[deepen]).astype(np.int64)
        markets[deepen] = self.partners.market[tie_partners[which]]
        counts = np.array([self.partners_by_market[m].size for m in range(weights.size)])
        offsets = np.concatenate(([0], np.cumsum(counts)))[:-1]
        flat = np.concatenate(self.partners_by_market)
        pick = offsets[markets] + (self.rng.random(searching.size) * counts[markets]).astype(int)
        barrier = language.effective_language_barrier(
            self.market_barrier[markets], f.language_skill[searching], 0.0,
            self.params.language.translation_effect)
        answered = self.rng.random(searching.size) >= ep.search_language_weight * barrier
        # firms with means also travel on their own (a fair, a customer visit)
        travels = self.rng.random(searching.size) < ep.own_search_in_person * f.resources[searching]
        self.contacts.add(searching[answered & travels], flat[pick][answered & travels],
                          in_person=True)
        self.contacts.add(searching[answered & ~travels], flat[pick][answered & ~travels],
                          in_person=False)

    def refer_partners_to_peers(self) -> None:
        npar = self.params.network
        offsets, tie_partners = self.relations.tie_partners_csr(self.firms.n)
        reverse_trust = self.peers.trust[self.peers.reverse]  # how much dst trusts src
        firms, partners = referrals.referral_contacts(
            self.peers.src, self.peers.dst, reverse_trust, offsets, tie_partners,
            npar.referral_trust_threshold, npar.referral_prob, self.rng)
        self.contacts.add(firms, partners, in_person=False,
                          trust_bonus=self.params.trust.reputation_spillover * 0.5)

    def follow_up_relations(self) -> None:
        """Firms keep in remote touch with partners they have begun to trust (assumption)."""
        rel, ep, f = self.relations, self.params.export, self.firms
        n = rel.n
        warm = ~rel.tie[:n] & (rel.trust_fp[:n] >= ep.follow_up_min_trust)
        rows = np.flatnonzero(warm)
        prob = ep.follow_up_prob * f.export_motivation[rel.firm[rows]]
        rows = rows[self.rng.random(rows.size) < prob]
        self.contacts.add(rel.firm[rows], rel.partner[rows], in_person=False)

    def revisit_known_partners(self) -> None:
        """On a trip abroad, participants meet again the partners they know in that market."""
        if not self.trips:
            return
        rel, n_m = self.relations, len(self.market_names)
        trip_keys = np.concatenate([firms.astype(np.int64) * n_m + market
                                    for firms, market, _ in self.trips])
        trip_translation = np.concatenate([np.full(firms.size, level)
                                           for firms, _, level in self.trips])
        self.trips = []
        visited, inverse = np.unique(trip_keys, return_inverse=True)
        translation = np.zeros(visited.size)
        np.maximum.at(translation, inverse, trip_translation)  # best-supported trip counts
        n = rel.n
        key = rel.firm[:n] * n_m + self.partners.market[rel.partner[:n]]
        pos = np.minimum(np.searchsorted(visited, key), visited.size - 1)
        rows = np.flatnonzero((visited[pos] == key) & (rel.trust_fp[:n] > 0))
        for level in np.unique(translation[pos[rows]]):
            same = rows[translation[pos[rows]] == level]
            self.contacts.add(rel.firm[same], rel.partner[same], in_person=True,
                              translation=float(level), facilitated=True)

    def apply_contacts(self) -> None:
        """Every contact of the month builds (or, after a bad experience, destroys) trust."""
        c = self.contacts.drain()
        rel, f, tp, lp = self.relations, self.firms, self.params.trust, self.params.language
        rows = rel.lookup(c["firms"], c["partners"])
        new = rows < 0
        if new.any():
            rows[new] = self._open_relations(c["firms"][new], c["partners"][new],
                                             c["trust_bonus"][new])
            f.benefit[c["firms"][new]] += self.params.membership.benefit_new_contact
        # ties are kept up by remote contact as far as the firm keeps up with its partners
        # (responsiveness falls with the number of ties, seed 000); the rest decays
        touched = np.zeros(rel.n, bool)
        touched[rows] = True
        ties = rel.view("tie")
        upkeep = np.flatnonzero(ties & ~touched)
        cp = self.params.coordination
        ties_of_firm = rel.ties_per_firm(f.n)[rel.firm[upkeep]]
        keep_up = (self.params.export.tie_upkeep_prob
                   * coordination.responsiveness(np.maximum(ties_of_firm - 1, 0),
                                                 self.coordination_cost,
                                                 cp.responsiveness_halving))
        upkeep = upkeep[self.rng.random(upkeep.size) < keep_up]
        touched[upkeep] = True
        all_rows = np.concatenate([rows, upkeep])
        in_person = np.concatenate([c["in_person"], np.zeros(upkeep.size, bool)])
        translation = np.concatenate([c["translation"], np.zeros(upkeep.size)])
        firm, partner = rel.firm[all_rows], rel.partner[all_rows]
        market = self.partners.market[partner]
        barrier = language.effective_language_barrier(
            self.market_barrier[market], f.language_skill[firm], translation,
            lp.translation_effect)
        channel = trust.channel_strength(in_person, tp.in_person_strength, tp.remote_strength)
        quality = language.contact_quality(channel, barrier, self.market_distance[market],
                                           lp.distance_weight)
        bad = self.rng.random(all_rows.size) < tp.bad_experience_prob
        rel.trust_fp[all_rows] = trust.update_trust(rel.trust_fp[all_rows], quality, bad,
                                                    tp.gain_rate, tp.loss_rate)
        partner_quality = quality * (0.5 + 0.5 * f.capability[firm])  # partners value capability
        rel.trust_pf[all_rows] = trust.update_trust(rel.trust_pf[all_rows], partner_quality, bad,
                                                    tp.gain_rate, tp.loss_rate)
        rel.last_contact[all_rows] = self.month
        rel.facilitated[rows] |= c["facilitated"]
        idle = ~touched
        rel.trust_fp[: rel.n][idle] = trust.decay_trust(rel.trust_fp[: rel.n][idle],
                                                        tp.decay_per_month)
        rel.trust_pf[: rel.n][idle] = trust.decay_trust(rel.trust_pf[: rel.n][idle],
                                                        tp.decay_per_month)

    def _open_relations(self, firms: np.ndarray, partners: np.ndarray,
                        bonus: np.ndarray) -> np.ndarray:
        """First meetings: the partner lends the newcomer part of its trust in the newcomer's
        cluster (reputation spill-over, seed 000)."""
        rel, tp = self.relations, self.params.trust
        reputation = referrals.reputation_of_cluster(
            rel.view("partner"), self.firms.cluster[rel.view("firm")], rel.view("trust_pf"),
            self.facilitators.n, partners, self.firms.cluster[firms])
        base = tp.initial_partner_trust
        trust_fp = np.clip(base + bonus, 0, 1)
        trust_pf = np.clip(np.maximum(base + bonus, tp.reputation_spillover * reputation), 0, 1)
        return rel.add(firms, partners, trust_fp, trust_pf)

    def meet_peers(self) -> None:
        npar, tp, f, peers = self.params.network, self.params.trust, self.firms, self.peers
        if peers.n == 0:
            self.cooperation_rate_this_step = float("nan")
            return
        fear = f.competition_fear * npar.competition_fear
        outcome = coopetition.play_coopetition(
            peers.src, peers.trust, peers.reverse, fear[peers.src], fear[peers.dst],
            self.peer_same_kind, npar.interaction_prob, tp.gain_rate, tp.loss_rate,
            npar.cooperation_propensity, self.rng)
        met = np.zeros(peers.n, bool)
        met[outcome.met] = True
        met[peers.reverse[outcome.met]] = True
        joint = coopetition.links_met_at_events(f.last_event, peers.src, peers.dst)
        new_trust = np.where(joint, trust.trust_after_good_contact(
            outcome.trust, np.full(peers.n, tp.in_person_strength), tp.gain_rate), outcome.trust)
        peers.trust = np.where(met | joint, new_trust,
                               trust.decay_trust(new_trust, tp.decay_per_month))
        self.cooperation_rate_this_step = outcome.cooperation_rate
        a = peers.src[outcome.met[outcome.mutual]]
        b = peers.dst[outcome.met[outcome.mutual]]
        both = np.concatenate([a, b])
        # bilateral cooperation is not an ESCA collaboration day: ESCA counts the cluster
        # organisation's collaborative activities (seed 003), booked in record_participation
        f.benefit[both] += self.params.membership.benefit_cooperation
        # cooperating peers share market knowledge (seed 000): the less experienced learns
        gap = f.experience[a] - f.experience[b]
        np.add.at(f.experience, b, npar.knowledge_sharing * np.maximum(gap, 0))
        np.add.at(f.experience, a, npar.knowledge_sharing * np.maximum(-gap, 0))

    def form_export_ties(self) -> None:
        """A live need meets a firm both sides trust, that can serve it and afford it."""
        rel, f, ep, cp = self.relations, self.firms, self.params.export, self.params.coordination
        self.new_ties_this_step = 0
        n = rel.n
        partner = rel.partner[:n]
        p = self.partners
        live = opportunities.is_live(p.open_need[partner], p.need_expires[partner], self.month)
        th = ep.tie_trust_threshold
        cand = np.flatnonzero(~rel.tie[:n] & live & (rel.trust_fp[:n] >= th)
                              & (rel.trust_pf[:n] >= th))
        if cand.size == 0:
            return
        firm, partner = rel.firm[cand], rel.partner[cand]
        cand = cand[opportunities.capability_fits(f.capability[firm], p.need_level[partner],
                                                  ep.capability_tolerance)]
        if cand.size == 0:
            return
        firm, partner = rel.firm[cand], rel.partner[cand]
        market = p.market[partner]
        ties_now = rel.ties_per_firm(f.n)[firm]
        new_market = ~rel.firm_serves_market(firm, market, p.market)
        # the facilitator's translation also serves the negotiations of the contacts it brokered
        translation = np.where(rel.facilitated[cand] & self.offers_translation[f.cluster[firm]],
                               self.translation_support, 0.0)
        barrier = language.effective_language_barrier(
            self.market_barrier[market], f.language_skill[firm], translation,
            self.params.language.translation_effect)
        entry = (learning.market_entry_cost(ep.entry_cost, self.market_distance[market],
                                            f.experience[firm], ep.learning_rate)
                 * (1.0 + ep.entry_language_weight * barrier))
        entry = np.where(new_market,
                         entry * (1.0 - ep.facilitation_entry_support * rel.facilitated[cand]),
                         0.0)
        # larger firms have more people to keep relationships: capacity grows with scale
        load = (coordination.coordination_load(ties_now + 1, self.coordination_cost,
                                               cp.firm_cost_per_tie, cp.exponent)
                / f.scale[firm] ** cp.scale_elasticity)
        feasible = (f.resources[firm] - load >= entry) & (f.export_blocked_until[firm]
                                                          < self.month)
        prob = (ep.base_match_prob * f.export_motivation[firm]
                * coordination.responsiveness(ties_now, self.coordination_cost,
                                              cp.responsiveness_halving))
        accept = feasible & (self.rng.random(cand.size) < prob)
        cand = cand[accept]
        if cand.size == 0:
            return
        # one firm fills a need; a firm takes on at most a few new ties a month
        cand = self.rng.permutation(cand)
        _, first_by_partner = np.unique(rel.partner[cand], return_index=True)
        cand = cand[np.sort(first_by_partner)]
        cand = cand[_first_k_per_group(rel.firm[cand], ep.max_new_ties_per_month)]
        rel.tie[cand] = True
        rel.tie_since[cand] = self.month
        p.open_need[rel.partner[cand]] = False
        firms = rel.firm[cand]
        f.benefit[firms] += self.params.membership.benefit_new_tie
        per_cluster = np.bincount(f.cluster[firms], minlength=self.facilitators.n)
        self.facilitators.new_ties_total += per_cluster
        self.facilitators.new_ties_ring[:, self.month % 12] += per_cluster
        self.new_ties_this_step = int(cand.size)

    def maintain_export_ties(self) -> None:
        """Ties earn revenue and teach experience; young ties churn more than established ones
        (Eaton et al. 2007; Roberts & Tybout 1997, recalled); over-stretched firms respond slowly
        and lose ties (seed 000); trust lost below half the threshold ends a tie."""
        rel, f, ep, cp = self.relations, self.firms, self.params.export, self.params.coordination
        rows = rel.tie_rows()
        firm = rel.firm[rows]
        self.export_revenue_this_step = float(self.export_revenue_by_firm().sum())
        markets = rel.markets_per_firm(f.n, self.partners.market)
        f.experience = learning.accumulate_experience(f.experience, markets,
                                                      ep.experience_depreciation)
        ties_now = rel.ties_per_firm(f.n)[firm]
        young = (self.month - rel.tie_since[rows]) < ep.young_tie_months
        hazard = np.where(young, ep.tie_hazard_new, ep.tie_hazard_established)
        hazard = hazard / coordination.responsiveness(np.maximum(ties_now - 1, 0),
                                                      self.coordination_cost,
                                                      cp.responsiveness_halving)
        half = ep.tie_trust_threshold / 2
        # firm-level shocks end a firm's whole export activity: new exporters, closest to the
        # exit threshold, stop most often (sunk-cost hysteresis, Roberts & Tybout 1997;
        # Eaton et al. 2007: most new exporters stop the next year)
        spell = self.month - f.export_spell_start
        firm_hazard = np.where(spell < ep.young_tie_months, ep.firm_exit_hazard_new,
                               ep.firm_exit_hazard_established)
        shocked = (self.rng.random(f.n) < firm_hazard) & (f.export_spell_start != NEVER)
        if ep.shock_months > 0 and shocked.any():  # the shock lasts: no exporting meanwhile
            f.export_blocked_until[shocked] = self.month + self.rng.geometric(
                1.0 / ep.shock_months, int(shocked.sum()))
        broken = ((self.rng.random(rows.size) < hazard) | (rel.trust_fp[rows] < half)
                  | (rel.trust_pf[rows] < half) | shocked[firm])
        ended = rows[broken]
        rel.tie[ended] = False
        rel.trust_fp[ended] *= ep.break_trust_retained  # an ended tie is a disappointment
        rel.trust_pf[ended] *= ep.break_trust_retained
        self.update_export_spells()

    def update_export_spells(self) -> None:
        """Month each firm's current export spell began (``NEVER`` while it does not export)."""
        f = self.firms
        exporting = self.relations.ties_per_firm(f.n) > 0
        f.export_spell_start = np.where(
            exporting, np.where(f.export_spell_start == NEVER, self.month, f.export_spell_start),
            NEVER)

    def update_membership(self) -> None:
        f, mp = self.firms, self.params.membership
        member = f.member
        burden = membership.fee_burden(self.membership_fee[f.cluster], f.resources,
                                       mp.fee_sensitivity)
        updated = membership.update_satisfaction(f.satisfaction, f.benefit, burden,
                                                 mp.neutral_satisfaction, mp.satisfaction_memory)
        f.satisfaction = np.where(member, updated, f.satisfaction)
        tp = self.params.trust
        not_met = f.last_personal_contact < self.month
        f.trust_in_facilitator = np.where(
            not_met, trust.decay_trust(f.trust_in_facilitator, tp.decay_per_month / 2),
            f.trust_in_facilitator)
        if mp.value_drives_facilitator_trust:
            let_down = member & (f.satisfaction < mp.exit_threshold)
            strength = (mp.exit_threshold - f.satisfaction[let_down]) / max(mp.exit_threshold,
                                                                            1e-9)
            f.trust_in_facilitator[let_down] = trust.trust_after_bad_contact(
                f.trust_in_facilitator[let_down], strength, tp.loss_rate)
        leaving = membership.leaving(member, f.satisfaction, mp.exit_threshold, mp.exit_prob,
                                     self.rng)
        sums = np.bincount(f.cluster[member], weights=f.satisfaction[member],
                           minlength=self.facilitators.n)
        counts = np.bincount(f.cluster[member], minlength=self.facilitators.n)
        reputation = np.divide(sums, counts, out=np.zeros(self.facilitators.n), where=counts > 0)
        joining = membership.joining(member, reputation[f.cluster], mp.join_threshold,
                                     mp.join_prob, self.rng)
        f.member = (member & ~leaving) | joining
        f.satisfaction[joining] = mp.initial_satisfaction
        f.voucher_balance[~f.member] = 0.0
        f.committed = membership.committed(f.member, f.satisfaction,
                                           self.month - f.last_participation,
                                           mp.commitment_threshold)

    def forget_faded_relations(self) -> None:
        rel, floor = self.relations, self.params.trust.forget_below
        keep = rel.view("tie") | (rel.view("trust_fp") >= floor) | (rel.view("trust_pf") >= floor)
        rel.forget(keep)

    # -- outputs -------------------------------------------------------------------------------
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

    @property
    def collected_this_month(self) -> bool:
        return self.last_collected_month == self.month

    def collect(self) -> None:
        """Compute and record the indicators of the current month (once per month)."""
        if self.last_collected_month == self.month:
            return
        self.last_collected_month = self.month
        self.current_kpis, self.current_cluster_rows = compute_kpis(self)
        self.datacollector.collect(self)
        for row in self.current_cluster_rows:
            self.datacollector.add_table_row("cluster_kpis", {"step": self.month, **row})


def weighted_sample(items: np.ndarray, weights: np.ndarray, k: int,
                    rng: np.random.Generator) -> np.ndarray:
    """``k`` distinct items drawn with probability proportional to ``weights`` (successive
    sampling without replacement, by the keys u ** (1 / w) of Efraimidis & Spirakis 2006)."""
    if k >= items.size:
        return rng.permutation(items)
    keys = np.log(rng.random(items.size)) / weights
    return items[np.argpartition(-keys, k - 1)[:k]]


def _first_k_per_group(groups: np.ndarray, k: int) -> np.ndarray:
    """Positions of the first ``k`` occurrences of each value in ``groups`` (order kept)."""
    if groups.size == 0:
        return np.zeros(0, np.int64)
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    rank = np.arange(groups.size) - np.repeat(starts, np.diff(np.r_[starts, groups.size]))
    return np.sort(order[rank < k])


def _month(model: ClusterModel) -> int:
    return model.month


def _kpi_reporter(name: str):
    def report(model: ClusterModel) -> float:
        return model.current_kpis[name]

    report.__name__ = f"kpi_{name}"
    return report


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

"""ODD §3 step 5, facilitators act (7.5, 7.6): in an order shuffled every month, each cluster
organisation runs its satisfaction survey when due, visits members and organises events from its
service portfolio; events produce contacts with foreign partners, and participants pay their
share (vouchers first).

The per-facilitator rules read and change row ``i`` of the world's tables; the
:class:`~clustersim.agents.Facilitator` agent is a view on the same row.
"""

from __future__ import annotations

import numpy as np

from clustersim.mechanisms import lifecycle, trust
from clustersim.mechanisms.coordination import coordination_load, responsiveness
from clustersim.processes.opportunities import sample_partners
from clustersim.scenario.schema import FacilitatorRole, Service
from clustersim.world import World

# Services by role (seed 000 after Ingstrup & Damgaard): framework-setting facilitators work
# indirectly, for the whole ecosystem; project facilitators engage directly with firms.
FRAMEWORK_SERVICES = frozenset({Service.TRADE_FAIR, Service.INTERCLUSTER,
                                Service.MARKET_INTELLIGENCE, Service.TRAINING})
PROJECT_SERVICES = frozenset({Service.BUSINESS_MISSION, Service.MATCHMAKING,
                              Service.PARTNER_SEARCH})
EVENT_SERVICES = FRAMEWORK_SERVICES | PROJECT_SERVICES
TRIPS_ABROAD = frozenset({Service.BUSINESS_MISSION, Service.TRADE_FAIR})
# Seed 000: specialised translation for cluster SMEs "during joint foreign trips and
# organisation of study visits" -- the in-person events where members meet foreign partners.
TRANSLATED_EVENTS = TRIPS_ABROAD | {Service.MATCHMAKING}
# ESCA counts active collaboration, not passive attendance (seed 003): a briefing or a remote
# partner search done for a firm is a service, not a day of joint activity
PASSIVE_SERVICES = frozenset({Service.MARKET_INTELLIGENCE, Service.PARTNER_SEARCH})
# services that bring firms to foreign partners: the ones ready to export self-select into them
EXPORT_PROMOTION = TRIPS_ABROAD | {Service.MATCHMAKING, Service.PARTNER_SEARCH}


class ServiceMonth:
    """What stays fixed while the facilitators act in a month, computed once, not per event:
    the clusters' life-cycle stages (members and maturity change only in later steps) and, per
    cluster, the cumulative distribution of its trip markets (agreements are fixed)."""

    def __init__(self, w: World):
        self.stages = w.cluster_stages()
        self._market_cdf: dict[int, np.ndarray] = {}

    def market_cdf(self, w: World, cluster: int) -> np.ndarray:
        cdf = self._market_cdf.get(cluster)
        if cdf is None:
            cdf = self._market_cdf[cluster] = cumulative(trip_market_weights(w, cluster))
        return cdf


def cumulative(p: np.ndarray) -> np.ndarray:
    """Normalised cumulative sum of probabilities, for inverse-CDF sampling with
    :func:`draw_index` (computed as ``Generator.choice`` does, so draws are identical)."""
    cdf = np.cumsum(p)
    cdf /= cdf[-1]
    return cdf


def draw_index(cdf: np.ndarray, rng: np.random.Generator) -> int:
    """An index drawn with the probabilities of ``cdf``: one uniform number, a binary search.
    Same draw and same result as ``rng.choice(cdf.size, p=p)``, without its checks and copies."""
    return int(np.searchsorted(cdf, rng.random(), side="right"))


def organise_services(w: World, order: list[int]) -> None:
    """Every facilitator, in ``order``, spends this month's staff days and spendable money.
    Ties a facilitator brokered in the past 12 months count among its relations to keep up."""
    w.facilitated_recent = w.facilitated_ties_per_cluster()
    month = ServiceMonth(w)
    for i in order:
        organise_services_of(w, i, month)


# -- one facilitator ------------------------------------------------------------------------------
def members_of(w: World, i: int) -> np.ndarray:
    firms = w.cluster_firms[i]
    return firms[w.firms.member[firms]]


def international_relations(w: World, i: int) -> int:
    """Agreements with foreign cluster organisations plus ties it brokered this past year."""
    return int(w.facilitators.agreements[i].sum() + w.facilitated_recent[i])


def coordination_days(w: World, i: int) -> float:
    """Staff days a month consumed by keeping its international relationships alive."""
    p = w.params.coordination
    return float(coordination_load(international_relations(w, i), w.coordination_cost,
                                   p.facilitator_days_per_relation, p.exponent))


def facilitator_responsiveness(w: World, i: int) -> float:
    halving = w.params.facilitation.facilitator_responsiveness_halving
    return float(responsiveness(international_relations(w, i), w.coordination_cost, halving))


def organise_services_of(w: World, i: int, month: ServiceMonth | None = None) -> None:
    """Spend this month's staff days and spendable money on visits and events: a survey when
    due, personal visits, then events with a priority that follows the facilitator's role,
    keeping a reserve of wages for events only (visits and surveys are cheap and may use it)."""
    config = w.clusters[i].facilitator
    fac = w.facilitators
    days = fac.effective_staff[i] * config.staff_days_per_month - coordination_days(w, i)
    wage_bill = config.staff * config.monthly_cost_per_staff
    reserve = w.params.facilitation.reserve_months * wage_bill
    members = members_of(w, i)
    if members.size == 0 or days <= 0:
        return
    days = _run_survey(w, i, days)
    days = _visit_members(w, i, members, days)
    _run_events(w, i, members, days, reserve, month or ServiceMonth(w))


def _spendable(w: World, i: int, reserve: float) -> float:
    return max(0.0, float(w.facilitators.balance[i]) - reserve)


def _pay(w: World, i: int, amount: float) -> None:
    w.facilitators.balance[i] -= amount


def _run_survey(w: World, i: int, days: float) -> float:
    spec = w.params.facilitation.services[Service.SATISFACTION_SURVEY]
    fac = w.facilitators
    due = w.month >= fac.next_survey_month[i]
    if (Service.SATISFACTION_SURVEY not in w.offered_services[i] or not due
            or days < spec.staff_days or float(fac.balance[i]) < spec.cost):
        return days
    _pay(w, i, spec.cost)
    fac.next_survey_month[i] = w.month + w.clusters[i].facilitator.survey_interval_months
    fac.survey_valid_until[i] = w.month + 12
    return days - spec.staff_days


def _visit_members(w: World, i: int, members: np.ndarray, days: float) -> float:
    """Personal contact visits (ESCA, seed 003); with a recent survey, least satisfied first."""
    if Service.MEMBER_VISITS not in w.offered_services[i]:
        return days
    firms = w.firms
    spec = w.params.facilitation.services[Service.MEMBER_VISITS]
    wanted = w.params.facilitation.visits_per_staff * w.facilitators.effective_staff[i]
    affordable = min(days / max(spec.staff_days, 1e-9),
                     float(w.facilitators.balance[i]) / max(spec.cost, 1e-9))
    n = int(min(wanted, affordable, members.size))
    if n <= 0:
        return days
    if w.month <= w.facilitators.survey_valid_until[i]:
        chosen = members[np.argsort(firms.satisfaction[members], kind="stable")[:n]]
    else:
        chosen = w.rng.choice(members, size=n, replace=False)
    _pay(w, i, n * spec.cost)
    record_personal_contact(w, chosen, in_person=True)
    firms.benefit[chosen] += w.params.membership.benefit_visit
    return days - n * spec.staff_days


def _service_weights(w: World, i: int, services: list[Service]) -> np.ndarray:
    focus = w.params.facilitation.role_focus
    role = w.clusters[i].facilitator.role
    weights = []
    for s in services:
        if role == FacilitatorRole.ALL_ROUND:
            weights.append(1.0)
        elif role == FacilitatorRole.FRAMEWORK:
            weights.append(focus if s in FRAMEWORK_SERVICES else 1.0 - focus)
        else:
            weights.append(focus if s in PROJECT_SERVICES else 1.0 - focus)
    weights_arr = np.asarray(weights) + 1e-9
    return weights_arr / weights_arr.sum()


def _run_events(w: World, i: int, members: np.ndarray, days: float, reserve: float,
                month: ServiceMonth) -> None:
    specs = w.params.facilitation.services
    offered = w.offered_services[i]
    candidates = [s for s in EVENT_SERVICES if s in offered]
    candidates.sort(key=lambda s: s.value)  # deterministic order before random choice
    if Service.INTERCLUSTER in candidates and not w.facilitators.agreements[i].any():
        candidates.remove(Service.INTERCLUSTER)
    if not candidates:
        return
    cdf = cumulative(_service_weights(w, i, candidates))
    fee_share = float(w.facilitators.service_fee_share[i])
    for _ in range(w.params.facilitation.max_events_per_month):
        # the next event follows the role's priorities; if it is not affordable yet, the
        # facilitator saves up for it rather than falling back on cheaper services
        service = candidates[draw_index(cdf, w.rng)]
        spec = specs[service]
        if spec.staff_days > days:
            return
        participants = choose_participants(w, members, spec.firms, i,
                                           export_promotion=service in EXPORT_PROMOTION)
        if participants.size == 0:
            return
        # participants pay their share up front (vouchers first), so voucher holders can
        # buy services a facilitator could not fund from its own balance
        translation = _translation_level(w, i, service)
        cost = spec.cost + specs[Service.TRANSLATION].cost * translation
        if cost > _spendable(w, i, reserve) + _prepaid(w, participants, cost, fee_share):
            translation, cost = 0.0, spec.cost
            if cost > _spendable(w, i, reserve) + _prepaid(w, participants, cost, fee_share):
                return
        collect_service_fees(w, i, participants, cost, fee_share)
        _pay(w, i, cost)
        days -= spec.staff_days
        _deliver(w, i, service, participants, translation, month)


def _prepaid(w: World, participants: np.ndarray, cost: float, fee_share: float) -> float:
    voucher, private = quote_service_fees(w, participants, cost, fee_share)
    return float(voucher.sum() + private.sum())


def _translation_level(w: World, i: int, service: Service) -> float:
    if service not in TRANSLATED_EVENTS or Service.TRANSLATION not in w.offered_services[i]:
        return 0.0
    return w.translation_support


def _deliver(w: World, i: int, service: Service, participants: np.ndarray,
             translation: float, month: ServiceMonth) -> None:
    """What an event does for its participants: contacts abroad, skills or knowledge."""
    fp = w.params.facilitation
    spec = fp.services[service]
    firms = w.firms
    firms.benefit[participants] += w.params.membership.benefit_event
    record_participation(w, participants, in_person=spec.in_person,
                         active=service not in PASSIVE_SERVICES)
    if service == Service.TRAINING:
        firms.language_skill[participants] = trust.trust_after_good_contact(
            firms.language_skill[participants], np.ones(participants.size), fp.training_gain)
        firms.capability[participants] = trust.trust_after_good_contact(
            firms.capability[participants], np.ones(participants.size), fp.training_gain / 2)
        return
    if service == Service.MARKET_INTELLIGENCE:
        firms.experience[participants] += fp.intelligence_gain
        return
    effectiveness = (brokering_effectiveness(w, i, month.stages)
                     * facilitator_responsiveness(w, i))
    n_contacts = max(1, round(spec.contacts_per_firm * effectiveness))
    skill = float(w.facilitators.manager_skill[i])
    if service in (Service.BUSINESS_MISSION, Service.TRADE_FAIR):
        market = choose_market(w, i, month)
        partners = sample_partners(w, market, participants.size * n_contacts, live_only=False)
        if spec.in_person:  # a remote "mission" takes nobody abroad
            record_trip(w, participants, market, translation)
        bonus = 0.0
    elif service == Service.INTERCLUSTER:
        markets = np.flatnonzero(w.facilitators.agreements[i])
        market = int(w.rng.choice(markets))
        partners = sample_partners(w, market, participants.size * n_contacts, live_only=True)
        bonus = fp.manager_effect * skill * 0.5
    else:  # matchmaking and partner search: partners of one market with open needs
        partners = sample_partners(w, choose_market(w, i, month), participants.size * n_contacts,
                                   live_only=True)
        bonus = fp.manager_effect * skill * 0.25
    if partners.size == 0:
        return
    firms_rep = np.repeat(participants, n_contacts)[: partners.size]
    w.contacts.add(firms_rep, partners, in_person=spec.in_person, translation=translation,
                   trust_bonus=bonus, facilitated=True)


# -- participants, fees and records (7.6) ---------------------------------------------------------
def choose_participants(w: World, members: np.ndarray, k: int, cluster: int,
                        export_promotion: bool = True) -> np.ndarray:
    """Members who take part in an event: more likely if they trust the facilitator, want to
    export and hold vouchers to pay with; for export promotion (trips, matchmaking, partner
    search) also if they are ready to export anyway (self-selection: the deadweight of support,
    Munch & Schaur 2018). A chosen firm declines when the fee weighs on its resources
    (``facilitation.price_sensitivity``)."""
    if k <= 0 or members.size == 0:
        return np.zeros(0, np.int64)
    f, fp = w.firms, w.params.facilitation
    has_voucher = f.voucher_balance[members] > 0
    selection = fp.readiness_selection if export_promotion else 0.0
    weight = (f.trust_in_facilitator[members] * f.export_motivation[members]
              * w.export_readiness(members) ** selection
              * (1.0 + has_voucher)) + 1e-12
    chosen = weighted_sample(members, weight, min(k, members.size), w.rng)
    fee_share = w.facilitators.service_fee_share[cluster]
    decline = (fee_share * fp.price_sensitivity * (1.0 - f.resources[chosen])
               * (f.voucher_balance[chosen] <= 0))
    return chosen[w.rng.random(chosen.size) >= decline]


def quote_service_fees(w: World, participants: np.ndarray, event_cost: float,
                       fee_share: float) -> tuple[np.ndarray, np.ndarray]:
    """What each participant would pay for an event: (from vouchers, from own money).

    Vouchers cover up to the participant's full share of the cost; without vouchers a firm
    pays ``fee_share`` of its share (the rest is the facilitator's subsidy)."""
    per_firm_full = event_cost / participants.size
    from_voucher = np.minimum(w.firms.voucher_balance[participants], per_firm_full)
    private = np.maximum(0.0, fee_share * per_firm_full - from_voucher)
    return from_voucher, private


def collect_service_fees(w: World, cluster: int, participants: np.ndarray, event_cost: float,
                         fee_share: float) -> None:
    """Participants pay for an event: vouchers are booked as public, fees as private income."""
    from_voucher, private = quote_service_fees(w, participants, event_cost, fee_share)
    w.firms.voucher_balance[participants] -= from_voucher
    voucher_total = float(from_voucher.sum())
    if voucher_total:  # public money, already counted as spent when the voucher was issued
        w.facilitators.receive_one("public", cluster, voucher_total, w.month)
    w.facilitators.receive_one("services", cluster, float(private.sum()), w.month)


def record_personal_contact(w: World, firms: np.ndarray, in_person: bool) -> None:
    """Management met these firms: trust in the facilitator grows (seed 001, 003)."""
    tp = w.params.trust
    strength = tp.in_person_strength if in_person else tp.remote_strength
    f = w.firms
    f.trust_in_facilitator[firms] = trust.trust_after_good_contact(
        f.trust_in_facilitator[firms], np.full(firms.size, strength), tp.gain_rate)
    if in_person:
        f.last_personal_contact[firms] = w.month


def record_participation(w: World, firms: np.ndarray, in_person: bool, active: bool) -> None:
    """Event participants: a day of joint activity if the event is active (ESCA counts no
    passive attendance, seed 003) and, in person, a shared event."""
    w.firms.last_participation[firms] = w.month
    w.events_held_this_month += 1
    if active or w.params.membership.passive_counts_as_collaboration:
        w.firms.collaboration_days[firms, w.month % 12] += 1
    if in_person:
        w.events_this_month += 1
        w.firms.last_event[firms] = w.events_this_month
    record_personal_contact(w, firms, in_person)


def record_trip(w: World, firms: np.ndarray, market: int, translation: float) -> None:
    """Participants of a trip abroad also meet the partners they already know there."""
    w.trips.append((firms, market, translation))


def trip_market_weights(w: World, cluster: int) -> np.ndarray:
    """Target market of a trip: large, near markets first (Uppsala), agreement markets
    preferred (the memorandum gives a host, seed 000). Probabilities over the markets."""
    weights = (w.market_size * (1.0 - 0.5 * w.market_distance)
               * (1.0 + w.params.facilitation.trip_agreement_weight
                  * w.facilitators.agreements[cluster]))
    return weights / weights.sum()


def choose_market(w: World, cluster: int, month: ServiceMonth | None = None) -> int:
    """A trip's target market, drawn by :func:`trip_market_weights`."""
    cdf = (month.market_cdf(w, cluster) if month is not None
           else cumulative(trip_market_weights(w, cluster)))
    return draw_index(cdf, w.rng)


def brokering_effectiveness(w: World, cluster: int, stages: np.ndarray) -> float:
    """Embryonic clusters find matches harder (seed 000); a skilled manager finds more."""
    level = lifecycle.matchmaking_effectiveness(stages[cluster],
                                                w.params.lifecycle.embryonic_matchmaking)
    return float(level * (0.5 + w.facilitators.manager_skill[cluster]))


def weighted_sample(items: np.ndarray, weights: np.ndarray, k: int,
                    rng: np.random.Generator) -> np.ndarray:
    """``k`` distinct items drawn with probability proportional to ``weights`` (successive
    sampling without replacement, by the keys u ** (1 / w) of Efraimidis & Spirakis 2006)."""
    if k >= items.size:
        return rng.permutation(items)
    keys = np.log(rng.random(items.size)) / weights
    return items[np.argpartition(-keys, k - 1)[:k]]



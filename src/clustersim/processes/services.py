"""ODD §3 step 5, facilitators act (7.5, 7.6): each cluster organisation runs its satisfaction
survey when due, visits members and organises events from its service portfolio; events produce
contacts with foreign partners, and participants pay their share (vouchers first).

All facilitators act at once, as arrays over the clusters: the surveys of every cluster, then
the visits of every cluster, then the events in **rounds** -- round r is the r-th event of every
facilitator that is still organising this month. Within a cluster the sequence is the one the
rules describe (survey, visits, then one event after the other, each seeing the balance, staff
days, vouchers and trust the earlier ones left); across clusters nothing is shared but the
read-only partner pools and the month's contact buffer, so the clusters need no order between
them. A facilitator stops for the month (and saves up) at the first event it cannot staff or pay
for. Where the payments of *any* participants could not make an event affordable, that is decided
before participants are drawn.

The :class:`~clustersim.agents.Facilitator` agent is a view on row ``i`` of the world's tables;
its ``organise_services`` runs the same rounds for its cluster alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clustersim.mechanisms import lifecycle, trust
from clustersim.mechanisms.coordination import coordination_load, responsiveness
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
# event services in a fixed order (by name): the columns of the per-cluster service tables
EVENT_ORDER: tuple[Service, ...] = tuple(sorted(EVENT_SERVICES, key=lambda s: s.value))
# what an event does beyond participation (7.5, "What events do")
TRIP, INTERCLUSTER, BROKERED, TRAINING, INTELLIGENCE = range(5)
_EFFECT = {Service.BUSINESS_MISSION: TRIP, Service.TRADE_FAIR: TRIP,
           Service.INTERCLUSTER: INTERCLUSTER, Service.MATCHMAKING: BROKERED,
           Service.PARTNER_SEARCH: BROKERED, Service.TRAINING: TRAINING,
           Service.MARKET_INTELLIGENCE: INTELLIGENCE}
# broker bonus: this fraction x manager_effect x manager skill (hard-coded, ODD §9)
_BONUS_FRACTION = {TRIP: 0.0, INTERCLUSTER: 0.5, BROKERED: 0.25}
# a bound on the rounding of sums: "surely unaffordable" must never overrule the exact check
_SLACK = 1e-9


@dataclass(frozen=True)
class ServicePlan:
    """What the run's configuration fixes about the facilitators' services, as arrays: the event
    services' costs and reach (one entry per :data:`EVENT_ORDER` service) and, per cluster, the
    cumulative role weights of the event services it can organise and its translation level."""

    cost: np.ndarray
    staff_days: np.ndarray
    firms: np.ndarray
    contacts_per_firm: np.ndarray
    in_person: np.ndarray
    export_promotion: np.ndarray
    collaboration: np.ndarray  # the event counts as an ESCA collaboration day
    effect: np.ndarray  # TRIP, INTERCLUSTER, BROKERED, TRAINING or INTELLIGENCE
    bonus_fraction: np.ndarray
    service_cdf: np.ndarray  # (clusters, services): cumulative role weights, 0-weight if absent
    organises_events: np.ndarray  # (clusters,) at least one event service is possible
    translation: np.ndarray  # (clusters, services): translation level added to the event
    offers_survey: np.ndarray
    offers_visits: np.ndarray
    staff_days_per_month: np.ndarray
    survey_interval: np.ndarray
    wage_bill: np.ndarray


def plan_services(w: World) -> ServicePlan:
    """The service tables of ``w``'s clusters (configuration only; built once per run)."""
    fp = w.params.facilitation
    specs = [fp.services[s] for s in EVENT_ORDER]
    n_c, n_s = len(w.clusters), len(EVENT_ORDER)
    cdf = np.zeros((n_c, n_s))
    organises = np.zeros(n_c, bool)
    translation = np.zeros((n_c, n_s))
    for i, config in enumerate(w.clusters):
        offered = w.offered_services[i]
        candidates = [s in offered for s in EVENT_ORDER]
        if Service.INTERCLUSTER in offered and not w.facilitators.agreements[i].any():
            candidates[EVENT_ORDER.index(Service.INTERCLUSTER)] = False
        if any(candidates):
            organises[i] = True
            cdf[i] = _cumulative_role_weights(config.facilitator.role, fp.role_focus, candidates)
        if Service.TRANSLATION in offered:
            translation[i] = [w.translation_support if s in TRANSLATED_EVENTS else 0.0
                              for s in EVENT_ORDER]
    passive = np.array([s in PASSIVE_SERVICES for s in EVENT_ORDER])
    effect = np.array([_EFFECT[s] for s in EVENT_ORDER])
    return ServicePlan(
        cost=np.array([sp.cost for sp in specs], float),
        staff_days=np.array([sp.staff_days for sp in specs], float),
        firms=np.array([sp.firms for sp in specs], np.int64),
        contacts_per_firm=np.array([sp.contacts_per_firm for sp in specs], float),
        in_person=np.array([sp.in_person for sp in specs]),
        export_promotion=np.array([s in EXPORT_PROMOTION for s in EVENT_ORDER]),
        collaboration=~passive | w.params.membership.passive_counts_as_collaboration,
        effect=effect,
        bonus_fraction=np.array([_BONUS_FRACTION.get(int(e), 0.0) for e in effect]),
        service_cdf=cdf,
        organises_events=organises,
        translation=translation,
        offers_survey=np.array([Service.SATISFACTION_SURVEY in o for o in w.offered_services]),
        offers_visits=np.array([Service.MEMBER_VISITS in o for o in w.offered_services]),
        staff_days_per_month=np.array([c.facilitator.staff_days_per_month for c in w.clusters],
                                      float),
        survey_interval=np.array([c.facilitator.survey_interval_months for c in w.clusters],
                                 np.int64),
        wage_bill=np.array([c.facilitator.staff * c.facilitator.monthly_cost_per_staff
                            for c in w.clusters], float),
    )


def _cumulative_role_weights(role: FacilitatorRole, focus: float,
                             candidates: list[bool]) -> np.ndarray:
    """Cumulative, normalised role weights over :data:`EVENT_ORDER` (0 for services the cluster
    cannot organise: a zero-width step the inverse-CDF draw never lands on)."""
    weights = np.zeros(len(EVENT_ORDER))
    for j, s in enumerate(EVENT_ORDER):
        if not candidates[j]:
            continue
        if role == FacilitatorRole.ALL_ROUND:
            weights[j] = 1.0
        elif role == FacilitatorRole.FRAMEWORK:
            weights[j] = focus if s in FRAMEWORK_SERVICES else 1.0 - focus
        else:
            weights[j] = focus if s in PROJECT_SERVICES else 1.0 - focus
        weights[j] += 1e-9
    cdf = np.cumsum(weights / weights.sum())
    return cdf / cdf[-1]


def draw_rows(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF draws, one per row of ``cdf`` (a row's cumulative distribution) with uniform
    ``u``: the index ``searchsorted(row, u, side="right")`` of each row, for all rows at once."""
    return np.minimum((cdf <= u[:, None]).sum(axis=1), cdf.shape[1] - 1)


# -- views on one facilitator (used by the Facilitator agent) -------------------------------------
def members_of(w: World, i: int) -> np.ndarray:
    firms = w.cluster_firms[i]
    return firms[w.firms.member[firms]]


def international_relations_all(w: World) -> np.ndarray:
    """Per cluster: agreements with foreign cluster organisations plus ties it brokered this
    past year."""
    return w.facilitators.agreements.sum(axis=1) + w.facilitated_recent


def international_relations(w: World, i: int) -> int:
    """Agreements with foreign cluster organisations plus ties it brokered this past year."""
    return int(international_relations_all(w)[i])


def coordination_days_all(w: World) -> np.ndarray:
    """Staff days a month each facilitator spends keeping its international relations alive."""
    p = w.params.coordination
    return coordination_load(international_relations_all(w), w.coordination_cost,
                             p.facilitator_days_per_relation, p.exponent)


def coordination_days(w: World, i: int) -> float:
    """Staff days a month consumed by keeping its international relationships alive."""
    return float(coordination_days_all(w)[i])


def facilitator_responsiveness_all(w: World) -> np.ndarray:
    halving = w.params.facilitation.facilitator_responsiveness_halving
    return responsiveness(international_relations_all(w), w.coordination_cost, halving)


def facilitator_responsiveness(w: World, i: int) -> float:
    return float(facilitator_responsiveness_all(w)[i])


def brokering_effectiveness(w: World, stages: np.ndarray) -> np.ndarray:
    """Per cluster: embryonic clusters find matches harder (seed 000); a skilled manager finds
    more."""
    level = lifecycle.matchmaking_effectiveness(stages, w.params.lifecycle.embryonic_matchmaking)
    return level * (0.5 + w.facilitators.manager_skill)


def trip_market_weights(w: World) -> np.ndarray:
    """Target market of a trip, per cluster (rows): large, near markets first (Uppsala),
    agreement markets preferred (the memorandum gives a host, seed 000)."""
    size, distance = w.market_size[:w.n_markets], w.market_distance[:w.n_markets]
    weights = (size * (1.0 - 0.5 * distance)
               * (1.0 + w.params.facilitation.trip_agreement_weight
                  * w.facilitators.agreements))
    return weights / weights.sum(axis=1, keepdims=True)


# -- the month ------------------------------------------------------------------------------------
@dataclass
class _Month:
    """What the facilitators of this month work with, per cluster."""

    plan: ServicePlan
    clusters: np.ndarray  # the acting clusters
    days: np.ndarray  # staff days left (all clusters; only acting ones are used)
    reserve: np.ndarray
    members: np.ndarray  # member firms, grouped by cluster in cluster order
    member_start: np.ndarray  # members of cluster c: members[start[c]:start[c] + count[c]]
    member_count: np.ndarray


def organise_services(w: World, clusters: np.ndarray | None = None) -> None:
    """The facilitators (all, or only ``clusters``) spend this month's staff days and spendable
    money: a survey when due, personal visits, then events in rounds. Ties a facilitator brokered
    in the past 12 months count among its relations to keep up."""
    w.facilitated_recent = w.facilitated_ties_per_cluster()
    month = start_month(w, clusters)
    _run_surveys(w, month)
    _visit_members(w, month)
    _run_events(w, month)


def start_month(w: World, clusters: np.ndarray | None = None) -> _Month:
    """This month's staff days and members of the facilitators (all, or only ``clusters``); the
    acting ones have members and days left after coordinating their relations."""
    plan, fac = w.service_plan, w.facilitators
    members = np.flatnonzero(w.firms.member)
    # grouped by cluster (firms are numbered cluster by cluster, so this keeps their order)
    members = members[np.argsort(w.firms.cluster[members], kind="stable")]
    count = np.bincount(w.firms.cluster[members], minlength=fac.n)
    start = np.cumsum(count) - count
    days = fac.effective_staff * plan.staff_days_per_month - coordination_days_all(w)
    acting = (count > 0) & (days > 0)
    if clusters is not None:
        only = np.zeros(fac.n, bool)
        only[np.asarray(clusters, np.int64)] = True
        acting &= only
    return _Month(plan, np.flatnonzero(acting), days,
                  w.params.facilitation.reserve_months * plan.wage_bill, members, start, count)


def most_participants_pay(cost: np.ndarray, fee_share: np.ndarray,
                          vouchers: np.ndarray) -> np.ndarray:
    """The most any participants could pay for an event of ``cost`` (:func:`quote_service_fees`):
    each pays at most its full share from vouchers or ``fee_share`` of it privately, so all
    together at most max(1, f) x cost, and at most f x cost plus all ``vouchers`` they hold."""
    return np.minimum(np.maximum(1.0, fee_share) * cost, fee_share * cost + vouchers)


def _run_surveys(w: World, m: _Month) -> None:
    spec = w.params.facilitation.services[Service.SATISFACTION_SURVEY]
    fac, c = w.facilitators, m.clusters
    due = w.month >= fac.next_survey_month[c]
    c = c[m.plan.offers_survey[c] & due & (m.days[c] >= spec.staff_days)
          & (fac.balance[c] >= spec.cost)]
    fac.balance[c] -= spec.cost
    fac.next_survey_month[c] = w.month + m.plan.survey_interval[c]
    fac.survey_valid_until[c] = w.month + 12
    m.days[c] -= spec.staff_days


def _visit_members(w: World, m: _Month) -> None:
    """Personal contact visits (ESCA, seed 003); with a recent survey, least satisfied first,
    otherwise members at random (random keys: a draw without replacement)."""
    fac, firms = w.facilitators, w.firms
    spec = w.params.facilitation.services[Service.MEMBER_VISITS]
    c = m.clusters[m.plan.offers_visits[m.clusters]]
    wanted = w.params.facilitation.visits_per_staff * fac.effective_staff[c]
    affordable = np.minimum(m.days[c] / max(spec.staff_days, 1e-9),
                            fac.balance[c] / max(spec.cost, 1e-9))
    n = np.trunc(np.minimum(np.minimum(wanted, affordable), m.member_count[c])).astype(np.int64)
    c, n = c[n > 0], n[n > 0]
    if c.size == 0:
        return
    seg, pos, rank = _segments(m.member_start[c], m.member_count[c])
    candidates = m.members[pos]
    surveyed = w.month <= fac.survey_valid_until[c]
    key = np.where(surveyed[seg], firms.satisfaction[candidates], w.rng.random(pos.size))
    order = np.lexsort((key, seg))  # stable: equal satisfaction in firm order
    chosen = candidates[order[rank < n[seg]]]
    fac.balance[c] -= n * spec.cost
    m.days[c] -= n * spec.staff_days
    record_personal_contact(w, chosen, np.ones(chosen.size, bool))
    firms.benefit[chosen] += w.params.membership.benefit_visit


def _run_events(w: World, m: _Month) -> None:
    """Up to ``max_events_per_month`` rounds; round r is the r-th event of every facilitator
    still organising. Each draws its next service by its role's weights; it stops for the month
    if it lacks the staff days, if nobody takes part, or if the event (even without translation)
    costs more than its spendable money plus the participants' payments.

    A round changes what the next rounds read (balance, staff days, vouchers, trust in the
    facilitator, and the skills and experience training and briefings give); what no later
    round reads (participation records, benefits, contacts abroad, trips) is done once for the
    month's events in :func:`_deliver`."""
    plan, fac, fp, firms = m.plan, w.facilitators, w.params.facilitation, w.firms
    open_ = m.clusters[plan.organises_events[m.clusters]]
    translation_cost = fp.services[Service.TRANSLATION].cost
    held: list[tuple[np.ndarray, ...]] = []
    for _ in range(fp.max_events_per_month):
        if open_.size == 0:
            break
        s = draw_rows(plan.service_cdf[open_], w.rng.random(open_.size))
        staffed = plan.staff_days[s] <= m.days[open_]
        c, s = open_[staffed], s[staffed]
        # decided before participants are drawn: the event is out of reach even if its
        # participants paid the most they could (their full shares, or the fee share plus all
        # the cluster's vouchers) -- the cheaper variant, without translation, is checked
        fee = fac.service_fee_share[c]
        spendable = np.maximum(0.0, fac.balance[c] - m.reserve[c])
        cheapest = plan.cost[s]
        short = cheapest * (1.0 - np.minimum(fee, 1.0)) > spendable
        if short.any():
            vouchers = np.bincount(firms.cluster[m.members],
                                   weights=firms.voucher_balance[m.members], minlength=fac.n)[c]
            most = most_participants_pay(cheapest, fee, vouchers)
            possible = cheapest <= (spendable + most) * (1.0 + _SLACK) + _SLACK
            c, s, fee, spendable = c[possible], s[possible], fee[possible], spendable[possible]
        if c.size == 0:
            break
        seg, participants = choose_participants(w, m, c, s)
        counts = np.bincount(seg, minlength=c.size)
        # the event with translation if that is affordable, else without, else stop
        costs = np.stack([plan.cost[s] + translation_cost * plan.translation[c, s], plan.cost[s]])
        quotes = [quote_service_fees(w, participants, seg, counts, cost, fee) for cost in costs]
        paid = np.stack([np.bincount(seg, weights=v + p, minlength=c.size) for v, p in quotes])
        affordable = costs <= spendable + paid
        go = (counts > 0) & affordable.any(axis=0)
        open_ = c[go]
        if not go.any():
            break
        translated = affordable[0]
        keep = go[seg]
        from_voucher = np.where(translated[seg], quotes[0][0], quotes[1][0])[keep]
        private = np.where(translated[seg], quotes[0][1], quotes[1][1])[keep]
        seg = (np.cumsum(go) - 1)[seg[keep]]
        participants = participants[keep]
        c, s, translated = c[go], s[go], translated[go]
        collect_service_fees(w, c, participants, seg, from_voucher, private)
        fac.balance[c] -= np.where(translated, costs[0, go], costs[1, go])
        m.days[c] -= plan.staff_days[s]
        in_person = plan.in_person[s]
        record_personal_contact(w, participants, in_person[seg])
        _teach(w, participants, plan.effect[s][seg])
        held.append((c, s, participants, seg, np.where(translated, plan.translation[c, s], 0.0)))
    if held:
        _deliver(w, m, held)


def _teach(w: World, participants: np.ndarray, effect: np.ndarray) -> None:
    """Training raises language skill and capability; a briefing adds market experience."""
    fp, firms = w.params.facilitation, w.firms
    learn = participants[effect == TRAINING]
    if learn.size:
        ones = np.ones(learn.size)
        firms.language_skill[learn] = trust.trust_after_good_contact(
            firms.language_skill[learn], ones, fp.training_gain)
        firms.capability[learn] = trust.trust_after_good_contact(
            firms.capability[learn], ones, fp.training_gain / 2)
    firms.experience[participants[effect == INTELLIGENCE]] += fp.intelligence_gain


def _deliver(w: World, m: _Month, held: list[tuple[np.ndarray, ...]]) -> None:
    """What the month's events (each round's, in round order) do for their participants beyond
    what :func:`_run_events` did per round: participation records and benefits, and contacts
    with the partners of one market."""
    plan, fp = m.plan, w.params.facilitation
    offset = np.cumsum([0] + [h[0].size for h in held])
    c = np.concatenate([h[0] for h in held])
    s = np.concatenate([h[1] for h in held])
    participants = np.concatenate([h[2] for h in held])
    seg = np.concatenate([h[3] + offset[r] for r, h in enumerate(held)])
    translation = np.concatenate([h[4] for h in held])
    w.firms.benefit += w.params.membership.benefit_event * np.bincount(participants,
                                                                       minlength=w.firms.n)
    record_participation(w, participants, seg, plan.in_person[s], plan.collaboration[s])
    w.tally("events", clusters=c)
    effect = plan.effect[s]
    abroad = effect <= BROKERED  # events that bring participants to foreign partners
    if not abroad.any():
        return
    effectiveness = (brokering_effectiveness(w, w.cluster_stages())
                     * facilitator_responsiveness_all(w))
    n_contacts = np.maximum(1, np.round(plan.contacts_per_firm[s] * effectiveness[c]))
    u = w.rng.random(c.size)
    market_cdf = np.cumsum(trip_market_weights(w), axis=1)
    market = draw_rows((market_cdf / market_cdf[:, -1:])[c], u)
    agreed = w.facilitators.agreements[c]
    nth = (u * agreed.sum(axis=1)).astype(np.int64)  # the nth agreement market, uniformly
    via_agreement = np.argmax(np.cumsum(agreed, axis=1) > nth[:, None], axis=1)
    # the scenario's market, in the event's replica
    market = np.where(effect == INTERCLUSTER, via_agreement, market) + w.market_offset[c]
    trip = (effect == TRIP) & plan.in_person[s]  # a remote "mission" takes nobody abroad
    on_trip = trip[seg]
    if on_trip.any():
        w.trips.append((participants[on_trip], market[seg[on_trip]],
                        translation[seg[on_trip]]))
    # partners met: random partners of the market (trips) or of its live needs (brokered)
    pool = market + np.where(effect != TRIP, w.n_world_markets, 0)
    pool_size = w.pool_count[pool]
    per_firm = np.where(abroad & (pool_size > 0), n_contacts, 0).astype(np.int64)[seg]
    firm = np.repeat(participants, per_firm)
    event = np.repeat(seg, per_firm)
    if firm.size == 0:
        return
    pick = w.pool_start[pool[event]] + (w.rng.random(firm.size)
                                        * pool_size[event]).astype(np.int64)
    bonus = fp.manager_effect * w.facilitators.manager_skill[c] * plan.bonus_fraction[s]
    w.contacts.add(firm, w.pool_partners[pick], in_person=plan.in_person[s][event],
                   translation=translation[event], trust_bonus=bonus[event], facilitated=True)


# -- participants, fees and records (7.6) ---------------------------------------------------------
def choose_participants(w: World, m: _Month, c: np.ndarray,
                        s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Members who take part in the events ``s`` of clusters ``c`` (one event per cluster):
    (event of each participant, participant). More likely if they trust the facilitator, want to
    export and hold vouchers to pay with; for export promotion (trips, matchmaking, partner
    search) also if they are ready to export anyway (self-selection: the deadweight of support,
    Munch & Schaur 2018). A chosen firm declines when the fee weighs on its resources
    (``facilitation.price_sensitivity``). Each event draws min(places, members) members without
    replacement by the keys ``log(u) / weight`` of Efraimidis & Spirakis (2006), all events in
    one grouped sort."""
    f, fp = w.firms, w.params.facilitation
    seg, pos, rank = _segments(m.member_start[c], m.member_count[c])
    members = m.members[pos]
    selection = np.where(m.plan.export_promotion[s], fp.readiness_selection, 0.0)
    weight = (f.trust_in_facilitator[members] * f.export_motivation[members]
              * w.export_readiness(members) ** selection[seg]
              * (1.0 + (f.voucher_balance[members] > 0))) + 1e-12
    keys = np.log(w.rng.random(members.size)) / weight
    order = np.lexsort((-keys, seg))
    order = order[rank < np.minimum(m.plan.firms[s], m.member_count[c])[seg]]
    seg, chosen = seg[order], members[order]
    decline = (w.facilitators.service_fee_share[c][seg] * fp.price_sensitivity
               * (1.0 - f.resources[chosen]) * (f.voucher_balance[chosen] <= 0))
    accept = w.rng.random(chosen.size) >= decline
    return seg[accept], chosen[accept]


def quote_service_fees(w: World, participants: np.ndarray, seg: np.ndarray, counts: np.ndarray,
                       event_cost: np.ndarray, fee_share: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """What each participant would pay for its event ``seg`` of cost ``event_cost[seg]`` with
    ``counts[seg]`` participants: (from vouchers, from own money).

    Vouchers cover up to the participant's full share of the cost; without vouchers a firm
    pays ``fee_share`` of its share (the rest is the facilitator's subsidy)."""
    per_firm_full = (event_cost / np.maximum(counts, 1))[seg]
    from_voucher = np.minimum(w.firms.voucher_balance[participants], per_firm_full)
    private = np.maximum(0.0, fee_share[seg] * per_firm_full - from_voucher)
    return from_voucher, private


def collect_service_fees(w: World, clusters: np.ndarray, participants: np.ndarray,
                         seg: np.ndarray, from_voucher: np.ndarray, private: np.ndarray) -> None:
    """Participants pay for their events ``seg`` (one per cluster, of ``clusters``) what
    :func:`quote_service_fees` quoted: vouchers are booked as public, fees as private income of
    the event's cluster."""
    w.firms.voucher_balance[participants] -= from_voucher
    n = clusters.size
    w.facilitators.receive_some("public", clusters,
                                np.bincount(seg, weights=from_voucher, minlength=n), w.month)
    w.facilitators.receive_some("services", clusters,
                                np.bincount(seg, weights=private, minlength=n), w.month)


def record_personal_contact(w: World, firms: np.ndarray, in_person: np.ndarray) -> None:
    """Management met these firms: trust in the facilitator grows (seed 001, 003)."""
    tp = w.params.trust
    strength = np.where(in_person, tp.in_person_strength, tp.remote_strength)
    f = w.firms
    f.trust_in_facilitator[firms] = trust.trust_after_good_contact(
        f.trust_in_facilitator[firms], strength, tp.gain_rate)
    f.last_personal_contact[firms[in_person]] = w.month


def record_participation(w: World, firms: np.ndarray, seg: np.ndarray, in_person: np.ndarray,
                         active: np.ndarray) -> None:
    """Participants of the month's events (``in_person``, ``active`` per event, events in the
    order they were held): a day of joint activity per active event (ESCA counts no passive
    attendance, seed 003) and, for in-person events, the firm's last shared event of the month
    (each in-person event gets the next id of the month). Trust in the facilitator was raised
    when each event was held (:func:`record_personal_contact`)."""
    f = w.firms
    f.last_participation[firms] = w.month
    w.events_held_this_month += int(in_person.size)
    days = np.bincount(firms[active[seg]], minlength=f.n)
    f.collaboration_days[:, w.month % 12] += days.astype(f.collaboration_days.dtype)
    event_id = w.events_this_month + np.cumsum(in_person)
    w.events_this_month += int(in_person.sum())
    present = in_person[seg]
    # a firm's last in-person event is the one with the highest id
    np.maximum.at(f.last_event, firms[present], event_id[seg[present]])


# -- grouped arrays -------------------------------------------------------------------------------
def _segments(start: np.ndarray, count: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Concatenated ranges ``start[g]:start[g] + count[g]``: the group of each item, its
    position and its rank within its group. Sorting the items by (group, anything) keeps the
    groups where they are, so ``rank`` is also the rank within the group after such a sort."""
    seg = np.repeat(np.arange(count.size), count)
    rank = np.arange(seg.size) - (np.cumsum(count) - count)[seg]
    return seg, start[seg] + rank, rank

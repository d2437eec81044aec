"""Facilitator: the cluster organisation and its manager, turning budget and staff into services."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from clustersim.mechanisms.coordination import coordination_load, responsiveness
from clustersim.mechanisms.lifecycle import LIFE_CYCLE_STAGES
from clustersim.mechanisms.trust import trust_after_good_contact
from clustersim.scenario.schema import FacilitatorConfig, FacilitatorRole, Service

if TYPE_CHECKING:
    from clustersim.model import ClusterModel

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


class Facilitator(mesa.Agent):
    """A cluster organisation and its manager (seed 000: both an institution and a person).

    Each month it pays its staff, spends staff days on the upkeep of its international
    relationships (coordination costs, seed 000), visits members, and organises events from its
    service portfolio with a priority that follows its role, keeping a reserve of wages for
    events only (visits and surveys are cheap and may use it).
    """

    model: ClusterModel

    def __init__(self, model: ClusterModel, index: int, config: FacilitatorConfig):
        super().__init__(model)
        self.index = index
        self.config = config
        self.offered = frozenset(config.services)
        self.next_survey_month = 1
        self.survey_valid_until = -1

    # -- state a reader looks for -------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.model.facilitators.names[self.index]

    @property
    def role(self) -> str:
        return self.config.role.value

    @property
    def balance(self) -> float:
        return float(self.model.facilitators.balance[self.index])

    @property
    def life_cycle_stage(self) -> str:
        return LIFE_CYCLE_STAGES[int(self.model.cluster_stages()[self.index])]

    @property
    def members(self) -> np.ndarray:
        firms = self.model.cluster_firms[self.index]
        return firms[self.model.firms.member[firms]]

    def international_relations(self) -> int:
        """Agreements with foreign cluster organisations plus ties it brokered this past year."""
        fac = self.model.facilitators
        return int(fac.agreements[self.index].sum() + self.model.facilitated_recent[self.index])

    def coordination_days(self) -> float:
        """Staff days a month consumed by keeping its international relationships alive."""
        p = self.model.params.coordination
        return float(coordination_load(self.international_relations(), self.model.coordination_cost,
                                       p.facilitator_days_per_relation, p.exponent))

    def responsiveness(self) -> float:
        halving = self.model.params.facilitation.facilitator_responsiveness_halving
        return float(responsiveness(self.international_relations(), self.model.coordination_cost,
                                    halving))

    # -- the monthly rule ----------------------------------------------------------------------
    def organise_services(self) -> None:
        """Spend this month's staff days and spendable money on visits and events."""
        model = self.model
        fac = model.facilitators
        days = (fac.effective_staff[self.index] * self.config.staff_days_per_month
                - self.coordination_days())
        wage_bill = self.config.staff * self.config.monthly_cost_per_staff
        reserve = model.params.facilitation.reserve_months * wage_bill
        members = self.members
        if members.size == 0 or days <= 0:
            return
        days = self._run_survey(days)
        days = self._visit_members(members, days)
        self._run_events(members, days, reserve)

    @property
    def fee_share(self) -> float:
        """Share of an event's cost participants pay now (rises when public money runs out)."""
        return float(self.model.facilitators.service_fee_share[self.index])

    def _spendable(self, reserve: float) -> float:
        return max(0.0, float(self.model.facilitators.balance[self.index]) - reserve)

    def _pay(self, amount: float) -> None:
        self.model.facilitators.balance[self.index] -= amount

    def _run_survey(self, days: float) -> float:
        spec = self.model.params.facilitation.services[Service.SATISFACTION_SURVEY]
        due = self.model.month >= self.next_survey_month
        if (Service.SATISFACTION_SURVEY not in self.offered or not due or days < spec.staff_days
                or self.balance < spec.cost):
            return days
        self._pay(spec.cost)
        self.next_survey_month = self.model.month + self.config.survey_interval_months
        self.survey_valid_until = self.model.month + 12
        return days - spec.staff_days

    def _visit_members(self, members: np.ndarray, days: float) -> float:
        """Personal contact visits (ESCA, seed 003); with a recent survey, least satisfied first."""
        if Service.MEMBER_VISITS not in self.offered:
            return days
        model, firms = self.model, self.model.firms
        spec = model.params.facilitation.services[Service.MEMBER_VISITS]
        wanted = (model.params.facilitation.visits_per_staff
                  * model.facilitators.effective_staff[self.index])
        affordable = min(days / max(spec.staff_days, 1e-9), self.balance / max(spec.cost, 1e-9))
        n = int(min(wanted, affordable, members.size))
        if n <= 0:
            return days
        if model.month <= self.survey_valid_until:
            chosen = members[np.argsort(firms.satisfaction[members], kind="stable")[:n]]
        else:
            chosen = model.rng.choice(members, size=n, replace=False)
        self._pay(n * spec.cost)
        self.model.record_personal_contact(chosen, in_person=True)
        firms.benefit[chosen] += model.params.membership.benefit_visit
        return days - n * spec.staff_days

    def _service_weights(self, services: list[Service]) -> np.ndarray:
        focus = self.model.params.facilitation.role_focus
        role = self.config.role
        weights = []
        for s in services:
            if role == FacilitatorRole.ALL_ROUND:
                weights.append(1.0)
            elif role == FacilitatorRole.FRAMEWORK:
                weights.append(focus if s in FRAMEWORK_SERVICES else 1.0 - focus)
            else:
                weights.append(focus if s in PROJECT_SERVICES else 1.0 - focus)
        w = np.asarray(weights) + 1e-9
        return w / w.sum()

    def _run_events(self, members: np.ndarray, days: float, reserve: float) -> None:
        model = self.model
        specs = model.params.facilitation.services
        candidates = [s for s in EVENT_SERVICES if s in self.offered]
        candidates.sort(key=lambda s: s.value)  # deterministic order before random choice
        if Service.INTERCLUSTER in candidates and not model.facilitators.agreements[
                self.index].any():
            candidates.remove(Service.INTERCLUSTER)
        if not candidates:
            return
        weights = self._service_weights(candidates)
        for _ in range(model.params.facilitation.max_events_per_month):
            # the next event follows the role's priorities; if it is not affordable yet, the
            # facilitator saves up for it rather than falling back on cheaper services
            service = candidates[int(model.rng.choice(len(candidates), p=weights))]
            spec = specs[service]
            if spec.staff_days > days:
                return
            participants = model.choose_participants(members, spec.firms, self.index,
                                                     export_promotion=service in EXPORT_PROMOTION)
            if participants.size == 0:
                return
            # participants pay their share up front (vouchers first), so voucher holders can
            # buy services a facilitator could not fund from its own balance
            translation = self._translation_level(service)
            cost = spec.cost + specs[Service.TRANSLATION].cost * translation
            if cost > self._spendable(reserve) + self._prepaid(participants, cost):
                translation, cost = 0.0, spec.cost
                if cost > self._spendable(reserve) + self._prepaid(participants, cost):
                    return
            model.collect_service_fees(self.index, participants, cost, self.fee_share)
            self._pay(cost)
            days -= spec.staff_days
            self._deliver(service, participants, translation)

    def _prepaid(self, participants: np.ndarray, cost: float) -> float:
        voucher, private = self.model.quote_service_fees(participants, cost, self.fee_share)
        return float(voucher.sum() + private.sum())

    def _translation_level(self, service: Service) -> float:
        if service not in TRANSLATED_EVENTS or Service.TRANSLATION not in self.offered:
            return 0.0
        return self.model.translation_support

    def _deliver(self, service: Service, participants: np.ndarray, translation: float) -> None:
        """What an event does for its participants: contacts abroad, skills or knowledge."""
        model = self.model
        fp = model.params.facilitation
        spec = fp.services[service]
        firms = model.firms
        firms.benefit[participants] += model.params.membership.benefit_event
        model.record_participation(participants, in_person=spec.in_person,
                                   active=service not in PASSIVE_SERVICES)
        if service == Service.TRAINING:
            firms.language_skill[participants] = trust_after_good_contact(
                firms.language_skill[participants], np.ones(participants.size), fp.training_gain)
            firms.capability[participants] = trust_after_good_contact(
                firms.capability[participants], np.ones(participants.size), fp.training_gain / 2)
            return
        if service == Service.MARKET_INTELLIGENCE:
            firms.experience[participants] += fp.intelligence_gain
            return
        effectiveness = model.brokering_effectiveness(self.index) * self.responsiveness()
        n_contacts = max(1, round(spec.contacts_per_firm * effectiveness))
        skill = float(model.facilitators.manager_skill[self.index])
        if service in (Service.BUSINESS_MISSION, Service.TRADE_FAIR):
            market = model.choose_market(self.index)
            partners = model.sample_partners(market, participants.size * n_contacts,
                                             live_only=False)
            if spec.in_person:  # a remote "mission" takes nobody abroad
                model.record_trip(participants, market, translation)
            bonus = 0.0
        elif service == Service.INTERCLUSTER:
            markets = np.flatnonzero(model.facilitators.agreements[self.index])
            market = int(model.rng.choice(markets))
            partners = model.sample_partners(market, participants.size * n_contacts,
                                             live_only=True)
            bonus = fp.manager_effect * skill * 0.5
        else:  # matchmaking and partner search: partners of one market with open needs
            partners = model.sample_partners(model.choose_market(self.index),
                                             participants.size * n_contacts, live_only=True)
            bonus = fp.manager_effect * skill * 0.25
        if partners.size == 0:
            return
        firms_rep = np.repeat(participants, n_contacts)[: partners.size]
        model.contacts.add(firms_rep, partners, in_person=spec.in_person, translation=translation,
                           trust_bonus=bonus, facilitated=True)

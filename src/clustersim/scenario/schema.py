"""The scenario schema: every field a scenario file may set, its type, range and default.

A scenario is the complete, validated description of one simulation: the clusters (each with its
facilitator and member firms), the foreign markets, the policy levers and the mechanism
parameters. Field docstrings name the seed statement or paper a default rests on; see
``docs/ODD.md`` for the rules that use them.

Units: money in EUR, time in months (one model step is one month), shares and trust in [0, 1].
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

MAX_AMOUNT = 1e9
"""Upper bound of every otherwise unbounded amount (EUR, days, rates). A billion EUR a year is far
beyond any cluster programme (Germany's whole go-cluster budget is a few million a year), and a
finite bound keeps sums and products of amounts far from float overflow: ``1.7e308`` used to give
``inf`` KPIs. Fields with a tighter natural range say so where they are declared."""

Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0, le=MAX_AMOUNT)]
Positive = Annotated[float, Field(gt=0.0, le=MAX_AMOUNT)]

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$")
"""A scenario name is a label that also names its output folder (``results/<name>``): letters,
digits, ``_``, ``-`` and ``.``, starting with a letter or digit, so it can never be a path
(``/elsewhere``, ``../x``)."""


def _admits_bool(annotation: Any) -> bool:
    """Whether a field's type accepts true/false (``bool``, ``Any``, or a union with bool)."""
    if annotation is bool or annotation is Any:
        return True
    return any(_admits_bool(arg) for arg in get_args(annotation) if arg is not None)


def refuse_bool_for_number(model: type[BaseModel], value: Any, field_name: str | None) -> Any:
    """Refuse ``true``/``false`` given for a number (pydantic would read them as 1 and 0:
    ``--set steps=true`` ran one month). Lists of numbers are checked element by element."""
    field = model.model_fields.get(field_name or "")
    if field is None or _admits_bool(field.annotation):
        return value
    items = value if isinstance(value, list | tuple) else [value]
    if any(isinstance(item, bool) for item in items):
        raise ValueError("true/false is not allowed here; give a number or text of the "
                         "field's type")
    return value


class Strict(BaseModel):
    """Base for every schema block: unknown keys are errors, values are re-validated on change."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        return refuse_bool_for_number(cls, value, info.field_name)


class FirmKind(StrEnum):
    MICRO = "micro"
    SME = "sme"
    LARGE = "large"
    STARTUP = "startup"


FIRM_KINDS: tuple[str, ...] = tuple(k.value for k in FirmKind)


class FacilitatorRole(StrEnum):
    """Roles after Ingstrup & Damgaard as used in seed 000."""

    FRAMEWORK = "framework"
    PROJECT = "project"
    ALL_ROUND = "all_round"


class Service(StrEnum):
    """Services a cluster organisation can offer (PARP standards, seed 000; CLUSTEM, seed 003)."""

    MATCHMAKING = "matchmaking"
    BUSINESS_MISSION = "business_mission"
    TRADE_FAIR = "trade_fair"
    PARTNER_SEARCH = "partner_search"
    INTERCLUSTER = "intercluster_cooperation"
    MARKET_INTELLIGENCE = "market_intelligence"
    TRANSLATION = "translation"
    TRAINING = "training"
    MEMBER_VISITS = "member_visits"
    SATISFACTION_SURVEY = "satisfaction_survey"


ALL_SERVICES: tuple[str, ...] = tuple(s.value for s in Service)


class LifeCycleStage(StrEnum):
    """Cluster life-cycle stages as counted by PARP (seed 000)."""

    EMBRYONIC = "embryonic"
    GROWTH = "growth"
    MATURE = "mature"


class FirmMix(Strict):
    """Shares of firm kinds among a cluster's firms; must sum to 1."""

    micro: Share = 0.30
    sme: Share = 0.50
    large: Share = 0.10
    startup: Share = 0.10

    @model_validator(mode="after")
    def _sums_to_one(self) -> FirmMix:
        total = self.micro + self.sme + self.large + self.startup
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"firm kind shares must sum to 1 (micro + sme + large + startup), got {total:.4g}"
            )
        return self

    def as_array(self) -> list[float]:
        return [self.micro, self.sme, self.large, self.startup]


class FacilitatorConfig(Strict):
    """The cluster organisation and its manager (seed 000: both an institution and a person)."""

    role: FacilitatorRole = FacilitatorRole.ALL_ROUND
    staff: Annotated[float, Field(gt=0, le=100)] = 3.0
    """Full-time staff. Gold-label clusters have 10-12 (seed 003); ISIM has 2 (seed 003)."""
    staff_days_per_month: Annotated[float, Field(gt=0, le=31)] = 18.0
    """Working days a staff member can give to services each month (assumption)."""
    monthly_cost_per_staff: NonNegative = 3000.0
    """EUR per staff member and month (assumption, order of magnitude for CEE/EU)."""
    manager_skill: Share = 0.6
    """Professionalism, social capacity and personal network of the manager (seed 002)."""
    services: list[Service] = Field(default_factory=lambda: list(Service))
    membership_fee: NonNegative = 80.0
    """EUR per member and month. Hamburg: membership is 3-4% of the budget (seed 003)."""
    service_fee_share: Share = 0.3
    """Share of an event's cost that participating firms pay as a service fee (assumption)."""
    initial_budget: NonNegative = 30000.0
    eu_project_income: NonNegative = 0.0
    """EUR per month from EU projects (Hamburg ~20% of the budget, seed 003)."""
    eu_project_months: Annotated[int, Field(ge=0, le=1200)] = 0
    """Months the EU project income lasts (0 = none)."""
    survey_interval_months: Annotated[int, Field(ge=1, le=120)] = 24
    """Good practice: a satisfaction survey at least every two years (seed 003)."""

    @field_validator("services")
    @classmethod
    def _unique_services(cls, value: list[Service]) -> list[Service]:
        if len(set(value)) != len(value):
            raise ValueError("services must not repeat")
        return value


class ClusterConfig(Strict):
    """One cluster: its members, facilitator, regions and foreign links."""

    name: Annotated[str, Field(min_length=1, max_length=80)]
    count: Annotated[int, Field(ge=1, le=1000)] = 1
    """Replicate this entry ``count`` times (names get a numeric suffix), e.g. 58 growth
    clusters."""
    n_firms: Annotated[int, Field(ge=2, le=50000)] = 45
    firm_mix: FirmMix = Field(default_factory=FirmMix)
    regions: Annotated[int, Field(ge=1, le=20)] = 1
    """Number of administrative regions the cluster spans (Metalika spans 3, seed 000)."""
    stage: LifeCycleStage = LifeCycleStage.GROWTH
    age_months: Annotated[int, Field(ge=0, le=1200)] | None = None
    """Age of the cluster organisation; default follows ``stage``."""
    initial_member_share: Share = 1.0
    initial_committed_share: Share = 0.7
    initial_exporter_share: Share = 0.3
    """Share of firms that start with one export tie (EU SMEs ~25-33%, EIM 2010; Eurobarometer)."""
    agreements: list[str] = Field(default_factory=list)
    """Markets with whose foreign cluster organisation this cluster has an agreement (memorandum,
    e.g. Metalika with the Brandenburg metal cluster, seed 000)."""
    networked_with: list[str] = Field(default_factory=list)
    """Clusters whose managers network with this one (CLUSME-like meta-cluster, seed 002)."""
    facilitator: FacilitatorConfig = Field(default_factory=FacilitatorConfig)


class MarketConfig(Strict):
    """A foreign market: data, not an agent (seed 000: distance, language, culture)."""

    language_barrier: Share = 0.5
    psychic_distance: Share = 0.3
    size: Annotated[float, Field(gt=0.0, le=1000.0)] = 1.0
    """Relative size; partners are allocated to markets in proportion to size (at most 1000:
    beyond that the smaller markets get no partners at all)."""
    partner_cluster: str | None = None
    """Name of a foreign cluster organisation in this market that can broker contacts."""


class FundingScheme(StrEnum):
    """The schemes that ship with clustersim; more can be registered (clustersim.policy)."""

    NONE = "none"
    LUMP_SUM = "lump_sum"
    MATCHED = "matched"
    VOUCHERS = "vouchers"
    PROJECT = "project"
    PERFORMANCE = "performance"


REGISTERED_SCHEMES: dict[str, Any] = {}
"""Funding scheme classes by name, filled by :func:`clustersim.policy.register_scheme` (it is
``clustersim.policy.SCHEMES``). The registry lives here so that the schema can check a scenario's
``policy.funding.scheme`` without importing the policy package: dependencies flow from policy to
scenario, not back."""


def scheme_names() -> list[str]:
    """Names a scenario may use: the built-in schemes and every registered one."""
    return list(dict.fromkeys([*(s.value for s in FundingScheme), *REGISTERED_SCHEMES]))


class PoolAllocation(StrEnum):
    """How a national pool is split across clusters (seed 000: support goes mainly to Key
    National Clusters)."""

    CONCENTRATED = "concentrated"
    EVEN = "even"
    COMPETITIVE = "competitive"


class FundingConfig(Strict):
    """Public funding: scheme, level and conditions (seed 000, 003, 004; see docs/policy)."""

    scheme: str = FundingScheme.LUMP_SUM.value
    """A registered funding scheme: the built-in ones (:class:`FundingScheme`) or one added with
    :func:`clustersim.policy.register_scheme`."""
    annual_budget: NonNegative = 60000.0
    """Public money available per year, EUR, for the whole pool (all eligible clusters)."""
    allocation: PoolAllocation = PoolAllocation.EVEN
    key_clusters: Annotated[int, Field(ge=1, le=1000)] = 5
    """With ``concentrated`` allocation: how many key clusters share the pool."""
    max_regions: Annotated[int, Field(ge=1, le=20)] | None = None
    """Eligibility: clusters spanning more regions are excluded (regional programme, seed 000)."""
    match_ratio: Annotated[float, Field(ge=0.0, le=10.0)] = 1.0
    """``matched``: public EUR per EUR of private income (fees), within the budget."""
    start_month: Annotated[int, Field(ge=0, le=1200)] = 0
    duration_months: Annotated[int, Field(ge=1, le=1200)] = 24
    """``project``: funding lasts this many months from ``start_month``, then stops (seed 004)."""
    performance_base_share: Share = 0.3
    """``performance``: share of the budget paid regardless of results; the rest follows new
    ties."""
    performance_target: Annotated[float, Field(gt=0.0, le=10.0)] = 0.1
    """``performance``: new export ties per firm and year that earn the full grant
    (assumption)."""
    voucher_eligible_kinds: list[FirmKind] = Field(
        default_factory=lambda: [FirmKind.MICRO, FirmKind.SME, FirmKind.STARTUP]
    )

    @field_validator("scheme")
    @classmethod
    def _registered_scheme(cls, value: str) -> str:
        names = scheme_names()
        if value not in names:
            allowed = ", ".join(repr(name) for name in names)
            raise ValueError(f"unknown funding scheme {value!r}; allowed: {allowed}")
        return value


class PolicyConfig(Strict):
    """Policy levers a scenario can set."""

    funding: FundingConfig = Field(default_factory=FundingConfig)
    translation_support: Share = 0.0
    """Facilitator-provided translation on joint trips (seed 000); 0 = none, 1 = full."""
    coordination_cost: Annotated[float, Field(ge=0.0, le=10.0)] = 1.0
    """Multiplier on the cost of maintaining relationships (seed 000)."""


class TrustParams(Strict):
    """Trust from contacts (seed 001: personal meetings; Pant & Yu 2025 asymmetry)."""

    gain_rate: Share = 0.10
    loss_rate: Share = 0.30
    in_person_strength: Share = 1.0
    remote_strength: Share = 0.25
    decay_per_month: Annotated[float, Field(ge=0.0, le=0.5)] = 0.01
    bad_experience_prob: Share = 0.05
    initial_peer_trust: Share = 0.3
    initial_facilitator_trust: Share = 0.5
    initial_partner_trust: Share = 0.1
    """Trust between a firm and a partner at their first meeting (assumption)."""
    reputation_spillover: Share = 0.3
    """Share of a partner's trust in a cluster's members that a new member contact inherits."""
    forget_below: Share = 0.02
    """Relations without a tie whose trust falls below this are forgotten (memory bound)."""


class LanguageParams(Strict):
    translation_effect: Share = 0.6
    """Share of the barrier removed by full translation support (seed 000, assumption on size)."""
    distance_weight: Share = 0.5
    """How strongly psychic distance lowers trust gains (Johanson & Vahlne 1977, assumption)."""


class CoordinationParams(Strict):
    """Convex coordination costs and falling responsiveness (seed 000)."""

    exponent: Annotated[float, Field(ge=1.0, le=4.0)] = 1.8
    firm_cost_per_tie: Annotated[float, Field(ge=0.0, le=10.0)] = 0.06
    """Firm capacity (share of a month) consumed by one tie at unit coordination cost (at most
    10 months' capacity: beyond that no firm can keep even one tie)."""
    facilitator_days_per_relation: Annotated[float, Field(ge=0.0, le=31.0)] = 0.05
    """Staff days a month to keep one international relationship of the facilitator alive (a
    month has at most 31 days)."""
    scale_elasticity: Annotated[float, Field(ge=0.0, le=2.0)] = 0.7
    """Elasticity of a firm's coordination capacity with its scale: a firm k times the scale of
    a typical SME carries the same ties at 1/k**e of the load and answers k**e times as many
    partners as quickly, so large firms (export staff) carry more ties, explore more markets
    and micro firms fewer (assumption). 0 = every firm carries ties alike."""
    responsiveness_halving: Annotated[float, Field(gt=0.0, le=1000.0)] = 6.0
    """Number of ties at which a firm answers partners' signals half as fast (assumption; at
    most 1000 ties)."""


class NetworkParams(Strict):
    """Peer network, referrals and co-opetition (seeds 000, 002, 004)."""

    peers_per_firm: Annotated[int, Field(ge=0, le=50)] = 6
    cross_cluster_peer_share: Share = 0.3
    """With networked clusters: share of peer links that cross to the partner cluster."""
    referral_prob: Share = 0.05
    """Per month and trusted peer pair, chance a tie holder refers its partner (seed 000)."""
    referral_trust_threshold: Share = 0.5
    interaction_prob: Share = 0.2
    """Per month and peer link, chance the two firms meet to cooperate (co-opetition, seed 004)."""
    competition_fear: Share = 0.3
    """SMEs' fear of competition inside the cluster lowers their willingness (seed 002)."""
    knowledge_sharing: Share = 0.1
    """Share of the experience gap the less experienced peer gains from a joint activity."""
    cooperation_propensity: Share = 0.3
    """Willingness to cooperate with a peer one does not trust at all (assumption); the rest
    grows with trust."""


class OpportunityParams(Strict):
    """Partner needs open as time-limited opportunities (seed 002: 'a tiny time window')."""

    open_prob_per_month: Share = 0.06
    window_months: Annotated[int, Field(ge=1, le=60)] = 4


class ExportParams(Strict):
    """Tie formation, persistence and incremental internationalisation."""

    tie_trust_threshold: Share = 0.2
    base_match_prob: Share = 0.5
    own_search_prob: Share = 0.7
    """Per month, chance an exporting-minded firm contacts a foreign partner on its own."""
    known_market_focus: Share = 0.85
    """Share of an exporter's own searches aimed at a market it already serves (Uppsala:
    commitment deepens market by market before the next, Johanson & Vahlne 1977; size
    assumption); the rest look for a market the firm does not serve yet. This is the share of
    a firm at the SME kind's mean scale; firms with more relationship capacity explore more
    (ODD 7.8). 0 = every search of an exporter looks for a new market."""
    own_search_in_person: Share = 0.3
    """Share of a firm's own contacts made in person (a fair, a visit), times its resources:
    firms with means travel without the cluster (assumption)."""
    follow_up_prob: Share = 0.5
    """Per month, chance a firm keeps in (remote) touch with a partner it has begun to trust."""
    follow_up_min_trust: Share = 0.1
    facilitation_entry_support: Share = 0.1
    """Share of market-entry cost a facilitated contact saves (micro firms and SMEs lack the
    resources and know-how to enter alone, seeds 000, 002; size is an assumption)."""
    entry_cost: NonNegative = 0.2
    """Resources (share of a month's capacity) to enter a new market at zero experience."""
    learning_rate: NonNegative = 0.35
    """Uppsala-style learning: entry cost falls by exp(-rate x experience), experience in
    market-years (assumption on the form)."""
    tie_hazard_new: Share = 0.06
    """Monthly break hazard of a young tie (Eaton et al. 2007: most new exporters stop the next
    year)."""
    tie_hazard_established: Share = 0.015
    """Monthly break hazard of an established tie (established-exporter persistence 0.85-0.90,
    Roberts & Tybout 1997, recalled)."""
    firm_exit_hazard_new: Share = 0.17
    """Monthly chance a firm exporting for less than ``young_tie_months`` is hit by a shock that
    ends all its exports (Eaton et al. 2007: most new exporters stop the next year; Wagner 2010:
    30-40% of starters export 5 years without a break)."""
    firm_exit_hazard_established: Share = 0.016
    """Monthly chance of such a shock for an established exporter (persistence 0.85-0.90,
    Roberts & Tybout 1997 and Bernard & Jensen 2004, recalled; sunk-cost hysteresis)."""
    shock_months: Annotated[float, Field(ge=0.0, le=120.0)] = 24.0
    """Mean months a firm-level shock keeps the firm out of exporting (geometric; persistent
    productivity or demand shocks, assumption). 0 = it may re-enter at once."""
    young_tie_months: Annotated[int, Field(ge=1, le=120)] = 6
    """Age in months until which a tie counts as young (assumption)."""
    tie_upkeep_prob: Share = 0.5
    """Per month, chance a tie gets a remote upkeep contact, scaled by the firm's responsiveness
    (coordination costs, seed 000); ties without contact lose trust like any relation. 1 with
    no responsiveness scaling would be the old 'free upkeep' rule (assumption)."""
    break_trust_retained: Share = 0.5
    """Share of both sides' trust a relation keeps when its tie ends (a broken tie is a
    disappointment, not a warm contact; assumption)."""
    experience_depreciation: Share = 0.087
    """Monthly depreciation of export experience (sunk entry investments): two thirds of the
    export advantage is lost after one year out (Bernard & Wagner 2001): 1 - (1/3)**(1/12).
    0 = experience never depreciates."""
    entry_language_weight: NonNegative = 1.0
    """Market-entry cost rises by this factor times the firm's effective language barrier in the
    market (MODEL_GUIDE 2.2: barriers raise entry costs; size assumption)."""
    search_language_weight: Share = 0.5
    """Share of own-search contacts lost per unit of effective language barrier: a firm that
    cannot write the language gets fewer answers (seed 000; size assumption)."""
    capability_tolerance: Share = 0.15
    """A firm can serve a need that asks up to this much more than its capability (assumption)."""
    max_new_ties_per_month: Annotated[int, Field(ge=1, le=100)] = 1
    """New export ties one firm can take on in a month (assumption)."""
    revenue_per_tie: NonNegative = 5000.0
    """EUR per month of export revenue from one tie at unit capability, firm scale and market
    size."""
    scale_dispersion: Annotated[float, Field(ge=0.0, le=3.0)] = 1.0
    """Log-normal spread (sigma) of firm scale around its kind's mean: export sales are highly
    concentrated among firms (Bernard et al. 2007; assumption on the form)."""
    initial_tie_trust: Share = 0.65
    """Two-way trust of the export ties firms hold at the start (assumption)."""
    initial_experience: NonNegative = 1.0
    """Export experience (market-years) of firms exporting at the start (assumption)."""


class MembershipParams(Strict):
    """Satisfaction, fees and membership (seed 004: quick visible results keep members)."""

    satisfaction_memory: Share = 0.9
    exit_threshold: Share = 0.215
    exit_prob: Share = 0.1
    join_threshold: Share = 0.6
    join_prob: Share = 0.02
    commitment_threshold: Share = 0.25
    initial_satisfaction: Share = 0.55
    neutral_satisfaction: Share = 0.21
    """Satisfaction a member drifts to when the cluster gives it nothing: below the exit
    threshold (``exit_threshold``), so members who get no value leave, whatever their fee
    (seed 004, "without [results] members lose interest"; assumption on the size)."""
    fee_sensitivity: Annotated[float, Field(ge=0.0, le=5.0)] = 0.1
    """How much a fee of 100 EUR a month lowers perceived value for a resource-poor firm."""
    benefit_event: Share = 0.25
    benefit_new_contact: Share = 0.1
    benefit_new_tie: Share = 0.6
    benefit_visit: Share = 0.2
    benefit_cooperation: Share = 0.05
    passive_counts_as_collaboration: bool = False
    """ESCA counts active collaboration only (seed 003): passive services (market intelligence
    briefings, remote partner search) do not add collaboration days unless this is set."""
    value_drives_facilitator_trust: bool = True
    """Members who get no value lose trust in the facilitator (seed 004: lack of trust is a main
    cause of failure; assumption on the form); off = trust only rises and decays."""


class LifeCycleParams(Strict):
    months_to_growth: Annotated[int, Field(ge=1, le=600)] = 24
    months_to_mature: Annotated[int, Field(ge=1, le=1200)] = 48
    """A cluster organisation needs at least four years to mature (seed 003)."""
    embryonic_matchmaking: Share = 0.6
    """Matchmaking effectiveness of an embryonic cluster relative to a mature one (seed 000)."""
    stage_by_state: bool = True
    """The stage follows the organisation's development (months of activity, members), not the
    calendar: a cluster matures only while it is active (paid staff, services delivered) and
    large enough, and regresses while inactive (seed 000, PARP stages; seed 003: at least four
    years to mature; 40 participants is the minimum for a good nurturing ground). Off = a clock."""
    mature_min_members: Annotated[int, Field(ge=0, le=100000)] = 40
    """Members a cluster needs to count as mature (ESCA, seed 003: 40 participants)."""
    active_min_staff_share: Share = 0.5
    """A month counts as active if at least this share of staff was paid and some service ran."""
    regression_per_inactive_month: Annotated[float, Field(ge=0.0, le=12.0)] = 1.0
    """Months of development lost per inactive month (assumption)."""

    @model_validator(mode="after")
    def _ordered(self) -> LifeCycleParams:
        if self.months_to_mature < self.months_to_growth:
            raise ValueError("months_to_mature must be >= months_to_growth")
        return self


class KindProfile(Strict):
    """Typical traits of one firm kind (seed 002 motives; seed 000 resources). Capability,
    language skill, resources and motivation are means of Beta-distributed draws; competition
    fear is used as given (assumption on the exact numbers)."""

    capability: Share
    language_skill: Share
    resources: Share
    """Capacity to spend on internationalisation (share of a month)."""
    export_motivation: Share
    competition_fear: Share
    """Fear of competitors inside the cluster (SMEs most, seed 002; start-ups cooperate
    everywhere, seed 002)."""
    scale: Annotated[float, Field(gt=0.0, le=1000.0)] = 1.0
    """Mean firm scale (sales per export tie relative to an SME); the log-normal spread is
    ``export.scale_dispersion`` (assumption on the numbers; exporters are larger, Bernard et al.
    2007)."""


def _default_kind_profiles() -> dict[FirmKind, KindProfile]:
    return {
        FirmKind.MICRO: KindProfile(capability=0.35, language_skill=0.25, resources=0.25,
                                    export_motivation=0.5, competition_fear=0.6, scale=0.2),
        FirmKind.SME: KindProfile(capability=0.5, language_skill=0.4, resources=0.45,
                                  export_motivation=0.7, competition_fear=1.0, scale=1.0),
        FirmKind.LARGE: KindProfile(capability=0.75, language_skill=0.7, resources=0.85,
                                    export_motivation=0.6, competition_fear=0.3, scale=6.0),
        FirmKind.STARTUP: KindProfile(capability=0.45, language_skill=0.6, resources=0.3,
                                      export_motivation=0.8, competition_fear=0.0, scale=0.4),
    }


class ServiceParams(Strict):
    """Cost and reach of one facilitator service event (assumption on the numbers)."""

    cost: NonNegative
    """EUR per event."""
    staff_days: Annotated[float, Field(ge=0.0, le=3100.0)]
    """Staff days per event (at most 100 staff x 31 days)."""
    firms: Annotated[int, Field(ge=0, le=1000)]
    """Member firms taking part in one event."""
    contacts_per_firm: Annotated[int, Field(ge=0, le=100)]
    """Foreign partners each participant meets."""
    in_person: bool


def _default_services() -> dict[Service, ServiceParams]:
    sp = ServiceParams
    return {
        Service.MATCHMAKING: sp(cost=3000, staff_days=4, firms=8, contacts_per_firm=2,
                                in_person=True),
        Service.BUSINESS_MISSION: sp(cost=12000, staff_days=10, firms=6, contacts_per_firm=4,
                                     in_person=True),
        Service.TRADE_FAIR: sp(cost=6000, staff_days=6, firms=8, contacts_per_firm=3,
                               in_person=True),
        Service.PARTNER_SEARCH: sp(cost=400, staff_days=1, firms=1, contacts_per_firm=3,
                                   in_person=False),
        Service.INTERCLUSTER: sp(cost=800, staff_days=2, firms=4, contacts_per_firm=2,
                                 in_person=False),
        Service.MARKET_INTELLIGENCE: sp(cost=1500, staff_days=3, firms=15, contacts_per_firm=0,
                                        in_person=False),
        Service.TRANSLATION: sp(cost=800, staff_days=0, firms=0, contacts_per_firm=0,
                                in_person=False),
        Service.TRAINING: sp(cost=2000, staff_days=3, firms=10, contacts_per_firm=0,
                             in_person=True),
        Service.MEMBER_VISITS: sp(cost=50, staff_days=0.5, firms=1, contacts_per_firm=0,
                                  in_person=True),
        Service.SATISFACTION_SURVEY: sp(cost=500, staff_days=2, firms=0, contacts_per_firm=0,
                                        in_person=False),
    }


class FacilitationParams(Strict):
    """How a facilitator turns budget and staff into services."""

    role_focus: Share = 0.8
    """Share of priority a role gives its own services (framework: indirect, ecosystem-wide;
    project: direct, firm by firm; seed 000 after Ingstrup & Damgaard). All-round: even."""
    reserve_months: Annotated[float, Field(ge=0.0, le=24.0)] = 1.0
    """Months of wage bill kept in reserve before spending on events (assumption)."""
    visits_per_staff: Annotated[float, Field(ge=0.0, le=100.0)] = 0.45
    """Personal visits to members per staff member and month (ESCA personal contact, seed 003)."""
    manager_effect: Share = 0.5
    """How much manager skill raises the trust a brokered contact starts with (seed 002)."""
    training_gain: Share = 0.03
    """Language skill and capability gained by a firm from one training (assumption)."""
    intelligence_gain: Share = 0.1
    """Export experience (market-years) gained from one market-intelligence briefing."""
    readiness_selection: Annotated[float, Field(ge=0.0, le=10.0)] = 2.0
    """How strongly event participation follows export readiness (capability x resources,
    plus experience): firms that would export anyway take part most (self-selection and
    deadweight, Munch & Schaur 2018; Bernard & Jensen 2004). 0 = readiness plays no role."""
    max_events_per_month: Annotated[int, Field(ge=0, le=1000)] = 40
    """Events one facilitator can organise in a month (assumption)."""
    fee_adaptation: Annotated[float, Field(ge=0.0, le=1.0)] = 0.05
    """Monthly step by which a facilitator whose income no longer covers its wage bill raises
    its service fee share (and lowers it again when covered): it replaces lost public money only
    as far as members pay (seed 004: mobilise own resources when project funding ends)."""
    max_service_fee_share: Share = 0.9
    """Highest service fee share a facilitator can ask (assumption)."""
    price_sensitivity: Share = 0.8
    """A chosen participant declines with probability fee share x this x (1 - resources): firms
    pay for services only as far as they value them (assumption)."""
    trip_agreement_weight: Annotated[float, Field(ge=0.0, le=100.0)] = 6.0
    """Extra weight of a market with a partner-cluster agreement when choosing a trip's target
    (the memorandum gives a host, seed 000; size assumption)."""
    facilitator_responsiveness_halving: Positive = 24.0
    """International relations at which the facilitator brokers half as effectively (seed 000:
    harder to respond quickly; assumption)."""
    services: dict[Service, ServiceParams] = Field(default_factory=_default_services)

    @field_validator("services")
    @classmethod
    def _complete(cls, value: dict[Service, ServiceParams]) -> dict[Service, ServiceParams]:
        merged = _default_services()
        merged.update(value)
        return merged


class FirmTraitParams(Strict):
    """How firm traits spread around their kind's means, and what partners need."""

    trait_concentration: Annotated[float, Field(gt=0.0, le=1000.0)] = 8.0
    """Beta(mean k, (1 - mean) k): larger k = firms of a kind more alike (assumption)."""
    need_level_min: Share = 0.1
    """Lowest capability a partner's need asks of a supplier (assumption)."""
    need_level_max: Share = 0.9
    """Capability a partner's need asks of a supplier is uniform in [min, max] (assumption)."""

    @model_validator(mode="after")
    def _ordered(self) -> FirmTraitParams:
        if self.need_level_max < self.need_level_min:
            raise ValueError("need_level_max must be >= need_level_min")
        return self


class Parameters(Strict):
    """Mechanism parameters; defaults documented in docs/ODD.md."""

    trust: TrustParams = Field(default_factory=TrustParams)
    language: LanguageParams = Field(default_factory=LanguageParams)
    coordination: CoordinationParams = Field(default_factory=CoordinationParams)
    network: NetworkParams = Field(default_factory=NetworkParams)
    opportunities: OpportunityParams = Field(default_factory=OpportunityParams)
    export: ExportParams = Field(default_factory=ExportParams)
    membership: MembershipParams = Field(default_factory=MembershipParams)
    lifecycle: LifeCycleParams = Field(default_factory=LifeCycleParams)
    facilitation: FacilitationParams = Field(default_factory=FacilitationParams)
    traits: FirmTraitParams = Field(default_factory=FirmTraitParams)
    firm_kinds: dict[FirmKind, KindProfile] = Field(default_factory=_default_kind_profiles)

    @field_validator("firm_kinds")
    @classmethod
    def _all_kinds(cls, value: dict[FirmKind, KindProfile]) -> dict[FirmKind, KindProfile]:
        merged = _default_kind_profiles()
        merged.update(value)
        return merged


class OutputConfig(Strict):
    agent_tables: bool = False
    """Also collect agent-level tables each step (slow for large models)."""


class Scenario(Strict):
    """A complete simulation setup. Build with :func:`clustersim.scenario.load_scenario`."""

    name: Annotated[str, Field(min_length=1, max_length=120)] = "scenario"
    description: str = ""
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 0
    steps: Annotated[int, Field(ge=1, le=1200)] = 120
    partners_per_firm: Annotated[float, Field(gt=0.0, le=50.0)] = 2.0
    clusters: Annotated[list[ClusterConfig], Field(min_length=1)]
    markets: Annotated[dict[str, MarketConfig], Field(min_length=1)]
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    parameters: Parameters = Field(default_factory=Parameters)
    output: OutputConfig = Field(default_factory=OutputConfig)

    @field_validator("name")
    @classmethod
    def _safe_name(cls, value: str) -> str:
        if not NAME_PATTERN.match(value):
            raise ValueError(
                "a scenario name is a label that also names its output folder: use letters, "
                "digits, '_', '-' and '.', starting with a letter or digit (no '/', spaces or "
                "'..'), at most 120 characters")
        return value

    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        names = [c.name for c in self.clusters]
        if len(set(names)) != len(names):
            raise ValueError(f"cluster names must be unique, got {names}")
        for cluster in self.clusters:
            for market in cluster.agreements:
                if market not in self.markets:
                    raise ValueError(
                        f"cluster '{cluster.name}': agreement with unknown market '{market}'; "
                        f"markets are {sorted(self.markets)}"
                    )
                if self.markets[market].partner_cluster is None:
                    raise ValueError(
                        f"cluster '{cluster.name}': agreement with market '{market}', which has no "
                        "partner_cluster to sign it"
                    )
            if cluster.age_months is not None:
                lc = self.parameters.lifecycle
                implied = (LifeCycleStage.MATURE if cluster.age_months >= lc.months_to_mature
                           else LifeCycleStage.GROWTH if cluster.age_months >= lc.months_to_growth
                           else LifeCycleStage.EMBRYONIC)
                if implied != cluster.stage:
                    raise ValueError(
                        f"cluster '{cluster.name}': age_months = {cluster.age_months} means stage "
                        f"'{implied.value}' (growth from {lc.months_to_growth}, mature from "
                        f"{lc.months_to_mature} months), but stage is '{cluster.stage.value}'"
                    )
            for other in cluster.networked_with:
                if other not in names or other == cluster.name:
                    raise ValueError(
                        f"cluster '{cluster.name}': networked_with names '{other}', which is not "
                        f"another cluster; clusters are {names}"
                    )
        return self

    @property
    def n_clusters(self) -> int:
        return sum(c.count for c in self.clusters)

    @property
    def n_firms(self) -> int:
        return sum(c.count * c.n_firms for c in self.clusters)


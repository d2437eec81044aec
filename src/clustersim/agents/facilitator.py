"""Facilitator: the cluster organisation and its manager, turning budget and staff into services."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from clustersim.mechanisms.lifecycle import LIFE_CYCLE_STAGES
from clustersim.mesa_core import mesa
from clustersim.processes import services
from clustersim.scenario.schema import FacilitatorConfig

if TYPE_CHECKING:
    from clustersim.world import World


class Facilitator(mesa.Agent):
    """A cluster organisation and its manager (seed 000: both an institution and a person).

    Each month it pays its staff, spends staff days on the upkeep of its international
    relationships (coordination costs, seed 000), visits members, and organises events from its
    service portfolio with a priority that follows its role, keeping a reserve of wages for
    events only (visits and surveys are cheap and may use it). The rules are in
    :mod:`clustersim.processes.services`; the agent is a view on row ``index`` of
    ``model.facilitators``.
    """

    model: World  # a ClusterModel

    def __init__(self, model: World, index: int, config: FacilitatorConfig):
        super().__init__(model)
        self.index = index
        self.config = config
        self.offered = frozenset(config.services)

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
    def fee_share(self) -> float:
        """Share of an event's cost participants pay now (rises when public money runs out)."""
        return float(self.model.facilitators.service_fee_share[self.index])

    @property
    def next_survey_month(self) -> int:
        return int(self.model.facilitators.next_survey_month[self.index])

    @property
    def survey_valid_until(self) -> int:
        return int(self.model.facilitators.survey_valid_until[self.index])

    @property
    def life_cycle_stage(self) -> str:
        return LIFE_CYCLE_STAGES[int(self.model.cluster_stages()[self.index])]

    @property
    def members(self) -> np.ndarray:
        return services.members_of(self.model, self.index)

    def international_relations(self) -> int:
        """Agreements with foreign cluster organisations plus ties it brokered this past year."""
        return services.international_relations(self.model, self.index)

    def coordination_days(self) -> float:
        """Staff days a month consumed by keeping its international relationships alive."""
        return services.coordination_days(self.model, self.index)

    def responsiveness(self) -> float:
        return services.facilitator_responsiveness(self.model, self.index)

    # -- the monthly rule ----------------------------------------------------------------------
    def organise_services(self) -> None:
        """Spend this month's staff days and spendable money on visits and events."""
        services.organise_services(self.model, np.array([self.index]))

"""Firm: a cluster member (micro, SME, large or start-up) that may internationalise."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from clustersim.mechanisms.learning import STAGES
from clustersim.mesa_core import mesa
from clustersim.scenario.schema import FIRM_KINDS

if TYPE_CHECKING:
    from clustersim.world import World


class Firm(mesa.Agent):
    """A firm in a cluster. Kinds differ in motives and means (seed 002): large firms seek
    complementary suppliers, SMEs seek new business but fear competition, start-ups seek funding
    and cooperation everywhere; micro firms and SMEs lack resources to go abroad alone (000, 002).

    Attributes are views on row ``index`` of ``model.firms`` and ``model.relations``.
    """

    model: World  # a ClusterModel

    def __init__(self, model: World, index: int):
        super().__init__(model)
        self.index = index

    # -- state a reader looks for -------------------------------------------------------------
    @property
    def kind(self) -> str:
        return FIRM_KINDS[int(self.model.firms.kind[self.index])]

    @property
    def cluster(self) -> str:
        return self.model.facilitators.names[int(self.model.firms.cluster[self.index])]

    @property
    def capability(self) -> float:
        return float(self.model.firms.capability[self.index])

    @property
    def language_skill(self) -> float:
        return float(self.model.firms.language_skill[self.index])

    @property
    def experience(self) -> float:
        """Export experience in market-years."""
        return float(self.model.firms.experience[self.index])

    @property
    def resources(self) -> float:
        return float(self.model.firms.resources[self.index])

    @property
    def is_member(self) -> bool:
        return bool(self.model.firms.member[self.index])

    @property
    def is_committed(self) -> bool:
        return bool(self.model.firms.committed[self.index])

    @property
    def satisfaction(self) -> float:
        return float(self.model.firms.satisfaction[self.index])

    @property
    def trust_in_facilitator(self) -> float:
        return float(self.model.firms.trust_in_facilitator[self.index])

    def _relation_rows(self) -> np.ndarray:
        rel = self.model.relations
        return np.flatnonzero(rel.view("firm") == self.index)

    def export_partners(self) -> list[int]:
        """Indices of the foreign partners this firm has an export tie with."""
        rel = self.model.relations
        rows = self._relation_rows()
        return [int(p) for p in rel.partner[rows[rel.tie[rows]]]]

    def export_markets(self) -> list[str]:
        markets = {int(self.model.partners.market[p]) for p in self.export_partners()}
        return sorted(self.model.market_names[m % self.model.n_markets] for m in markets)

    @property
    def n_ties(self) -> int:
        return len(self.export_partners())

    @property
    def is_exporting(self) -> bool:
        return self.n_ties > 0

    def trust_in_partner(self, partner_index: int) -> float:
        """The firm's trust in a partner it knows, 0 for a stranger."""
        row = self.model.relations.lookup(np.array([self.index]), np.array([partner_index]))[0]
        return float(self.model.relations.trust_fp[row]) if row >= 0 else 0.0

    @property
    def stage(self) -> str:
        """Where the firm stands on the incremental internationalisation path (Uppsala)."""
        return STAGES[int(self.model.firm_stages()[self.index])]

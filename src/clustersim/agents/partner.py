"""ForeignPartner: a firm or buyer in a foreign market, with needs that open and close."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clustersim.mechanisms.opportunities import is_live
from clustersim.mesa_core import mesa

if TYPE_CHECKING:
    from clustersim.world import World


class ForeignPartner(mesa.Agent):
    """A potential foreign customer or supplier. Its needs open as opportunities that close
    after a few months (seed 002); a match needs a need on both sides (seed 001).

    Attributes are views on row ``index`` of ``model.partners``.
    """

    model: World  # a ClusterModel

    def __init__(self, model: World, index: int):
        super().__init__(model)
        self.index = index

    @property
    def market(self) -> str:
        return self.model.market_names[int(self.model.partners.market[self.index])
                                       % self.model.n_markets]

    @property
    def has_live_need(self) -> bool:
        p = self.model.partners
        return bool(is_live(p.open_need[self.index : self.index + 1],
                            p.need_expires[self.index : self.index + 1], self.model.month)[0])

    @property
    def need_level(self) -> float:
        return float(self.model.partners.need_level[self.index])

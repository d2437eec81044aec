"""ODD §3 step 4, opportunities (7.4): expired partner needs close, new ones open; which
partners are live this month, and the partner pools events draw from.
"""

from __future__ import annotations

import numpy as np

from clustersim.mechanisms import opportunities
from clustersim.world import World


def refresh_opportunities(w: World) -> None:
    p, op = w.partners, w.params.opportunities
    opportunities.refresh_needs(p.open_need, p.need_expires, p.need_level, w.month,
                                op.open_prob_per_month, op.window_months, w.rng,
                                w.params.traits.need_level_min, w.params.traits.need_level_max)
    refresh_live_partners(w)


def refresh_live_partners(w: World) -> None:
    p = w.partners
    live = opportunities.is_live(p.open_need, p.need_expires, w.month)
    w.live_partners = np.flatnonzero(live)
    # partners are numbered market by market, so each market's live partners are a run
    bounds = np.searchsorted(p.market[w.live_partners], np.arange(w.n_world_markets + 1))
    # the partner pools events draw from, flat: pool m holds market m's partners, pool
    # n_markets + m the partners of market m with a live need
    w.pool_count = np.concatenate((w.market_partner_count, np.diff(bounds)))
    w.pool_start = np.cumsum(w.pool_count) - w.pool_count
    w.pool_partners = np.concatenate((w.market_partners, w.live_partners))

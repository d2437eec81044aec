"""ODD §3 step 1, bookkeeping: month + 1; this month's slots of the 12-month rings (income, new
ties, collaboration days), the monthly benefits and the event markers are cleared."""

from __future__ import annotations

from clustersim.world import World


def start_month(w: World) -> None:
    w.month += 1
    w.firms.benefit[:] = 0.0
    w.firms.last_event[:] = -1
    w.events_this_month = 0
    w.events_held_this_month = 0
    w.replica_tallies = {}
    w.firms.collaboration_days[:, w.month % 12] = 0
    w.facilitators.start_month(w.month)

"""What one browser session of the dashboard keeps while its pages come and go.

Solara scopes module-level reactive variables to the browser session (its kernel), so these
survive a visit to "About this model" and back: the running model, the widget values, what the
running model was built with, whether it is playing, and the redraw counters. Each classroom
browser has its own.
"""

from __future__ import annotations

import threading
from typing import Any

import solara

model: solara.Reactive[Any] = solara.reactive(None)
"""The :class:`~clustersim.viz.dashboard_model.DashboardModel` being shown (None: not built)."""
values: solara.Reactive[dict[str, Any]] = solara.reactive({})
"""The widgets' current values (keyword arguments of ``DashboardModel``)."""
applied: solara.Reactive[dict[str, Any]] = solara.reactive({})
"""The values the running model was built with: widgets that differ wait for Reset."""
playing = solara.reactive(False)
frame = solara.reactive(0)
"""Bumped when the KPI charts and the month counter should redraw."""
network_frame = solara.reactive(0)
"""Bumped when the network picture should redraw (less often while playing: it costs most)."""
play_lock: solara.Reactive[Any] = solara.reactive(None)


def lock() -> threading.Lock:
    """This session's lock that lets only one play loop step the model."""
    if play_lock.peek() is None:
        play_lock.set(threading.Lock())
    return play_lock.peek()


def clear() -> None:
    """Forget everything (tests render several dashboards in one process)."""
    for var, empty in ((model, None), (values, {}), (applied, {}), (playing, False),
                       (frame, 0), (network_frame, 0), (play_lock, None)):
        var.set(empty)
